"""The HubSpot adapter against a local stand-in of HubSpot's CRM v3 API (its base URL from
HUBSPOT_BASE_URL): the contact upserted by email, a deal for a qualified lead and not for a
cold one, updated rather than duplicated, the meeting as a meeting engagement moved and
cancelled with the booking; every request checked field by field."""

import json
from datetime import timedelta

from sqlalchemy import select

from shop import leads, meetings
from shop.integrations.worker import run_once
from shop.models import Delivery
from tests.shop.integrations.conftest import HUBSPOT_TOKEN
from tests.shop.integrations.test_deliveries import ANSWERS, NOW, VISIT, at

COLD = {**ANSWERS, "need": "a gift idea", "company_size": 3, "timeline": "later", "role": None}


def qualify(sessions, answers, sender_id="web-ana"):
    with sessions.begin() as session:
        leads.qualify_lead(session, sender_id, answers, NOW, VISIT)


def calls(hubspot) -> list[tuple[str, str, dict]]:
    return [(c["method"], c["path"], json.loads(c["raw"] or b"{}")) for c in hubspot.calls]


def book(sessions, email="ana.silva@example.com"):
    with sessions.begin() as session:
        slot = meetings.free_slots(session, "smb", NOW + timedelta(days=1), NOW + timedelta(days=2), NOW)[0]
        booking = meetings.book(session, slot.rep_id, slot.start, email, "Europe/Lisbon", sender_id="web-ana", now=NOW)
        return booking.reference, slot


def test_a_qualified_lead_is_a_contact_upserted_by_email_and_a_deal_on_it(sessions, hubspot):
    qualify(sessions, ANSWERS)
    with sessions() as session:
        assert [d.target for d in session.scalars(select(Delivery))] == ["hubspot"]
    run_once(sessions, now=at(0))
    (m1, p1, upsert), (m2, p2, deal) = calls(hubspot)
    assert (m1, p1) == ("POST", "/crm/v3/objects/contacts/batch/upsert")
    assert upsert == {
        "inputs": [
            {
                "idProperty": "email",
                "id": "ana.silva@example.com",
                "properties": {"email": "ana.silva@example.com", "jobtitle": "owner"},
            }
        ]
    }
    assert hubspot.calls[0]["headers"]["Authorization"] == f"Bearer {HUBSPOT_TOKEN}"
    assert (m2, p2) == ("POST", "/crm/v3/objects/deals")
    [contact_id] = hubspot.records["contacts"]
    assert deal["associations"] == [
        {"to": {"id": contact_id}, "types": [{"associationCategory": "HUBSPOT_DEFINED", "associationTypeId": 3}]}
    ]
    properties = deal["properties"]
    assert properties["dealname"] == "ana.silva@example.com: uniforms for our cafe staff"
    assert (properties["pipeline"], properties["dealstage"]) == ("default", "appointmentscheduled")
    score = leads.score_lead(ANSWERS)
    assert f"Score: {score.score} ({score.grade})" in properties["description"]
    assert "Campaign: newsletter / email / spring-uniforms" in properties["description"]

    qualify(sessions, {**ANSWERS, "budget": 20000})  # the same lead, updated: the same deal
    run_once(sessions, now=at(1))
    (m3, _, _), (m4, p4, patch) = calls(hubspot)[2:]
    [deal_id] = hubspot.records["deals"]
    assert m3 == "POST" and (m4, p4) == ("PATCH", f"/crm/v3/objects/deals/{deal_id}")
    assert "Budget: 20000" in patch["properties"]["description"]
    assert len(hubspot.records["contacts"]) == len(hubspot.records["deals"]) == 1


def test_a_cold_lead_is_a_contact_without_a_deal(sessions, hubspot):
    qualify(sessions, COLD)
    run_once(sessions, now=at(0))
    assert [c[1] for c in calls(hubspot)] == ["/crm/v3/objects/contacts/batch/upsert"]
    assert hubspot.records["deals"] == {}


def test_the_meeting_is_an_engagement_on_the_contact_moved_and_cancelled_with_the_booking(sessions, hubspot):
    reference, slot = book(sessions)
    run_once(sessions, now=at(0))
    [meeting_id] = hubspot.records["meetings"]
    meeting = hubspot.records["meetings"][meeting_id]
    [contact_id] = hubspot.records["contacts"]
    assert meeting["hs_meeting_start_time"] == slot.start.isoformat().replace("+00:00", "Z")
    assert meeting["hs_timestamp"] == meeting["hs_meeting_start_time"]
    assert meeting["hs_meeting_end_time"] == slot.end.isoformat().replace("+00:00", "Z")
    assert meeting["hs_meeting_outcome"] == "SCHEDULED"
    assert meeting["hs_meeting_title"] == f"Call with {slot.rep_name} ({reference})"
    assert meeting["associations"][0]["to"] == {"id": contact_id}
    assert meeting["associations"][0]["types"][0]["associationTypeId"] == 200

    with sessions.begin() as session:
        later = slot.start + timedelta(hours=1)
        moved = meetings.move_meeting(session, reference, "ana.silva@example.com", slot.rep_id, later, now=NOW)
        new_reference = moved.reference
    run_once(sessions, now=at(1))
    assert list(hubspot.records["meetings"]) == [meeting_id]  # the same engagement
    assert hubspot.records["meetings"][meeting_id]["hs_meeting_start_time"] == later.isoformat().replace("+00:00", "Z")
    assert hubspot.records["meetings"][meeting_id]["hs_meeting_outcome"] == "RESCHEDULED"

    with sessions.begin() as session:
        assert meetings.cancel_meeting(session, new_reference, "ana.silva@example.com") == new_reference
    run_once(sessions, now=at(2))
    assert calls(hubspot)[-1] == (
        "PATCH",
        f"/crm/v3/objects/meetings/{meeting_id}",
        {"properties": {"hs_meeting_outcome": "CANCELED"}},
    )


def test_a_hubspot_outage_is_retried_and_a_retry_makes_no_second_record(sessions, hubspot):
    qualify(sessions, ANSWERS)
    hubspot.fail_with = 502
    assert list(run_once(sessions, now=at(0)).values()) == ["pending"]
    with sessions() as session:
        assert "answered 502" in session.scalar(select(Delivery.last_error))
    hubspot.fail_with = None
    assert list(run_once(sessions, now=at(3600)).values()) == ["sent"]
    assert len(hubspot.records["contacts"]) == len(hubspot.records["deals"]) == 1


def test_a_wrong_token_is_a_failure_with_hubspots_answer(sessions, hubspot, monkeypatch):
    monkeypatch.setenv("HUBSPOT_TOKEN", "pat-wrong")
    qualify(sessions, ANSWERS)
    run_once(sessions, now=at(0))
    with sessions() as session:
        assert "answered 401" in session.scalar(select(Delivery.last_error))
    assert hubspot.records["contacts"] == {}
