"""A custom action that cannot run is said, never silence.

Rasa 3.6 logs a failed call to the action server (down, timing out, answering 5xx) and goes on
without a word to the customer ("the action's events are lost"). install() wraps RemoteAction.run
so the customer reads utter_action_failed instead, and a form whose answer could not be checked
asks its question again. A rejection (a form's own "not this slot") is left to Rasa."""

from typing import Any, List

from rasa.core.actions.action import ActionExecutionRejection, RemoteAction, create_bot_utterance
from rasa.shared.core.events import Event, SlotSet
from rasa.shared.exceptions import RasaException

FAILED_RESPONSE = "utter_action_failed"  # the action server's own apology too (actions/server.py)


async def apology(action_name: str, nlg: Any, tracker: Any, channel_name: str) -> List[Event]:
    """The events a failed action leaves: the apology and, for a form's validation, the
    requested slot emptied so it is asked again."""
    events: List[Event] = []
    message = await nlg.generate(FAILED_RESPONSE, tracker, channel_name)
    if message:
        events.append(create_bot_utterance(dict(message)))
    requested = tracker.get_slot("requested_slot")
    if action_name.startswith("validate_") and requested:
        events.append(SlotSet(requested, None))
    return events


def install() -> None:
    """Idempotent: the channels and the pipeline components all import this module."""
    if getattr(RemoteAction.run, "says_failures", False):
        return
    original = RemoteAction.run

    async def run(self: RemoteAction, output_channel: Any, nlg: Any, tracker: Any, domain: Any) -> List[Event]:
        try:
            return await original(self, output_channel, nlg, tracker, domain)
        except ActionExecutionRejection:
            raise
        except RasaException:
            return await apology(self.name(), nlg, tracker, output_channel.name())

    run.says_failures = True  # type: ignore[attr-defined]
    RemoteAction.run = run  # type: ignore[method-assign]
