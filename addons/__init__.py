"""Rasa plugins: channels and NLU components. Rasa imports them with the model and the channels,
and with them the wrapper that makes a failed custom action said (addons/action_failures.py)
and the redaction of emails and tokens from the Rasa server's logs (shop/log_redaction.py)."""

from addons.action_failures import install as _say_action_failures
from shop.log_redaction import install as _redact_logs

_say_action_failures()
_redact_logs()
