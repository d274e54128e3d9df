"""Classify an inbound SMS as an opt-out, opt-in or help request. Pure.

``classify(text)`` returns ``"stop"``, ``"start"``, ``"help"`` or ``None``.

Matching is forgiving where a miss would hurt the visitor and strict where a false hit
would: case, ``ё``/``е``, surrounding spaces, punctuation, quotes and emoji are ignored,
Latin look-alike letters typed into a Cyrillic word (``CTOП``) count as Cyrillic, and
``OPT OUT`` / ``opt-out`` equal ``OPTOUT``. A message that *starts* with an unambiguous
stop word ("Stop texting me", "СТОП, хватит") is a stop too; ``END``, ``QUIT`` and
``CANCEL`` count only on their own ("cancel my order" is not an opt-out), and start/help
words only on their own.
"""
from __future__ import annotations

import unicodedata

STOP = "stop"
START = "start"
HELP = "help"

STOP_WORDS = frozenset({"STOP", "STOPALL", "UNSUBSCRIBE", "END", "QUIT", "CANCEL", "OPTOUT",
                        "REVOKE", "СТОП", "ОТПИСАТЬСЯ", "ОТПИСКА", "ОТПИСАТЬ"})
#: stop words clear enough to act on when they merely open the message
LEADING_STOP_WORDS = frozenset({"STOP", "STOPALL", "UNSUBSCRIBE", "OPTOUT",
                                "СТОП", "ОТПИСАТЬСЯ", "ОТПИСКА"})
START_WORDS = frozenset({"START", "UNSTOP", "СТАРТ"})
HELP_WORDS = frozenset({"HELP", "INFO", "ПОМОЩЬ", "СПРАВКА"})

# Latin letters that look like Cyrillic ones; applied only to words that contain Cyrillic
_LATIN_TO_CYRILLIC = str.maketrans("ABCEHKMOPTXY", "АВСЕНКМОРТХУ")
_CYRILLIC_TO_LATIN = str.maketrans("АВСЕНКМОРТХУ", "ABCEHKMOPTXY")


def _is_cyrillic(ch: str) -> bool:
    return "\u0400" <= ch <= "\u04ff"


def _canonical_word(word: str) -> str:
    word = word.upper().replace("Ё", "Е")
    if any(_is_cyrillic(ch) for ch in word):
        return word.translate(_LATIN_TO_CYRILLIC)
    return word


def _keep(ch: str) -> bool:
    return unicodedata.category(ch)[0] in "LN"


def words(text: str) -> list[str]:
    """Upper-cased words of the message, punctuation, symbols and emoji dropped."""
    text = unicodedata.normalize("NFKC", text or "")
    out, current = [], []
    for ch in text:
        if _keep(ch):
            current.append(ch)
        elif ch in "-'’" and current:  # opt-out, don't: joiners inside a word
            continue
        elif current:
            out.append("".join(current))
            current = []
    if current:
        out.append("".join(current))
    return [_canonical_word(w) for w in out]


def classify(text: str) -> str | None:
    ws = words(text)
    if not ws:
        return None
    whole = "".join(ws)  # "OPT OUT" -> "OPTOUT", "STOP ALL" -> "STOPALL"
    candidates = {whole, _canonical_word(whole)}
    # a Latin keyword typed with Cyrillic look-alikes ("СТОР" in Cyrillic letters)
    candidates.add(whole.translate(_CYRILLIC_TO_LATIN))
    if candidates & STOP_WORDS:
        return STOP
    if ws[0] in LEADING_STOP_WORDS or ws[0].translate(_CYRILLIC_TO_LATIN) in LEADING_STOP_WORDS:
        return STOP
    if candidates & START_WORDS:
        return START
    if candidates & HELP_WORDS:
        return HELP
    return None


def is_stop(text: str) -> bool:
    return classify(text) == STOP
