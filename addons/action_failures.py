"""A custom action that cannot run is said, never silence.

Rasa 3.6 logs a failed call to the action server (down, timing out, answering 5xx) and goes on
without a word to the customer ("the action's events are lost"). install() wraps RemoteAction.run
so the customer reads utter_action_failed instead, and a form whose answer could not be checked
asks its question again; a form whose final action failed waits at its confirmation
(shop/form_endings.py). The apology is said once a turn. A rejection (a form's own "not this
slot") is left to Rasa."""

from typing import Any, List

from rasa.core.actions.action import ActionExecutionRejection, RemoteAction, create_bot_utterance
from rasa.shared.core.events import ActiveLoop, BotUttered, Event, SlotSet, UserUttered
from rasa.shared.exceptions import RasaException

from shop.form_endings import FINAL_ACTIONS

FAILED_RESPONSE = "utter_action_failed"  # the action server's own apology too (actions/server.py)


def apologized_this_turn(tracker: Any) -> bool:
    for event in reversed(tracker.events):
        if isinstance(event, UserUttered):
            return False
        if isinstance(event, BotUttered) and (event.metadata or {}).get("utter_action") == FAILED_RESPONSE:
            return True
    return False


async def apology(action_name: str, nlg: Any, tracker: Any, channel_name: str) -> List[Event]:
    """The events a failed action leaves: the apology (once a turn), for a form's validation the
    requested slot emptied so it is asked again, and for a form's final action the form again."""
    events: List[Event] = []
    message = None if apologized_this_turn(tracker) else await nlg.generate(FAILED_RESPONSE, tracker, channel_name)
    if message:
        events.append(create_bot_utterance({**message, "utter_action": FAILED_RESPONSE}))
    requested = tracker.get_slot("requested_slot")
    if action_name.startswith("validate_") and requested:
        events.append(SlotSet(requested, None))
    if action_name in FINAL_ACTIONS:
        form, confirmation = FINAL_ACTIONS[action_name]
        events += [SlotSet(confirmation, None), ActiveLoop(form)]
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
