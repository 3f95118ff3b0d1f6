"""Open-text answers: how they are compared, which words are refused, how
moderation shows or hides them, and the word cloud of the approved ones.

- Folding (for blocked words and the cloud): Unicode NFKC, case-folded,
  whitespace collapsed to single spaces, trimmed.
- Blocked words: the host's list for the question plus BUILT_IN_BLOCKED. An
  answer is refused when a folded blocked word occurs anywhere in the folded
  answer, or in it with spaces and punctuation taken out (so "씨 발" and
  "f.u.c.k" are caught). Substrings, so Korean words are found inside longer
  words and with particles attached ("바보야" holds "바보").
- The word cloud counts whole answers, not tokens: each approved answer folded
  and stripped of punctuation at its ends is one entry ("사과", "사과!" and
  " 사과 " are one; "사과를" is another). Korean particles are not stripped:
  telling a particle from the end of a noun ("가을", "고양이", "포도") needs a
  dictionary, and a wrong cut merges unrelated words. Phones are asked for a
  word or short phrase when the cloud is on.
"""

from __future__ import annotations

import hashlib
import unicodedata
from collections import Counter
from typing import Any, Iterable

PENDING, APPROVED, HIDDEN = "pending", "approved", "hidden"
STATES = (PENDING, APPROVED, HIDDEN)
CLOUD_SIZE = 50
WALL_SIZE = 30
BUILT_IN_BLOCKED = ("씨발", "시발", "ㅅㅂ", "ㅆㅂ", "병신", "ㅂㅅ", "개새끼", "좆", "존나",
                    "fuck", "shit", "bitch", "asshole", "cunt")


def folded(text: str) -> str:
    return " ".join(unicodedata.normalize("NFKC", text).casefold().split())


def _bare(text: str) -> str:
    return "".join(ch for ch in text if ch.isalnum())


def blocked_word(text: str, host_words: Iterable[str]) -> str | None:
    """The first blocked word the answer holds, or None."""
    plain = folded(text)
    bare = _bare(plain)
    for word in (*BUILT_IN_BLOCKED, *host_words):
        if word in plain or (_bare(word) and _bare(word) in bare):
            return word
    return None


def cloud_entry(text: str) -> str:
    plain = folded(text)
    start, end = 0, len(plain)
    while start < end and not plain[start].isalnum():
        start += 1
    while end > start and not plain[end - 1].isalnum():
        end -= 1
    return plain[start:end]


def cloud(texts: Iterable[str], size: int = CLOUD_SIZE) -> list[list[Any]]:
    """[entry, count] of the most frequent entries, most first, then by entry."""
    counted = Counter(e for e in map(cloud_entry, texts) if e)
    return [[e, n] for e, n in sorted(counted.items(), key=lambda kv: (-kv[1], kv[0]))[:size]]


def digest(text: str) -> str:
    return hashlib.sha256(text.encode()).hexdigest()


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
