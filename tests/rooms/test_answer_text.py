"""What an open answer, a question or a name may hold, the built-in blocked
words, the cloud's entries as shown, and the ledger's keyed commitment."""

from __future__ import annotations

import pytest

from rooms.errors import BadPayload
from rooms.polls.answers import blocked_word, cloud, digest, visible
from rooms.polls.opentext import written


@pytest.mark.parametrize("raw, shown", [
    ("a\x01b\x1b[31m", "ab[31m"),  # control characters go (they broke spreadsheets)
    ("  사과\u200b  맛있어  ", "사과 맛있어"),  # a zero-width space goes, spaces collapse
    ("\u3164\u3164 hi", "hi"),  # Hangul filler
    ("👨\u200d👩\u200d👧", "👨\u200d👩\u200d👧"),  # the joiner inside an emoji stays
    ("\u200b\u200b", ""), ("\u3164", ""), ("\u2800 \u115f", ""), ("\u200d", ""),
    ("\ue000x", "x"),  # private use
])
def test_only_visible_text_is_kept(raw: str, shown: str) -> None:
    assert visible(raw) == shown


def test_an_answer_with_nothing_visible_is_refused_and_a_name_is_cleaned() -> None:
    with pytest.raises(BadPayload) as refused:
        written({"ballot": "b", "text": "\u200b \u3164", "client_key": "k"})
    assert refused.value.details["field"] == "text"
    asked = written({"ballot": "b", "text": "왜요?", "client_key": "k", "name": "\x07Kim"})
    assert (asked.text, asked.name) == ("왜요?", "Kim")


@pytest.mark.parametrize("text", ["ㅅㅂ", "ㅆㅂ 진짜", "아 ㅂㅅ", "씨 발", "f.u.c.k", "FUCK"])
def test_the_built_in_words_are_caught_however_they_are_typed(text: str) -> None:
    assert blocked_word(text, ()) is not None


def test_the_cloud_shows_an_entry_as_written_most_often() -> None:
    shown = dict((e, n) for e, n in cloud(["ㅋㅋㅋ", "ㅋㅋㅋ!", "Banana", "banana.", "Banana",
                                           "🍎", "사과🍎", "=1+1"]))
    assert shown == {"ㅋㅋㅋ": 2, "Banana": 3, "🍎": 1, "사과🍎": 1, "=1+1": 1}


def test_the_ledger_commits_to_an_answer_with_a_keyed_digest() -> None:
    one, other = digest(b"s1", "b", "hello"), digest(b"s2", "b", "hello")
    assert one != other and one == digest(b"s1", "b", "hello")
    assert one != "2cf24dba5fb0a30e26e83b2ac5b9e29e1b161e5c1fa7425e73043362938b9824"
    assert digest(b"s1", "b2", "hello") != one
