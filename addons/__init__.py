"""Rasa plugins: channels and NLU components. Rasa imports them with the model and the channels,
and with them the wrapper that makes a failed custom action said (addons/action_failures.py)
the redaction of emails and tokens from the Rasa server's logs (shop/log_redaction.py), and the
action server's answers checked by a validator built once (addons/action_response_schema.py)."""

from addons.action_failures import install as _say_action_failures
from addons.action_response_schema import install as _validate_answers_fast
from shop.log_redaction import install as _redact_logs

_say_action_failures()
_validate_answers_fast()
_redact_logs()
