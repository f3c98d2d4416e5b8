"""What the shop sends first, said in the conversation: the outbox worker (shop/outbound/)
triggers EXTERNAL_outbound with the message's id, and this action marks it sent (once: a
repeated trigger finds it sent and says nothing), says its response with the Messenger tag the
rules chose, and sets the slots the customer's reply refers to (the booking to move or cancel),
unless a form is under way."""

from typing import Any

from rasa_sdk import Action
from rasa_sdk.events import SlotSet

from actions.common import latest_entity
from shop.clock import now_utc
from shop.db import session_scope
from shop.outbound import outbox
from shop.outbound.rasa_api import ENTITY


def message_id(value: Any) -> int | None:
    try:
        return int(value)
    except (TypeError, ValueError):
        return None


class ActionSendOutbound(Action):
    def name(self) -> str:
        return "action_send_outbound"

    async def run(self, dispatcher, tracker, domain):
        wanted = message_id(latest_entity(tracker, ENTITY))
        if wanted is None:
            return []
        with session_scope() as session:
            message = outbox.deliver(session, wanted, now_utc())
            if message is None:
                return []
            response, values, slots, tag = (
                message.response,
                outbox.variables_of(message),
                outbox.slots_of(message),
                message.tag,
            )
        # `outbound` and `messenger_tag` reach the output channel with the message (addons/messenger_output.py).
        dispatcher.utter_message(response=response, outbound=True, messenger_tag=tag, **values)
        if (tracker.active_loop or {}).get("name"):
            return []  # a task under way keeps its answers (the product, the email it was given)
        return [SlotSet(name, value) for name, value in slots.items()]
