"""Meetings with the sales team in the chat: the booking form (time zone, wished time, one of
the free slots offered, confirmation), booking with a calendar invite, and moving or cancelling
a booking by its reference and email (the scheduling rules: shop.meetings)."""

from abc import ABC, abstractmethod
from datetime import datetime, timezone
from typing import Any

from dateutil import parser as date_parser
from rasa_sdk import Action, Tracker
from rasa_sdk.events import ActiveLoop, EventType, FollowupAction, SlotSet

from actions.common import customer_zone, remember_reach, team_of
from actions.csat import csat_followup
from actions.forms import AnswersInAnyOrder, EndsAForm, email_reader, validate_email_value
from shop import invites, meetings
from shop.answers import Reader
from shop.clock import now_utc
from shop.db import session_scope
from shop.parsing.dates import describe, describe_request, parse_time_request, parse_timezone
from shop.parsing.ids import find_booking_ref, without_emails

MEETING_SLOTS = ["meeting_time", "meeting_options", "meeting_slot", "booking_confirmed"]


# --------------------------------------------------------------------------- booking


def time_not_read(dispatcher) -> dict[str, Any]:
    dispatcher.utter_message(response="utter_meeting_time_not_read")
    return {"meeting_time": None}


def slot_options(session, tracker: Tracker, text: str) -> list[dict[str, Any]] | None:
    """Up to three free slots of the team for 'next tuesday at 3pm' (None: no time read in it).
    CalendarUnavailable when the reps' calendars cannot be checked."""
    now = now_utc()
    wanted = parse_time_request(str(text), now, customer_zone(tracker))
    if wanted is None:
        return None
    slots = meetings.free_slots(session, team_of(tracker), wanted.start, wanted.end, now)
    return [
        {"start": s.start.astimezone(timezone.utc).isoformat(), "rep_id": s.rep_id, "rep": s.rep_name} for s in slots
    ]


def offer_slots(session, tracker: Tracker, text: str, dispatcher) -> dict[str, Any]:
    """Turns 'next tuesday at 3pm' into up to three free slots of the team, or says why not."""
    try:
        options = slot_options(session, tracker, text)
    except meetings.CalendarUnavailable:
        dispatcher.utter_message(response="utter_calendar_unavailable")
        return {"meeting_time": None}
    if options is None:
        return time_not_read(dispatcher)
    if not options:
        dispatcher.utter_message(response="utter_no_free_times")
        return {"meeting_time": None}
    return {"meeting_time": str(text)[:200], "meeting_options": options, "meeting_slot": None}


def offer_other_times(tracker: Tracker, dispatcher, form: str) -> list[EventType] | None:
    """After the time picked was taken (booked by someone else, or filled in the rep's own
    calendar) before it could be booked: the other free times for the same wish, the form
    reopened at the choice. None when nothing else is free then or the calendars can't be read."""
    wish = tracker.get_slot("meeting_time")
    if not wish:
        return None
    try:
        with session_scope() as session:
            options = slot_options(session, tracker, wish)
    except meetings.CalendarUnavailable:
        return None
    if not options:
        return None
    dispatcher.utter_message(response="utter_meeting_slot_taken_other_times")
    return [
        SlotSet("meeting_options", options),
        SlotSet("meeting_slot", None),
        SlotSet("booking_confirmed", None),
        ActiveLoop(form),
        FollowupAction(form),
    ]


def chosen_option(value: Any, options: list[dict[str, Any]], zone) -> dict[str, Any] | None:
    """The option a customer picked: a button's start time, 'the second one', or '3pm'."""
    if not options or value is None:
        return None
    text = str(value).strip().lower()
    for option in options:
        if text == option["start"].lower():
            return option
    ordinals = {"first": 0, "1": 0, "second": 1, "2": 1, "third": 2, "3": 2, "last": len(options) - 1}
    for word, index in ordinals.items():
        if text in (word, f"the {word}", f"the {word} one", f"{word} one") and index < len(options):
            return options[index]
    if not any(c.isdigit() for c in text):
        return None  # no clock time in it ("thursday afternoon"): a new wish, not a pick
    try:
        picked = date_parser.parse(text, fuzzy=True, default=datetime(2000, 1, 1, 0, 0))  # noqa: DTZ001 (a placeholder day)
        # The same date under another default means the text named a day ("thursday at 9am").
        names_day = picked.date() == date_parser.parse(text, fuzzy=True, default=datetime(2000, 1, 2)).date()  # noqa: DTZ001
    except (ValueError, OverflowError):
        return None
    for option in options:
        start = date_parser.isoparse(option["start"])
        if picked.tzinfo is not None:  # a time stamp (an older offer's button): only that instant
            if start == picked:
                return option
            continue
        local = start.astimezone(zone)
        if (local.hour, local.minute) == (picked.hour, picked.minute) and (
            not names_day or local.weekday() == picked.weekday()
        ):
            return option
    return None


def booking_ref_reader(text: str) -> str | None:
    return find_booking_ref(text)


class MeetingFormValidation(AnswersInAnyOrder, ABC):
    """Shared by booking and rescheduling: time zone, wished time, chosen slot; answers in any
    order. Abstract, so the action server does not register it as an action of its own."""

    @abstractmethod
    def name(self) -> str: ...

    def answer_readers(self, tracker: Tracker, requested: str | None) -> dict[str, Reader]:
        def meeting_time(text: str) -> str | None:
            wanted = parse_time_request(without_emails(text), now_utc(), customer_zone(tracker))
            return str(text)[:200] if wanted is not None else None

        return {
            "booking_ref": booking_ref_reader,
            "email": email_reader,
            "customer_timezone": lambda text: parse_timezone(without_emails(text)),
            "meeting_time": meeting_time,
        }

    def noted_variables(self, slot: str, value: Any, tracker: Tracker) -> dict[str, Any] | None:
        if slot == "meeting_time":
            wanted = parse_time_request(without_emails(value), now_utc(), customer_zone(tracker))
            return {"when": describe_request(wanted)} if wanted else None
        if slot == "customer_timezone":
            return {"zone": value}
        return {slot: value}

    def _missing_before_time(self, slots: dict[str, Any], domain) -> bool:
        """Whether a slot asked before the wished time (the zone, the booking) is unknown:
        then free times cannot be looked up yet."""
        required = self.domain_slots(domain)
        earlier = required[: required.index("meeting_time")] if "meeting_time" in required else []
        return any(slots.get(slot) is None for slot in earlier)

    async def check_booking(self, dispatcher, tracker, slots: dict[str, Any]) -> list[EventType]:
        """Rescheduling checks the booking before times are searched; booking has none."""
        return []

    async def get_validation_events(self, dispatcher, tracker, domain) -> list[EventType]:
        events = await super().get_validation_events(dispatcher, tracker, domain)
        zone = (tracker.latest_message.get("metadata") or {}).get("timezone")
        if not tracker.get_slot("customer_timezone") and zone and parse_timezone(zone):
            events.append(SlotSet("customer_timezone", parse_timezone(zone)))  # from the channel
        slots = {**tracker.current_slot_values(), **{e["name"]: e["value"] for e in events if e.get("event") == "slot"}}
        events += await self.check_booking(dispatcher, tracker, slots)
        slots.update({e["name"]: e["value"] for e in events if e.get("event") == "slot"})
        if (
            slots.get("meeting_time")
            and not slots.get("meeting_options")
            and not self._missing_before_time(slots, domain)
        ):
            # A time wished before the zone was known: its free slots are looked up now.
            tracker.slots.update(slots)
            with session_scope() as session:
                result = offer_slots(session, tracker, slots["meeting_time"], dispatcher)
            events += [SlotSet(name, value) for name, value in result.items()]
        return events

    def validate_customer_timezone(self, value, dispatcher, tracker, domain) -> dict[str, Any]:
        name = parse_timezone(str(value or ""))
        if name is None:
            dispatcher.utter_message(response="utter_unknown_timezone")
            return {"customer_timezone": None}
        return {"customer_timezone": name}

    def validate_meeting_time(self, value, dispatcher, tracker, domain) -> dict[str, Any]:
        if self._missing_before_time(tracker.current_slot_values(), domain):
            # Said before the zone (or the booking) is known: kept, looked up once it is.
            if parse_time_request(without_emails(value), now_utc(), customer_zone(tracker)) is None:
                return time_not_read(dispatcher)
            return {"meeting_time": str(value)[:200], "meeting_options": None}
        with session_scope() as session:
            return offer_slots(session, tracker, value, dispatcher)

    def validate_meeting_slot(self, value, dispatcher, tracker, domain) -> dict[str, Any]:
        options = tracker.get_slot("meeting_options") or []
        option = chosen_option(value, options, customer_zone(tracker))
        if option is None:
            # Maybe a new wish ("what about thursday?"): offer slots for it instead.
            with session_scope() as session:
                result = offer_slots(session, tracker, value, dispatcher)
            return result if result.get("meeting_time") else {"meeting_slot": None}
        return {"meeting_slot": option["start"]}

    def validate_email(self, value, dispatcher, tracker, domain) -> dict[str, Any]:
        return validate_email_value(value, dispatcher)


class ValidateBookingForm(MeetingFormValidation):
    def name(self) -> str:
        return "validate_booking_form"

    def validate_booking_confirmed(self, value, dispatcher, tracker, domain) -> dict[str, Any]:
        return {"booking_confirmed": bool(value)}


class ActionAskMeetingSlot(Action):
    def name(self) -> str:
        return "action_ask_meeting_slot"

    async def run(self, dispatcher, tracker, domain):
        zone = customer_zone(tracker)
        options = tracker.get_slot("meeting_options") or []
        dispatcher.utter_message(
            response="utter_meeting_times_offered",
            buttons=[
                {
                    "title": f"{describe(date_parser.isoparse(o['start']).astimezone(zone))} with {o['rep']}",
                    "payload": f'/inform{{"meeting_slot": "{o["start"]}"}}',
                }
                for o in options
            ],
        )
        return []


def picked(tracker: Tracker) -> dict[str, Any] | None:
    start = tracker.get_slot("meeting_slot")
    return next((o for o in tracker.get_slot("meeting_options") or [] if o["start"] == start), None)


class ActionAskBookingConfirmed(Action):
    def name(self) -> str:
        return "action_ask_booking_confirmed"

    async def run(self, dispatcher, tracker, domain):
        option = picked(tracker)
        when = describe(date_parser.isoparse(option["start"]).astimezone(customer_zone(tracker)))
        dispatcher.utter_message(
            response="utter_confirm_booking", when=when, rep=option["rep"], email=tracker.get_slot("email")
        )
        return []


def booked_message(booking, rep_name: str, zone) -> dict[str, Any]:
    """The values of utter_meeting_booked, and the calendar invite sent with it."""
    return {
        "when": describe(booking.starts_at.replace(tzinfo=timezone.utc).astimezone(zone)),
        "rep": rep_name,
        "reference": booking.reference,
        "invite_url": invites.invite_url(booking.reference),
        "json_message": {
            "type": "calendar_invite",
            "reference": booking.reference,
            "ics": invites.ics(booking, rep_name, booking.rep.email),
        },
    }


class ActionBookMeeting(EndsAForm):
    def name(self) -> str:
        return "action_book_meeting"

    async def finish(self, dispatcher, tracker, domain):
        reset = [SlotSet(s, None) for s in MEETING_SLOTS]
        option = picked(tracker)
        if not tracker.get_slot("booking_confirmed") or option is None:
            dispatcher.utter_message(response="utter_nothing_booked")
            return reset
        zone = customer_zone(tracker)
        try:
            with session_scope() as session:
                remember_reach(session, tracker)  # before the booking: its reminders go there
                booking = meetings.book(
                    session,
                    option["rep_id"],
                    date_parser.isoparse(option["start"]),
                    tracker.get_slot("email"),
                    tracker.get_slot("customer_timezone"),
                    sender_id=tracker.sender_id,
                    now=now_utc(),
                )
                message = booked_message(booking, option["rep"], zone)
        except meetings.SlotTaken:
            again = offer_other_times(tracker, dispatcher, "booking_form")
            if again is not None:
                return again
            dispatcher.utter_message(response="utter_meeting_slot_taken")
            return reset
        except meetings.CalendarUnavailable:
            dispatcher.utter_message(response="utter_calendar_unavailable_nothing_booked", rep=option["rep"])
            return reset
        dispatcher.utter_message(response="utter_meeting_booked", **message)
        return reset + [SlotSet("booking_ref", booking.reference)] + csat_followup(tracker, "booking")


# --------------------------------------------------------------------------- reschedule, cancel


def validate_booking_ref_value(tracker, value, dispatcher) -> dict[str, Any]:
    text = str(value or "").strip().upper().replace("-", "")
    if not (len(text) >= 5 and text[0] == "M" and text[1:].isdigit()):
        dispatcher.utter_message(response="utter_invalid_booking_ref")
        return {"booking_ref": None}
    return {"booking_ref": text}


def booking_not_found(dispatcher, reference: str | None, email: str | None) -> None:
    dispatcher.utter_message(response="utter_booking_not_found", booking_ref=reference, email=email)


class ValidateRescheduleForm(MeetingFormValidation):
    def name(self) -> str:
        return "validate_reschedule_form"

    def validate_booking_ref(self, value, dispatcher, tracker, domain) -> dict[str, Any]:
        return validate_booking_ref_value(tracker, value, dispatcher)

    async def check_booking(self, dispatcher, tracker, slots: dict[str, Any]) -> list[EventType]:
        if slots.get("booking_ref") and slots.get("email") and not slots.get("meeting_options"):
            with session_scope() as session:
                booking = meetings.live_booking(session, slots["booking_ref"], slots["email"])
                team = booking.rep.team if booking is not None else None
            if team is None:
                booking_not_found(dispatcher, slots["booking_ref"], slots["email"])
                return [SlotSet("email", None)]
            # Free slots are searched in the booked rep's team.
            return [SlotSet("sales_team", team)]
        return []


class ActionRescheduleMeeting(EndsAForm):
    def name(self) -> str:
        return "action_reschedule_meeting"

    async def finish(self, dispatcher, tracker, domain):
        reset = [SlotSet(s, None) for s in MEETING_SLOTS]
        reference, email, option = tracker.get_slot("booking_ref"), tracker.get_slot("email"), picked(tracker)
        # The time may have been offered with another rep of the team than the booked one.
        to = (option["rep_id"], date_parser.isoparse(option["start"])) if option else (None, None)
        try:
            with session_scope() as session:
                moved = meetings.move_meeting(session, reference, email, *to, now=now_utc())
                message = booked_message(moved, moved.rep.name, customer_zone(tracker)) if moved and option else {}
        except meetings.SlotTaken:
            again = offer_other_times(tracker, dispatcher, "reschedule_form")
            if again is not None:
                return again
            dispatcher.utter_message(response="utter_reschedule_slot_taken")
            return reset
        except meetings.CalendarUnavailable:
            dispatcher.utter_message(response="utter_calendar_unavailable_meeting_unchanged", booking_ref=reference)
            return reset
        if moved is None:
            booking_not_found(dispatcher, reference, email)
            return reset
        if option is None:  # no time picked: the booking stays as it is
            return reset
        dispatcher.utter_message(response="utter_meeting_booked", **message)
        return reset + [SlotSet("booking_ref", moved.reference)]


class ValidateCancelBookingForm(AnswersInAnyOrder):
    def name(self) -> str:
        return "validate_cancel_booking_form"

    def answer_readers(self, tracker: Tracker, requested: str | None) -> dict[str, Reader]:
        return {"booking_ref": booking_ref_reader, "email": email_reader}

    def validate_booking_ref(self, value, dispatcher, tracker, domain) -> dict[str, Any]:
        return validate_booking_ref_value(tracker, value, dispatcher)

    def validate_email(self, value, dispatcher, tracker, domain) -> dict[str, Any]:
        return validate_email_value(value, dispatcher)


class ActionCancelMeeting(EndsAForm):
    def name(self) -> str:
        return "action_cancel_meeting"

    async def finish(self, dispatcher, tracker, domain):
        reference, email = tracker.get_slot("booking_ref"), tracker.get_slot("email")
        try:
            with session_scope() as session:
                cancelled = meetings.cancel_meeting(session, reference, email)
        except meetings.CalendarUnavailable:
            dispatcher.utter_message(response="utter_calendar_unavailable_meeting_unchanged", booking_ref=reference)
            return [SlotSet("booking_ref", None)]
        if cancelled is None:
            booking_not_found(dispatcher, reference, email)
        else:
            dispatcher.utter_message(response="utter_meeting_cancelled", reference=cancelled)
        return [SlotSet("booking_ref", None)]
