"""The action server's answers checked against Rasa's schema by a validator built once.

Rasa 3.6 calls `jsonschema.validate` on every answer (RemoteAction._validate_action_result),
which first checks the schema itself against its metaschema: about a third of the Rasa server's
time under load went there (issue 12's profile). install() keeps the same check and the same
error, with the schema checked and the validator made once per process."""

from typing import Any, Dict

from jsonschema import ValidationError
from jsonschema.validators import validator_for
from rasa.core.actions.action import RemoteAction
from rasa.shared.constants import DOCS_BASE_URL

_validator: Any = None


def validator() -> Any:
    global _validator
    if _validator is None:
        schema = RemoteAction.action_response_format_spec()
        kind = validator_for(schema)
        kind.check_schema(schema)
        _validator = kind(schema)
    return _validator


def validate_action_result(self: RemoteAction, result: Dict[str, Any]) -> bool:
    try:
        validator().validate(result)
    except ValidationError as error:  # Rasa's own wording
        error.message += (
            ". Failed to validate Action server response from API, make sure your response from the "
            f"Action endpoint is valid. For more information about the format visit {DOCS_BASE_URL}/custom-actions"
        )
        raise
    return True


def install() -> None:
    """Idempotent: every addon imports this package."""
    RemoteAction._validate_action_result = validate_action_result  # type: ignore[method-assign]
