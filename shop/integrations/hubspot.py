"""HubSpot through its public CRM v3 API, with a private app's token: the contact upserted by
email for every lead and meeting, a deal (associated with the contact) for a lead graded at
least `deal_grade`, and each meeting as a meeting engagement on the contact, moved or marked
cancelled with the booking. The ids HubSpot gives are remembered (CrmRecords), so a lead
updated or a meeting moved changes its record instead of making another."""

from typing import Any

import requests

from shop import leads
from shop.integrations.config import HubSpot
from shop.integrations.senders import DeliveryFailed, Parcel, Records

TIMEOUT_SECONDS = 15  # below the claim lease (shop/work_queue.LEASE)
# HubSpot's own association types (v4 "HUBSPOT_DEFINED"): deal to contact, meeting to contact.
DEAL_TO_CONTACT, MEETING_TO_CONTACT = 3, 200
SCHEDULED, RESCHEDULED, CANCELED = "SCHEDULED", "RESCHEDULED", "CANCELED"


def _associated(contact_id: str, type_id: int) -> list[dict[str, Any]]:
    return [
        {"to": {"id": contact_id}, "types": [{"associationCategory": "HUBSPOT_DEFINED", "associationTypeId": type_id}]}
    ]


def grade_reaches(grade: str, least: str) -> bool:
    """Whether `grade` is `least` or better, by the thresholds of seed/lead_scoring.yml."""
    thresholds = {"cold": 0, **leads.load_scoring().get("grades", {})}
    return thresholds.get(grade, -1) >= thresholds.get(least, float("inf"))


class HubSpotSender:
    def __init__(self, config: HubSpot, http: requests.Session | None = None) -> None:
        self.config = config
        self.http = http or requests.Session()

    def _call(self, method: str, path: str, body: dict[str, Any]) -> dict[str, Any]:
        url = f"{self.config.base_url}{path}"
        headers = {"Authorization": f"Bearer {self.config.token}", "Content-Type": "application/json"}
        try:
            answer = self.http.request(method, url, json=body, headers=headers, timeout=TIMEOUT_SECONDS)
        except requests.RequestException as error:
            raise DeliveryFailed(f"HubSpot unreachable: {error.__class__.__name__}: {error}") from error
        if not 200 <= answer.status_code < 300:
            raise DeliveryFailed(f"HubSpot {method} {path} answered {answer.status_code}: {answer.text[:300]}")
        try:
            found = answer.json()
        except ValueError as error:
            raise DeliveryFailed(f"HubSpot {method} {path} answered something not JSON") from error
        return found if isinstance(found, dict) else {}

    def upsert_contact(self, email: str, properties: dict[str, Any], records: Records) -> str:
        """The contact's id, made or updated by email (batch upsert with idProperty email)."""
        body = {"inputs": [{"idProperty": "email", "id": email, "properties": {"email": email, **properties}}]}
        results = self._call("POST", "/crm/v3/objects/contacts/batch/upsert", body).get("results") or []
        if not results or not results[0].get("id"):
            raise DeliveryFailed("HubSpot's contact upsert answered without the contact's id")
        contact_id = str(results[0]["id"])
        records.remember(f"contact:{email}", contact_id)
        return contact_id

    def _create_or_update(
        self, kind: str, key: str, properties: dict[str, Any], associations: list, records: Records
    ) -> str:
        known = records.get(key)
        if known:
            self._call("PATCH", f"/crm/v3/objects/{kind}/{known}", {"properties": properties})
            return known
        made = self._call("POST", f"/crm/v3/objects/{kind}", {"properties": properties, "associations": associations})
        if not made.get("id"):
            raise DeliveryFailed(f"HubSpot made a {kind} record without an id")
        records.remember(key, str(made["id"]))
        return str(made["id"])

    # ----------------------------------------------------------------------- events

    def lead(self, data: dict[str, Any], records: Records) -> None:
        lead = data["lead"]
        if not lead.get("email"):
            return  # HubSpot keys contacts by email: a lead without one waits until it has one
        answers = lead.get("answers") or {}
        contact = {"jobtitle": answers.get("role")} if answers.get("role") else {}
        contact_id = self.upsert_contact(lead["email"], contact, records)
        if not grade_reaches(str(lead.get("grade")), self.config.deal_grade):
            return
        visit = data.get("visit") or {}
        description = "\n".join(
            f"{label}: {value}"
            for label, value in (
                ("Need", answers.get("need")),
                ("Company size", answers.get("company_size")),
                ("Timeline", answers.get("timeline")),
                ("Budget", answers.get("budget")),
                ("Score", f"{lead.get('score')} ({lead.get('grade')})"),
                ("Team", lead.get("team")),
                (
                    "Campaign",
                    " / ".join(str(visit[k]) for k in ("utm_source", "utm_medium", "utm_campaign") if visit.get(k)),
                ),
                ("Page", visit.get("page")),
            )
            if value
        )
        properties = {
            "dealname": f"{lead['email']}: {(answers.get('need') or 'lead from the chat')[:80]}",
            "pipeline": self.config.pipeline,
            "dealstage": self.config.deal_stage,
            "description": description,
        }
        self._create_or_update(
            "deals", f"deal:lead:{lead['id']}", properties, _associated(contact_id, DEAL_TO_CONTACT), records
        )

    def meeting(self, event: str, data: dict[str, Any], records: Records) -> None:
        meeting = data["meeting"]
        key = f"meeting:{meeting['reference']}"
        if event == "meeting.cancelled":
            known = records.get(key)
            if known:  # one HubSpot never heard of needs no cancelling
                self._call(
                    "PATCH", f"/crm/v3/objects/meetings/{known}", {"properties": {"hs_meeting_outcome": CANCELED}}
                )
            return
        contact_id = self.upsert_contact(meeting["customer"]["email"], {}, records)
        properties = {
            "hs_timestamp": meeting["starts_at"],
            "hs_meeting_title": f"Call with {meeting['rep']['name']} ({meeting['reference']})",
            "hs_meeting_body": f"Booked in the chat by {meeting['customer']['email']}, "
            f"time zone {meeting['customer']['timezone']}.",
            "hs_meeting_start_time": meeting["starts_at"],
            "hs_meeting_end_time": meeting["ends_at"],
            "hs_meeting_outcome": SCHEDULED if event == "meeting.booked" else RESCHEDULED,
        }
        previous = meeting.get("previous_reference")
        if event == "meeting.moved" and previous and records.get(f"meeting:{previous}") and not records.get(key):
            records.remember(key, str(records.get(f"meeting:{previous}")))  # the same engagement, moved
        self._create_or_update("meetings", key, properties, _associated(contact_id, MEETING_TO_CONTACT), records)

    def send(self, parcel: Parcel, records: Records) -> None:
        data = parcel.payload.get("data") or {}
        if parcel.event.startswith("lead."):
            self.lead(data, records)
        elif parcel.event.startswith("meeting."):
            self.meeting(parcel.event, data, records)
        else:
            raise DeliveryFailed(f"HubSpot takes no {parcel.event} events (seed/integrations.yml)")
