"""The keywords carriers reserve on text messaging (CTIA; Twilio's Advanced Opt-Out): the exact
word alone, in any case, maybe with punctuation, opts out, opts back in or asks for help."""

import re
from dataclasses import dataclass

OPT_OUT, OPT_IN, HELP = "opt_out", "opt_in", "help"
TEXT_CHANNELS = ("twilio", "whatsapp")  # SMS and WhatsApp, both through Twilio

# On SMS and WhatsApp every carrier keyword is reserved ("cancel" there stops the messages);
# elsewhere "cancel" keeps ending a form. YES resubscribes only an opted-out contact: else it answers a question.
_TEXT_KEYWORDS = {
    **dict.fromkeys(("STOP", "STOPALL", "UNSUBSCRIBE", "CANCEL", "END", "QUIT"), OPT_OUT),
    **dict.fromkeys(("START", "UNSTOP", "YES"), OPT_IN),
    "HELP": HELP,
}
_OTHER_KEYWORDS = {"STOP": OPT_OUT, "UNSUBSCRIBE": OPT_OUT, "START": OPT_IN}
_ONLY_WHEN_OPTED_OUT = ("YES",)
_AROUND = re.compile(r"^[\s\W_]+|[\s\W_]+$")


@dataclass(frozen=True)
class Keyword:
    word: str  # as carriers spell it: "STOP"
    kind: str  # OPT_OUT, OPT_IN or HELP


def keywords_of(channel: str | None) -> dict[str, str]:
    return _TEXT_KEYWORDS if channel in TEXT_CHANNELS else _OTHER_KEYWORDS


def carrier_keyword(text: object, channel: str | None, opted_out: bool = False) -> Keyword | None:
    """The keyword `text` is on `channel` for a contact (opted out there or not), or None when it
    is anything else ("stop texting me")."""
    if not isinstance(text, str) or len(text) > 40:
        return None
    word = _AROUND.sub("", text).upper()
    kind = keywords_of(channel).get(word)
    if word in _ONLY_WHEN_OPTED_OUT and not opted_out:
        return None
    return Keyword(word, kind) if kind else None
