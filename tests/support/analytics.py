"""Conversations as Rasa's event broker publishes them, built step by step, whose funnel
figures are known in advance (the analytics tests; the e2e test checks the real servers give
the same kind of events)."""

import itertools
from typing import Any

_clock = itertools.count()


class Published:
    """One sender's events, a second apart from `start` (epoch seconds)."""

    def __init__(self, sender_id: str, start: float, channel: str = "rest", metadata: dict | None = None) -> None:
        self.sender_id, self.t, self.channel, self.metadata = sender_id, start, channel, metadata or {}
        self.events: list[dict[str, Any]] = []

    def _add(self, event: dict[str, Any], after: float = 1.0) -> "Published":
        self.t += after
        self.events.append({"sender_id": self.sender_id, "timestamp": self.t + next(_clock) * 1e-6, **event})
        return self

    def session(self) -> "Published":
        return self._add({"event": "session_started"})

    def says(self, text: str, intent: str, answer_after: float = 0.5) -> "Published":
        self._add(
            {
                "event": "user",
                "text": text,
                "parse_data": {"intent": {"name": intent, "confidence": 0.9}, "entities": []},
                "input_channel": self.channel,
                "metadata": self.metadata,
            }
        )
        self._pending_answer = answer_after
        return self

    def bot(self, response: str | None) -> "Published":
        after = getattr(self, "_pending_answer", 1.0)
        self._pending_answer = 1.0
        return self._add({"event": "bot", "text": "...", "metadata": {"utter_action": response}}, after)

    def action(self, name: str) -> "Published":
        return self._add({"event": "action", "name": name}, 0.01)

    def form(self, name: str | None) -> "Published":
        return self._add({"event": "active_loop", "name": name}, 0.01)

    def slot(self, name: str, value: Any) -> "Published":
        return self._add({"event": "slot", "name": name, "value": value}, 0.01)

    def asks(self, slot: str, response: str) -> "Published":
        return self.slot("requested_slot", slot).bot(response)

    def purchase(self, finish: bool = True, stop_at: str = "email") -> "Published":
        self.says("I want a hoodie", "purchase").action("purchase_form").form("purchase_form")
        self.asks("size", "utter_ask_size").says("M", "inform").asks("color", "utter_ask_color")
        if not finish:
            return self.says("black", "inform").asks(stop_at, f"utter_ask_{stop_at}")
        self.says("black", "inform").asks("purchase_confirmed", "utter_ask_to_place_the_order")
        self.says("yes", "affirm").slot("requested_slot", None).form(None).action("action_place_order")
        return self.bot("utter_order_placed")


WINTER = {"path": "/p/hoodie", "utm_campaign": "winter"}


def a_busy_day(at) -> list[Published]:
    """Five conversations of one day, `at(hour)` giving each one's start (epoch seconds): A a
    finished purchase on the web from the winter campaign, B one abandoned at the email, C two
    messages not understood then a person, D an opt-out on the web, E a hot lead who booked."""
    return [
        Published("A", at(9), "socketio", WINTER).session().says("hi", "greet").bot("utter_greet").purchase(),
        Published("B", at(10)).session().purchase(finish=False, stop_at="email"),
        Published("C", at(11))
        .session()
        .says("blorp", "nlu_fallback")
        .action("action_handle_misunderstanding")
        .bot("utter_default")
        .says("Blorp", "out_of_scope")
        .action("action_handle_misunderstanding")
        .bot("utter_offer_person")
        .says("a person please", "human_handoff")
        .action("action_handoff")
        .bot("utter_handoff_queued"),
        Published("D", at(12), "socketio", {"path": "/"})
        .session()
        .says("stop", "opt_out")
        .action("action_opt_out")
        .bot("utter_opted_out"),
        Published("E", at(13))
        .session()
        .says("we need uniforms", "sales_inquiry")
        .action("lead_form")
        .form("lead_form")
        .asks("company_size", "utter_ask_company_size")
        .says("60", "inform")
        .slot("requested_slot", None)
        .form(None)
        .action("action_qualify_lead")
        .slot("lead_grade", "hot")
        .bot("utter_lead_meeting_offer_team_out")
        .says("book it", "book_meeting")
        .form("booking_form")
        .asks("meeting_time", "utter_ask_meeting_time")
        .says("tomorrow 10am", "inform")
        .form(None)
        .action("action_book_meeting")
        .bot("utter_meeting_booked"),
    ]


def order_status_told(sender: str, start: float) -> Published:
    return (
        Published(sender, start)
        .session()
        .says("where is my order", "order_status")
        .form("order_status_form")
        .asks("email", "utter_ask_email")
        .says("a@b.co", "inform")
        .form(None)
        .action("action_order_status")
        .bot("utter_order_status_delivered")
    )
