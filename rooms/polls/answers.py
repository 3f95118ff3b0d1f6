"""Open-text answers: how they are compared, which words are refused, how
moderation shows or hides them, and the word cloud of the approved ones.

- Visible text only (`visible`): control and format characters and the
  invisible fillers (U+3164 and the other Hangul fillers, U+2800) are taken
  out of every answer, question and name before anything else (they broke
  spreadsheet exports and let blank answers through); zero-width joiners stay
  inside emoji. What is left must not be empty.
- Folding (for blocked words and the cloud): Unicode NFKC, case-folded,
  whitespace collapsed to single spaces, trimmed; the built-in words are
  folded the same way (NFKC turns "ㅅ" into its conjoining form, so both
  sides must be folded to meet).
- Blocked words: the host's list for the question plus BUILT_IN_BLOCKED. An
  answer is refused when a folded blocked word occurs anywhere in the folded
  answer, or in it with spaces and punctuation taken out (so "씨 발" and
  "f.u.c.k" are caught). Substrings, so Korean words are found inside longer
  words and with particles attached ("바보야" holds "바보").
- The word cloud counts whole answers, not tokens: each approved answer folded
  and stripped of punctuation at its ends is one entry ("사과", "사과!" and
  " 사과 " are one; "사과를" is another; "🍎" is its own), shown as it was
  written most often (not in its folded form). Korean particles are not stripped:
  telling a particle from the end of a noun ("가을", "고양이", "포도") needs a
  dictionary, and a wrong cut merges unrelated words. Phones are asked for a
  word or short phrase when the cloud is on.
"""

from __future__ import annotations

import hashlib
import hmac
import unicodedata
from collections import Counter
from typing import Any, Iterable

PENDING, APPROVED, HIDDEN = "pending", "approved", "hidden"
STATES = (PENDING, APPROVED, HIDDEN)
CLOUD_SIZE = 50
WALL_SIZE = 30
BUILT_IN_BLOCKED = ("씨발", "시발", "ㅅㅂ", "ㅆㅂ", "병신", "ㅂㅅ", "개새끼", "좆", "존나",
                    "fuck", "shit", "bitch", "asshole", "cunt")


INVISIBLE = {"\u115f", "\u1160", "\u3164", "\uffa0", "\u2800", "\u180e"}
KEPT_FORMAT = {"\u200d"}  # the zero-width joiner inside emoji sequences


def visible(text: str) -> str:
    """`text` without control, format, private-use and filler characters, its
    whitespace collapsed; "" when nothing visible is left."""
    kept = "".join(" " if ch.isspace() else ch for ch in text
                   if ch.isspace() or ch in KEPT_FORMAT or not (
                       unicodedata.category(ch) in ("Cc", "Cf", "Co", "Cs", "Cn")
                       or ch in INVISIBLE))
    words = kept.split()
    return " ".join(words) if any(w.strip("\u200d") for w in words) else ""


def folded(text: str) -> str:
    return " ".join(unicodedata.normalize("NFKC", text).casefold().split())


BUILT_IN_FOLDED = tuple(folded(w) for w in BUILT_IN_BLOCKED)


def _bare(text: str) -> str:
    return "".join(ch for ch in text if ch.isalnum())


def blocked_word(text: str, host_words: Iterable[str]) -> str | None:
    """The first blocked word the answer holds, or None."""
    plain = folded(text)
    bare = _bare(plain)
    for word in (*BUILT_IN_FOLDED, *(folded(w) for w in host_words)):
        if word in plain or (_bare(word) and _bare(word) in bare):
            return word
    return None


def _trimmed(text: str) -> str:
    """Without punctuation and spaces at either end (emoji and symbols stay)."""
    start, end = 0, len(text)
    while start < end and (text[start].isspace() or unicodedata.category(text[start])[0] == "P"):
        start += 1
    while end > start and (text[end - 1].isspace()
                           or unicodedata.category(text[end - 1])[0] == "P"):
        end -= 1
    return text[start:end]


def cloud_entry(text: str) -> str:
    return _trimmed(folded(text))


def cloud(texts: Iterable[str], size: int = CLOUD_SIZE) -> list[list[Any]]:
    """[entry, count] of the most frequent entries, most first, then by entry."""
    counted: Counter[str] = Counter()
    written: dict[str, Counter[str]] = {}
    for text in texts:
        entry = cloud_entry(text)
        if entry:
            counted[entry] += 1
            written.setdefault(entry, Counter())[_trimmed(unicodedata.normalize("NFC", text))] += 1
    return [[_most_written(written[e]), n]
            for e, n in sorted(counted.items(), key=lambda kv: (-kv[1], kv[0]))[:size]]


def _most_written(forms: Counter[str]) -> str:
    """How an entry is shown: as it was written most often (the first in
    code-point order among equals), never its folded form."""
    return min(forms.items(), key=lambda kv: (-kv[1], kv[0]))[0]


def digest(secret: bytes, ballot_id: str, text: str) -> str:
    """The ledger's commitment to an answer's text: keyed with the server's
    secret, so a public bundle does not give away a hidden one-word answer to
    whoever guesses it (an unkeyed SHA-256 did)."""
    return hmac.new(secret, f"livevote-answer\x00{ballot_id}\x00{text}".encode(),
                    hashlib.sha256).hexdigest()


def figures(answers: list[dict[str, Any]], with_cloud: bool) -> dict[str, Any]:
    """What screens and phones see of an open-text question: approved answers
    only (newest first), their cloud, and how many answers are in each state."""
    shown = sorted((a for a in answers if a["state"] == APPROVED), key=lambda a: -a["at"])
    states = Counter(a["state"] for a in answers)
    return {"answers": [{"id": a["id"], "text": a["text"]} for a in shown[:WALL_SIZE]],
            "cloud": cloud(a["text"] for a in shown) if with_cloud else [],
            "moderation": {s: states.get(s, 0) for s in STATES}}


def sealed_digest(answers: list[dict[str, Any]]) -> str:
    """SHA-256 over every answer given (id and text, sorted by id), whatever its
    moderation: hiding an answer later changes what is shown, not what was said."""
    lines = sorted(f"{a['id']}\t{a['text']}" for a in answers)
    return hashlib.sha256("\n".join(lines).encode()).hexdigest()


BOARD_SIZE = 20


def board(questions: list[dict[str, Any]]) -> dict[str, Any]:
    """What screens and phones see of a Q&A board: the approved questions, pinned
    first, then those not yet answered, most upvoted first, oldest first among
    equals (BOARD_SIZE of them); and how many questions are in each state."""
    shown = sorted((q for q in questions if q["state"] == APPROVED),
                   key=lambda q: (not q["pinned"], q["answered"], -q["up"], q["at"], q["id"]))
    states = Counter(q["state"] for q in questions)
    return {"questions": [{k: q[k] for k in ("id", "text", "name", "up", "pinned", "answered")}
                          for q in shown[:BOARD_SIZE]],
            "moderation": {s: states.get(s, 0) for s in STATES}}
