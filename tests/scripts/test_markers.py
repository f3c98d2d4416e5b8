"""markers.yml, Rasa's markers of the funnel's steps, on conversations built event by event as
Rasa's tracker holds them; and scripts/markers.py's count of Rasa's CSV."""

import warnings

import pytest
from rasa.core.evaluation.marker_base import Marker
from rasa.shared.core.domain import Domain
from rasa.shared.core.events import ActionExecuted, ActiveLoop, BotUttered, SessionStarted, SlotSet, UserUttered

from scripts.markers import MARKERS, marker_names, sessions_per_marker
from shop.settings import PROJECT_ROOT


def session(*steps) -> list:
    return [ActionExecuted("action_session_start"), SessionStarted(), ActionExecuted("action_listen"), *steps]


def says(intent: str, text: str = "...") -> list:
    return [UserUttered(text, intent={"name": intent, "confidence": 0.9})]


def runs(action: str, *events) -> list:
    return [ActionExecuted(action), *events]


def listens() -> list:
    return [ActionExecuted("action_listen")]


def steps(*parts) -> list:
    return [event for part in parts for event in part]


def purchase(placed: bool = True) -> list:
    ordered = [SlotSet("order_id", "A1042")] if placed else [SlotSet("size", None)]
    return steps(
        says("purchase"),
        runs("purchase_form", ActiveLoop("purchase_form"), SlotSet("requested_slot", "size")),
        listens(),
        says("affirm"),
        runs("purchase_form", ActiveLoop(None), SlotSet("requested_slot", None)),
        runs("action_place_order", BotUttered("..."), SlotSet("quantity", None), *ordered),
    )


def csat(rating: str | None) -> list:
    """The question after an outcome, as Rasa logs it (the answer's words are put in csat_rating
    by the slot mappings before the form validates them): a rating then a comment, "no", or
    first an answer that is no rating."""
    asked = steps(
        [SlotSet("csat_outcome", "order")],
        runs("csat_form", ActiveLoop("csat_form"), SlotSet("requested_slot", "csat_rating")),
        listens(),
    )
    if rating is None:
        answered = steps(
            says("deny", "no"),
            [SlotSet("csat_rating", "no")],
            runs("csat_form", SlotSet("csat_rating", "declined"), SlotSet("csat_comment", ""), ActiveLoop(None)),
        )
    else:
        answered = steps(
            says("inform", "hmm"),
            [SlotSet("csat_rating", "hmm")],
            runs("csat_form", SlotSet("csat_rating", None)),  # "Just a number from 1 to 5"
            listens(),
            says("inform", rating),
            [SlotSet("csat_rating", rating)],
            runs("csat_form", SlotSet("csat_rating", rating), SlotSet("requested_slot", "csat_comment")),
            listens(),
            says("nlu_fallback", "quick and easy"),
            [SlotSet("csat_comment", "quick and easy")],
            runs("csat_form", SlotSet("csat_comment", "quick and easy"), ActiveLoop(None)),
        )
    reset = [SlotSet("csat_rating", None), SlotSet("csat_comment", None), SlotSet("csat_outcome", None)]
    return asked + answered + runs("action_record_csat", *reset)


def misunderstood() -> list:
    return steps(says("nlu_fallback"), runs("action_handle_misunderstanding", SlotSet("person_offered", False)))


@pytest.fixture(scope="module")
def markers():
    return Marker.from_path(MARKERS)


def applied(markers, events) -> list[set[str]]:
    """Per session, the markers that applied in it."""
    return [{name for name, hits in found.items() if hits} for found in markers.evaluate_events(events)]


def test_every_marker_names_what_the_domain_has(markers):
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", UserWarning)
        domain = Domain.load(str(PROJECT_ROOT / "domain.yml"))
    assert markers.validate_against_domain(domain)
    assert [str(m) for m in markers.sub_markers] == marker_names()


def test_a_purchase_placed_and_rated(markers):
    events = session(*purchase(), *csat("5"), *listens())
    assert applied(markers, events) == [{"purchase_started", "purchase_completed", "csat_asked", "csat_answered"}]


def test_a_purchase_sold_out_is_started_only(markers):
    assert applied(markers, session(*purchase(placed=False), *listens())) == [{"purchase_started"}]


def test_a_refused_rating_is_asked_not_answered(markers):
    booked = steps(
        says("book_meeting"),
        runs("booking_form", ActiveLoop("booking_form")),
        runs("action_book_meeting", SlotSet("booking_ref", "M-7")),
    )
    assert applied(markers, session(*booked, *csat(None), *listens())) == [{"meeting_booked", "csat_asked"}]


def test_two_misunderstandings_in_one_session_then_a_person(markers):
    # One sender, two sessions: the first with one miss, the second with two, then a person.
    first = session(*misunderstood(), *listens(), *says("greet"), *runs("action_greet"), *listens())
    second = session(
        *misunderstood(),
        *listens(),
        *misunderstood(),
        *listens(),
        *says("human_handoff"),
        *runs("action_human_handoff", SlotSet("handoff_team", "support")),
    )
    assert applied(markers, first + second) == [set(), {"misunderstood_twice", "handoff_asked"}]


def test_a_lead_an_opt_out_and_an_order_question(markers):
    lead = steps(says("sales_inquiry"), runs("lead_form"), runs("action_qualify_lead", SlotSet("lead_grade", "hot")))
    stop = steps(says("opt_out"), runs("action_opt_out"))
    status = steps(says("order_status"), runs("order_status_form"))
    refund = steps(says("refund"), runs("refund_form"))
    found = applied(markers, session(*lead, *stop, *status, *refund))
    assert found == [{"lead_qualified", "opted_out", "order_status_started", "refund_started"}]


def test_sessions_per_marker_counts_each_session_once():
    rows = [
        {"sender_id": "a", "session_idx": "0", "marker": "purchase_started"},
        {"sender_id": "a", "session_idx": "0", "marker": "purchase_started"},  # a condition's second hit
        {"sender_id": "a", "session_idx": "1", "marker": "purchase_started"},
        {"sender_id": "b", "session_idx": "0", "marker": "purchase_started"},
        {"sender_id": "b", "session_idx": "0", "marker": "handoff_asked"},
    ]
    counts = sessions_per_marker(rows, ["purchase_started", "handoff_asked", "opted_out"])
    assert counts == {"purchase_started": 3, "handoff_asked": 1, "opted_out": 0}
