"""The rules of rating scales, rankings, open answers and Q&A boards, as plain
and property tests (no I/O)."""

from __future__ import annotations

import itertools
from fractions import Fraction

import pytest
from hypothesis import given
from hypothesis import strategies as st

from rooms.errors import BadPayload, InvalidOption
from rooms.polls import answers, figures, payloads
from rooms.polls.model import Ballot, Kind

RANKED = Ballot("b1", "r1", "Order", ("A", "B", "C", "D"), Kind.RANKING, max_choices=4)


@given(st.permutations(range(6)))
def test_a_ranking_goes_to_cells_and_back(order: list[int]) -> None:
    cells = figures.cells_of(order, 6)
    assert figures.order_of(cells, 6) == order and list(cells) == sorted(cells)


def test_every_whole_ranking_is_taken_and_a_partial_one_refused() -> None:
    for order in itertools.permutations(range(4)):
        figures.check_vote(RANKED, figures.cells_of(list(order), 4))
    for cells in ((0, 5, 10), (0, 4, 8, 12), (0, 5, 10, 16), (0, 5, 10, 11)):
        with pytest.raises(InvalidOption):
            figures.check_vote(RANKED, cells)


@given(st.lists(st.permutations(range(4)), min_size=1, max_size=40))
def test_borda_gives_n_minus_1_to_first_place_and_adds_up(orders: list[list[int]]) -> None:
    counts = [0] * 16
    for order in orders:
        for cell in figures.cells_of(order, 4):
            counts[cell] += 1
    shown = figures.ranking(counts, 4)
    assert all(sum(row) == len(orders) for row in shown["positions"])
    assert sum(shown["borda"]) == len(orders) * (3 + 2 + 1)
    assert shown["borda"] == [sum(3 - order.index(o) for order in orders) for o in range(4)]


@given(st.integers(0, 10_000), st.integers(1, 5_000))
def test_the_average_is_rounded_half_up_to_one_decimal(total: int, n: int) -> None:
    exact = Fraction(total, n)
    assert Fraction(str(figures.tenths_half_up(total, n))) == \
        int(exact * 10 + Fraction(1, 2)) / Fraction(10)


def test_a_rating_keeps_its_exact_sum() -> None:
    assert figures.rating([0, 1, 0, 0, 2], 1) == {"sum": 12, "average": 4.0}
    assert figures.rating([1, 1], 0) == {"sum": 1, "average": 0.5}
    assert figures.rating([0, 0], 0)["average"] is None


def test_a_scale_is_checked_when_the_question_is_made() -> None:
    spec = payloads.ballot_spec({"question": "Q", "kind": "rating",
                                 "scale": {"min": 0, "max": 10, "high": "최고"}})
    assert spec.options == tuple(str(v) for v in range(11)) and spec.form is not None
    assert spec.form["high"] == "최고" and spec.max_choices == 1
    for scale, field in (({"min": 2}, "scale.min"), ({"max": 11}, "scale.max"),
                         ({"max": 1}, "scale.max"), ({"low": "x" * 41}, "scale.low")):
        with pytest.raises(BadPayload) as caught:
            payloads.ballot_spec({"question": "Q", "kind": "rating", "scale": scale})
        assert caught.value.field == field
    with pytest.raises(BadPayload, match="options: needs 2 to 10"):
        payloads.ballot_spec({"question": "Q", "kind": "ranking",
                              "options": [str(i) for i in range(11)]})
    with pytest.raises(BadPayload, match="kind: agenda items"):
        payloads.ballot_spec({"question": "Q", "kind": "rating", "rule": "general"})


@pytest.mark.parametrize("said,host_words,blocked", [
    ("너는 바보야", ["바보"], True),  # a particle attached
    ("씨 발", [], True),  # spaced out
    ("ＦＵＣＫ", [], True),  # full-width, upper case
    ("f.u.c.k it", [], True),
    ("Great talk", ["TALK"], True),  # the host's words, case-folded
    ("바다가 좋아요", ["바보"], False),
    ("class act", [], False),  # no short English word to trip over
])
def test_blocked_words_are_found_as_folded_substrings(said: str, host_words: list[str],
                                                      blocked: bool) -> None:
    folded = [answers.folded(w) for w in host_words]
    assert (answers.blocked_word(said, folded) is not None) is blocked


def test_the_cloud_counts_whole_answers_and_keeps_particles() -> None:
    said = ["사과", "사과!", " 사과 ", "사과를", "Banana", "banana.", "Banana", "가을", "고양이"]
    assert answers.cloud(said) == [["Banana", 3], ["사과", 3], ["가을", 1], ["고양이", 1],
                                   ["사과를", 1]], "shown as written most often"


def test_only_approved_answers_are_shown_newest_first() -> None:
    given_ = [{"id": "a", "text": "one", "state": "approved", "at": 1},
              {"id": "b", "text": "two", "state": "hidden", "at": 2},
              {"id": "c", "text": "one", "state": "approved", "at": 3},
              {"id": "d", "text": "four", "state": "pending", "at": 4}]
    shown = answers.figures(given_, with_cloud=True)
    assert [a["id"] for a in shown["answers"]] == ["c", "a"]
    assert shown["cloud"] == [["one", 2]]
    assert shown["moderation"] == {"pending": 1, "approved": 2, "hidden": 1}


def test_a_board_shows_pinned_then_unanswered_by_upvotes() -> None:
    def q(i: str, up: int, at: int, pinned: bool = False, answered: bool = False,
          state: str = "approved") -> dict[str, object]:
        return {"id": i, "text": i, "name": "", "up": up, "at": at, "pinned": pinned,
                "answered": answered, "state": state}
    board = answers.board([q("old", 5, 1), q("new", 5, 2), q("top", 9, 3, answered=True),
                           q("pin", 0, 4, pinned=True), q("held", 99, 5, state="pending")])
    assert [x["id"] for x in board["questions"]] == ["pin", "old", "new", "top"]
    assert "state" not in board["questions"][0] and "at" not in board["questions"][0]
