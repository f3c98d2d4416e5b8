"""The refund policy as a plain function over rules kept in seed/refund_policy.yml."""
from dataclasses import dataclass
from datetime import datetime, timedelta
from pathlib import Path
from typing import Any, Dict, Iterable, Optional

import yaml

from actions.shop.db import PROJECT_ROOT

POLICY_PATH = PROJECT_ROOT / "seed" / "refund_policy.yml"


@dataclass(frozen=True)
class RefundPolicy:
    window_days: int = 30
    refundable_statuses: tuple = ("delivered",)
    final_sale_refundable: bool = False

    @classmethod
    def from_dict(cls, data: Dict[str, Any]) -> "RefundPolicy":
        return cls(
            window_days=int(data["window_days"]),
            refundable_statuses=tuple(data["refundable_statuses"]),
            final_sale_refundable=bool(data["final_sale_refundable"]),
        )


def load_policy(path: Path = POLICY_PATH) -> RefundPolicy:
    with open(path, encoding="utf-8") as handle:
        return RefundPolicy.from_dict(yaml.safe_load(handle))


@dataclass(frozen=True)
class RefundDecision:
    allowed: bool
    reason: Optional[str] = None  # a key: already_refunded, not_delivered, window_expired, final_sale
    deadline: Optional[datetime] = None


def decide(
    policy: RefundPolicy,
    status: str,
    delivered_at: Optional[datetime],
    final_sale: bool,
    already_refunded: bool,
    now: datetime,
) -> RefundDecision:
    """Whether one order line may be refunded now, and if not, the first rule it breaks."""
    if already_refunded or status == "refunded":
        return RefundDecision(False, "already_refunded")
    if status not in policy.refundable_statuses or delivered_at is None:
        return RefundDecision(False, "not_delivered")
    deadline = delivered_at + timedelta(days=policy.window_days)
    if final_sale and not policy.final_sale_refundable:
        return RefundDecision(False, "final_sale", deadline)
    if now > deadline:
        return RefundDecision(False, "window_expired", deadline)
    return RefundDecision(True, None, deadline)


def first_refusal(decisions: Iterable[RefundDecision]) -> Optional[RefundDecision]:
    """When no line of an order is refundable, the reason to tell the customer."""
    decisions = list(decisions)
    if any(d.allowed for d in decisions) or not decisions:
        return None
    return decisions[0]
