"""Turn what a customer typed into clean values, or say precisely why it is not one: one module
per kind (numbers, ids and emails, sizes, dates, typo-tolerant words), each returning Parsed."""

from dataclasses import dataclass
from typing import Any


@dataclass(frozen=True)
class Parsed:
    """A parsed value, or the reason there is none (a key the actions turn into words)."""

    value: Any = None
    error: str | None = None

    @property
    def ok(self) -> bool:
        return self.error is None
