"""The one interface of every target (webhooks.py, hubspot.py, mail.py): `send(parcel,
records)` delivers the parcel or raises DeliveryFailed with what went wrong. Another CRM is one
more module with a class like these, named in `sender_for` (shop/integrations/worker.py)."""

from dataclasses import dataclass
from typing import Any, Protocol


class DeliveryFailed(RuntimeError):
    """The target could not be reached or refused the delivery; the worker retries it later."""


@dataclass(frozen=True)
class Parcel:
    """A delivery as a sender sees it (no database row: senders hold no session)."""

    id: int
    event_id: str
    event: str
    target: str
    recipient: str | None
    payload: dict[str, Any]
    attempt: int  # 1 for the first try


class Records(Protocol):
    """The ids the target gave our records (shop/integrations/deliveries.CrmRecords)."""

    def get(self, key: str) -> str | None: ...

    def remember(self, key: str, remote_id: str) -> None: ...


class Sender(Protocol):
    def send(self, parcel: Parcel, records: Records) -> None: ...
