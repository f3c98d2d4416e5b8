"""The clarifying question for a message the bot was not sure of: "Did you want to know how you
can pay?" with a button for each likely meaning, said by the misunderstanding action and by a
form whose question got an FAQ instead of an answer."""

from collections.abc import Collection, Iterable
from typing import Any

from rasa_sdk.executor import CollectingDispatcher

from shop.buttons import button

# Messages the bot could not take: nothing understood, or taken as off-topic nonsense.
NOT_UNDERSTOOD_INTENTS = ("nlu_fallback", "out_of_scope")
# A candidate intent below this is no better than a guess, not worth a button.
CLARIFY_FLOOR = 0.15
CLARIFY_OPTION = "utter_clarify_option_{}"
FAQ = "faq"


def clarifying_candidates(
    ranking: Iterable[dict[str, Any]], offered: Iterable[str], floor: float = CLARIFY_FLOOR, limit: int = 2
) -> list[str]:
    """The intents worth asking about, best first: among the classifier's ranking, those the
    bot can act on (`offered`) at `floor` confidence or more; nlu_fallback is no candidate."""
    offered = set(offered)
    names: list[str] = []
    for candidate in ranking or []:
        name = candidate.get("name")
        if (
            name in offered
            and name not in names
            and name not in NOT_UNDERSTOOD_INTENTS
            and (candidate.get("confidence") or 0) >= floor
        ):
            names.append(name)
    return names[:limit]


def _option_phrase(domain: dict[str, Any], option: str) -> str | None:
    variations = (domain.get("responses") or {}).get(CLARIFY_OPTION.format(option)) or []
    return variations[0].get("text") if variations else None


def faq_topic(message: dict[str, Any]) -> str | None:
    """The FAQ topic the answer selector chose for the message ("shipping"), even when the
    classifier was too unsure of "faq" to answer it."""
    selectors = message.get("response_selector") or {}
    chosen = (selectors.get(FAQ) or selectors.get("default") or {}).get("response") or {}
    key = chosen.get("intent_response_key") or ""
    return key.split("/", 1)[1] if key.startswith(f"{FAQ}/") else None


def _choice_button(title: str, intent: str, topic: str | None) -> dict[str, str]:
    """A clarifying question's button: an FAQ's sends its topic (Rasa runs no NLU on a payload)."""
    # A literal intent: the channels' payload guard (addons/payload_guard.py) reads it from here.
    return button(title, "faq_topic_chosen", faq_topic=topic) if intent == FAQ and topic else button(title, intent)


def ask_what_they_meant(
    dispatcher: CollectingDispatcher,
    message: dict[str, Any],
    domain: dict[str, Any],
    among: Collection[str] | None = None,
) -> bool:
    """Asks which of the message's likely intents (those in `among`, or any the bot can offer)
    the customer meant; False when none is likely enough to ask about."""
    phrases = {
        intent: _option_phrase(domain, intent) for intent in domain.get("intents", []) if isinstance(intent, str)
    }
    topic = faq_topic(message)
    if topic:
        phrases[FAQ] = _option_phrase(domain, f"{FAQ}_{topic}")
    offered = [intent for intent, phrase in phrases.items() if phrase and (among is None or intent in among)]
    candidates = clarifying_candidates(message.get("intent_ranking") or [], offered)
    if len(candidates) == 2:
        first, second = (phrases[c] for c in candidates)
        dispatcher.utter_message(
            response="utter_clarify_two",
            first=first,
            second=second,
            buttons=[_choice_button(phrases[c][:1].upper() + phrases[c][1:], c, topic) for c in candidates],
        )
    elif len(candidates) == 1:
        dispatcher.utter_message(
            response="utter_clarify_one",
            first=phrases[candidates[0]],
            buttons=[_choice_button("Yes", candidates[0], topic), button("No, something else", "deny")],
        )
    return bool(candidates)
