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
