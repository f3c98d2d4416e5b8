"""A form interrupted by another one ("where is my order A1003?" while a purchase waits for its
"yes") is taken up again once the other one ends, with its own slots as they were: the
order check may have asked for another person's email, the purchase keeps the customer's.
Read from the conversation's events (Rasa's JSON form), so nothing extra is stored."""

from collections.abc import Iterable
from dataclasses import dataclass, field
from typing import Any

from shop.csat import FORM as CSAT_FORM

# Events after which nothing said earlier is taken up again.
_RESETS = {"restart", "session_started"}
# Forms not taken up again: a satisfaction question the customer left for another request.
NOT_TAKEN_UP = (CSAT_FORM,)


@dataclass(frozen=True)
class Interrupted:
    form: str  # the form to take up again
    by: str  # the form that interrupted it
    slots: dict[str, Any] = field(default_factory=dict)  # every slot before the interrupting message


def interrupted_form(events: Iterable[dict[str, Any]]) -> Interrupted | None:
    """The form that the form which has just ended had interrupted, or None.

    A form started while another was active pauses that one; a paused form is taken up only
    when its interrupter ends (not when the customer has since started something else)."""
    current: str | None = None
    ended: str | None = None
    slots: dict[str, Any] = {}
    before_message: dict[str, Any] = {}
    paused: list[Interrupted] = []
    for event in events:
        kind = event.get("event")
        if kind in _RESETS:
            current, ended, slots, before_message, paused = None, None, {}, {}, []
        elif kind == "user":
            before_message, ended = dict(slots), None  # a form is taken up in the turn its interrupter ends
        elif kind == "slot":
            slots[str(event.get("name"))] = event.get("value")
        elif kind == "active_loop":
            name = event.get("name")
            if not name:
                ended, current = current, None
                continue
            if current and current != name:
                paused.append(Interrupted(form=current, by=name, slots=before_message))
            elif current is None and paused and paused[-1].form == name and paused[-1].by == ended:
                paused.pop()  # taken up again
            elif current is None and name != ended:
                paused = []  # a new task: nothing older waits any more (a form reopened keeps them)
            current, ended = name, None
    if current is None and ended and paused and paused[-1].by == ended and paused[-1].form not in NOT_TAKEN_UP:
        return paused[-1]
    return None
