"""An event's class found by a lookup instead of a walk over all Event subclasses.

Rasa 3.6's Event.resolve_by_type lists every subclass of Event (recursively) for each event it
reads back, from the tracker store at every turn and from every action server answer: about 8%
of the Rasa server's busy time under load (issue 12's profile). install() remembers each class
Rasa's own lookup found, by type name; an unknown name still goes to Rasa's lookup (and its
default or its error)."""

from typing import Dict, Optional, Text, Type

from rasa.shared.core.events import Event

_resolve = Event.resolve_by_type
_found: Dict[Text, Type[Event]] = {}


def resolve_by_type(type_name: Text, default: Optional[Type[Event]] = None) -> Optional[Type[Event]]:
    known = _found.get(type_name)
    if known is not None:
        return known
    try:
        resolved = _resolve(type_name)
    except ValueError:  # unknown: Rasa's answer with the default below (the class, or the error)
        resolved = None
    if resolved is not None:
        _found[type_name] = resolved
        return resolved
    return _resolve(type_name, default)


def install() -> None:
    """Idempotent: every addon imports this package."""
    Event.resolve_by_type = staticmethod(resolve_by_type)  # type: ignore[method-assign,assignment]
