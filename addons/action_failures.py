"""A custom action that cannot run is said, never silence.

Rasa 3.6 logs a failed call to the action server (down, timing out, answering 5xx) and goes on
without a word to the customer ("the action's events are lost"). install() wraps RemoteAction.run
so the customer reads utter_action_failed instead, and a form whose answer could not be checked
asks its question again; a form whose final action failed waits at its confirmation
(shop/failed_actions.py). The apology is said once a turn. A rejection (a form's own "not this
slot") is left to Rasa."""

from typing import Any, List

from rasa.core.actions.action import ActionExecutionRejection, RemoteAction, create_bot_utterance
from rasa.shared.core.events import Event, deserialise_events
from rasa.shared.exceptions import RasaException

from shop.failed_actions import FAILED_RESPONSE, apologized_this_turn, events_after_failure


async def apology(action_name: str, nlg: Any, tracker: Any, channel_name: str) -> List[Event]:
    """The events a failed action leaves (shop/failed_actions.py)."""
    events: List[Event] = []
    said = apologized_this_turn(event.as_dict() for event in reversed(tracker.events))
    message = None if said else await nlg.generate(FAILED_RESPONSE, tracker, channel_name)
    if message:
        events.append(create_bot_utterance({**message, "utter_action": FAILED_RESPONSE}))
    return events + deserialise_events(events_after_failure(action_name, tracker.get_slot("requested_slot")))


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
