"""Typo-tolerant word matching, shared by the NLU catalog matcher (addons/) and the product
look-up (inventory.find_product). Pure functions: no rasa, no database.

A word is read as a typo of a known word only when
- both are alphabetic and at least 4 letters long (one letter off a 3-letter word is another
  word: "cap"/"cup", "tee"/"the", "red"/"rod"),
- they start with the same letter (people rarely mistype the first letter, and it halves the
  false matches),
- the typed word is not an ordinary English word (COMMON_WORDS: "howdy" is not "hoody",
  "cost" is not "coat", "best" is not "belt"),
- the edit distance (insert, delete, substitute, swap two neighbours) is at most 1 for words
  of 4-7 letters and 2 from 8 letters on, and
- exactly one known word is that close (a tie between two different words is no match).
"""

from __future__ import annotations

from collections.abc import Iterable

MIN_FUZZY_LENGTH = 4

# Ordinary English words (and text speak) that sit within one edit of a catalog word or are
# said so often that reading them as a typo would do harm. Found by checking the training
# data's words and a list of everyday words against the catalog's; keep it lower case.
COMMON_WORDS = frozenset(
    """
    howdy hood hoods hooded moody hooey hoot
    cost costs coast coal coats coach chat chats cant goat boat boats
    best bests test rest west bell bells melt belts bolt bolts
    tone tore toes note vote told toll
    pole poles pool pools poll polls solo
    lines liner lined link links line
    china chin chins chine
    trial trials train trains trait trails
    rainy ruin ruins raid
    slip slid slum skim swam swig swims slime slimy
    shade shapes shares shaded shaker shakes
    scare scared scary scars
    weekend weekends overcome speaker speakers loader loaders scandals beat beats hiding
    waking pine pins ping punk blur greek pinky grab grabs cups scarpe
    spam spamming walled mallet write cart shift share pick picks picked halt skip
    torque tongue
    sunnier sunny
    short shorter
    sandy scandal
    bomb bombs bombed
    wood word words would work wook cool
    press
    mean means bean beans
    sweat sweats sweet sweets
    card cards care cared
    holds
    cased cash
    covered
    sleep
    plaid plain plan plans
    track tracks trick truck
    down dawn
    body bode
    over oven
    shop shops shot shots shoot
    book books boost boom boon
    packet racket
    back backs
    blank block blocks bleak
    brow brows crown
    greet greets greed
    grew
    while whit
    nave
    pint pinks
    tank
    hello hallo hullo hiya hey hi yo sup heya hola ciao
    thanks thank thx please okay ok sure yeah yes yep nope
    what when where which while whose who why how
    have having has had here there their they them then than that this these those
    with without want wants wanted need needs needed like likes liked
    does done doing dont didnt isnt wasnt arent wont cant
    some same sale sales sold sell sells seller
    size sizes sized fit fits fitting
    stock stocks store stores
    order orders ordered price prices priced
    much many more most less left last
    good great nice fine cool well
    time times today tomorrow week weeks
    help helps talk talks call calls
    ship ships shipped shipping deliver delivery
    return returns refund refunds
    about above also just only even ever very
    from into onto unto upon
    make made makes take takes took give gives gave
    know knew known show shows shown
    come comes came goes gone going
    look looks looked looking find finds found
    color colors colour colours
    """.split()
)


_KEYBOARD_ROWS = ("qwertyuiop", "asdfghjkl", "zxcvbnm")
_KEYS = {ch: (row, col) for row, keys in enumerate(_KEYBOARD_ROWS) for col, ch in enumerate(keys)}


def keys_touch(a: str, b: str) -> bool:
    """Whether two letters are neighbouring keys on a QWERTY keyboard, whose rows are
    staggered: "s" touches "w", "e", "a", "d", "z" and "x"; "o" and "u" do not touch."""
    if a not in _KEYS or b not in _KEYS:
        return False
    (row_a, col_a), (row_b, col_b) = _KEYS[a], _KEYS[b]
    if row_a == row_b:
        return abs(col_a - col_b) == 1
    if row_b == row_a - 1:  # b is on the row above a
        return col_b in (col_a, col_a + 1)
    if row_b == row_a + 1:
        return col_b in (col_a - 1, col_a)
    return False


def edit_distance(a: str, b: str, limit: int = 2, keyboard: bool = False) -> int:
    """Optimal string alignment distance (a swap of two neighbours counts one edit); stops
    early and returns limit + 1 once the distance must exceed `limit`. With `keyboard`, a
    letter replaced by one that is not a neighbouring key costs two: "home" is not a typo
    of "hole" (m and l are far apart), "ordet" is one of "order"."""
    if a == b:
        return 0
    if abs(len(a) - len(b)) > limit:
        return limit + 1
    previous2: list[int] = []
    previous = list(range(len(b) + 1))
    for i, ca in enumerate(a, 1):
        current = [i] + [0] * len(b)
        for j, cb in enumerate(b, 1):
            cost = 0 if ca == cb else 1 if not keyboard or keys_touch(ca, cb) else 2
            current[j] = min(previous[j] + 1, current[j - 1] + 1, previous[j - 1] + cost)
            if i > 1 and j > 1 and ca == b[j - 2] and a[i - 2] == cb:
                current[j] = min(current[j], previous2[j - 2] + 1)
        if min(current) > limit:
            return limit + 1
        previous2, previous = previous, current
    return min(previous[-1], limit + 1)


def allowed_edits(word: str) -> int:
    """How many edits a typo of a word this long may have: 0 under 4 letters, 1, or 2 from 8."""
    if len(word) < MIN_FUZZY_LENGTH:
        return 0
    return 2 if len(word) >= 8 else 1


def may_be_typo(word: str, common_words: Iterable[str] = COMMON_WORDS) -> bool:
    """Whether `word` may be read as a typo at all: alphabetic, long enough, not ordinary English."""
    return len(word) >= MIN_FUZZY_LENGTH and word.isalpha() and word.isascii() and word not in common_words


class TypoCorrector:
    """Maps a typed word to the one known word it is a typo of, e.g. catalog words."""

    def __init__(
        self, known_words: Iterable[str], common_words: Iterable[str] = COMMON_WORDS, keyboard: bool = False
    ) -> None:
        self._keyboard = keyboard
        self._known = {w for w in (k.lower() for k in known_words) if w}
        self._common = frozenset(common_words) - self._known
        by_initial: dict[str, list[str]] = {}
        for word in self._known:
            if len(word) >= MIN_FUZZY_LENGTH and word.isalpha():
                by_initial.setdefault(word[0], []).append(word)
        self._by_initial = by_initial
        self._cache: dict[str, str | None] = {}

    def __contains__(self, word: str) -> bool:
        return word.lower() in self._known

    def correct(self, word: str) -> str | None:
        """The known word itself, the one known word `word` is a typo of, or None."""
        word = word.lower()
        if word in self._known:
            return word
        if word not in self._cache:
            # A bounded cache: a huge message of unique junk words must not grow memory forever.
            if len(self._cache) > 50_000:
                self._cache.clear()
            self._cache[word] = self._closest(word)
        return self._cache[word]

    def _closest(self, word: str) -> str | None:
        if not may_be_typo(word, self._common):
            return None
        limit = allowed_edits(word)
        best: list[str] = []
        best_distance = limit + 1
        for known in self._by_initial.get(word[0], ()):
            # The known word's length bounds the edits too: "elastic" takes one, not two.
            known_limit = min(limit, allowed_edits(known))
            # A 4-letter word is too easily another: only a neighbouring key may replace a
            # letter ("grab" is not "gray", "cups" not "caps"); missing or extra letters still do.
            keyboard = self._keyboard or len(word) <= MIN_FUZZY_LENGTH
            distance = edit_distance(word, known, known_limit, keyboard)
            if distance > known_limit:
                continue
            if distance < best_distance:
                best, best_distance = [known], distance
            elif distance == best_distance and distance <= limit:
                best.append(known)
        if best_distance > limit:
            return None
        # Forms of one word (shoe, shoes; sunglass, sunglasses) are one candidate.
        stems = {w.rstrip("se") for w in best}
        return min(best, key=lambda w: (abs(len(w) - len(word)), w)) if len(stems) == 1 else None
