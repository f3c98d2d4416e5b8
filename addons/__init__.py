"""Rasa plugins: channels and NLU components. Rasa imports them with the model and the channels,
and with them the wrapper that makes a failed custom action said (addons/action_failures.py)."""

from addons.action_failures import install as _say_action_failures

_say_action_failures()
