"""Every legal rule at its boundary, and properties over any meeting."""

from __future__ import annotations

import pytest
from hypothesis import given
from hypothesis import strategies as st

from rooms.errors import BadPayload
from rooms.meetings.quorum import (PRESETS, Count, Member, Mode, Outcome, count, decide, needed_direct,
                          rule_of)

YES, NO, ABSTAIN = (0,), (1,), (2,)


def meeting(n: int, *, hall: int = 0, online: int = 0, proxy: int = 0, written: int = 0,
            early: int = 0, early_then_hall: int = 0, yes: int = 0) -> Count:
    """n members; the first `yes` counted ballots say yes, the rest no."""
    members: list[Member] = []

    def add(**kw: object) -> None:
        choice = YES if len([m for m in members if m.choices == YES]) < yes else NO
        members.append(Member(id=str(len(members)), choices=choice, **kw))  # type: ignore[arg-type]
    for _ in range(hall):
        add(present=True, in_person=True, ballot_mode=Mode.LIVE)
    for _ in range(online):
        add(present=True, ballot_mode=Mode.LIVE)
    for _ in range(proxy):
        add(present=True, in_person=True, ballot_mode=Mode.LIVE)
    for _ in range(written):
        add(ballot_mode=Mode.WRITTEN)
    for _ in range(early):
        add(ballot_mode=Mode.EARLY)
    for _ in range(early_then_hall):
        add(present=True, in_person=True, ballot_mode=Mode.EARLY)
    return count(n, members, 3)


@pytest.mark.parametrize("case,c,preset,outcome", [
    ("exact half attending is no quorum", meeting(100, hall=20, written=30, yes=50),
     "general", Outcome.QUORUM_NOT_MET),
    ("one more than half is a quorum", meeting(100, hall=20, written=31, yes=26),
     "general", Outcome.PASSED),
    ("a tie fails", meeting(100, hall=20, written=40, yes=30), "general", Outcome.FAILED),
    ("abstentions count as attending", meeting(100, hall=60, yes=30), "general", Outcome.FAILED),
    ("direct exactly 10 %", meeting(100, hall=10, written=50, yes=40), "general",
     Outcome.PASSED),
    ("direct one short of 10 %", meeting(100, hall=9, written=60, yes=60), "general",
     Outcome.QUORUM_NOT_MET),
    ("10 % of 101 needs 11", meeting(101, hall=10, written=60, yes=60), "general",
     Outcome.QUORUM_NOT_MET),
    ("direct exactly 20 %", meeting(100, hall=20, written=40, yes=51), "majority_all",
     Outcome.PASSED),
    ("direct one short of 20 %", meeting(100, hall=19, written=60, yes=60), "general_20",
     Outcome.QUORUM_NOT_MET),
    ("majority of all: 50 of 100 is not enough", meeting(100, hall=30, written=60, yes=50),
     "majority_all", Outcome.FAILED),
    ("majority of all: 51 of 100", meeting(100, hall=30, written=60, yes=51),
     "majority_all", Outcome.PASSED),
    ("two thirds: 66 of 99", meeting(99, hall=30, written=60, yes=66), "two_thirds_all",
     Outcome.PASSED),
    ("two thirds: 66 of 100", meeting(100, hall=30, written=60, yes=66), "two_thirds_all",
     Outcome.FAILED),
    ("two thirds: 67 of 100", meeting(100, hall=30, written=60, yes=67), "two_thirds_all",
     Outcome.PASSED),
    ("online members are direct", meeting(100, online=10, written=45, yes=40), "general",
     Outcome.PASSED),
    ("proxies are direct", meeting(100, proxy=10, early=45, yes=40), "general",
     Outcome.PASSED),
    ("contractor: written votes do not count in person", meeting(100, hall=50, written=40,
                                                               yes=80),
     "contractor", Outcome.QUORUM_NOT_MET),
    ("contractor: 51 in the hall", meeting(100, hall=51, written=40, yes=80), "contractor",
     Outcome.PASSED),
    ("contractor: early voter in the hall does not count until withdrawn",
     meeting(100, hall=50, early_then_hall=5, yes=40), "contractor", Outcome.QUORUM_NOT_MET),
])
def test_rule_boundaries(case: str, c: Count, preset: str, outcome: Outcome) -> None:
    assert decide(c, PRESETS[preset]).outcome is outcome, case


def test_early_vote_then_hall_counts_once_as_direct() -> None:
    c = meeting(10, early_then_hall=3, yes=3)
    assert (c.d, c.a, c.d_in_person, c.votes[0]) == (3, 3, 0, 3)


def test_withdrawn_written_vote_no_longer_counts() -> None:
    members = [Member("a", ballot_mode=Mode.WRITTEN, choices=YES), Member("b")]
    assert count(2, members, 3).a == 1
    withdrawn = [Member("a"), Member("b")]
    assert count(2, withdrawn, 3).a == 0


def test_member_who_left_before_the_item_is_not_counted() -> None:
    left = Member("a", present=False, in_person=True)
    stayed = Member("b", present=True, in_person=True, ballot_mode=Mode.LIVE, choices=YES)
    c = count(2, [left, stayed], 3)
    assert (c.d, c.a) == (1, 1)


def test_the_gauge_says_how_many_more_direct_attendees_are_needed() -> None:
    c = meeting(370, hall=0, written=200)
    assert needed_direct(c, PRESETS["general"]) == 37
    assert needed_direct(c, PRESETS["contractor"]) == 186
    reasons = decide(c, PRESETS["general"]).reasons
    assert "needs 37 more" in reasons[0]


def test_election_elects_the_top_k_that_pass() -> None:
    members = [Member(str(i), present=True, ballot_mode=Mode.LIVE,
                      choices=(0, 1) if i < 6 else (2,)) for i in range(10)]
    c = count(12, members, 3)
    decision = decide(c, PRESETS["general"], seats=2)
    assert decision.outcome is Outcome.PASSED and decision.elected == (0, 1)


def test_union_articles_override_a_preset() -> None:
    rule = rule_of({"preset": "general", "direct_min_pct": 25})
    assert rule.direct_min_pct == 25 and rule.pass_rule == "attending"
    for bad in ({"preset": "nope"}, {"direct_min_pct": "ten"}, {"quorum": 3},
                {"pass_rule": "most"}, 7):
        with pytest.raises(BadPayload):
            rule_of(bad)


members = st.lists(st.builds(
    Member, id=st.uuids().map(str), present=st.booleans(), in_person=st.booleans(),
    ballot_mode=st.sampled_from([None, *Mode]),
    choices=st.sampled_from([YES, NO, ABSTAIN])), max_size=60)


@given(members, st.integers(min_value=0, max_value=40))
def test_no_member_is_counted_twice_and_a_is_within_n(roster: list[Member],
                                                      extra: int) -> None:
    n = len(roster) + extra
    c = count(n, roster, 3)
    assert c.d_in_person <= c.d <= c.a <= n
    assert sum(c.votes) <= c.a
    assert sum(c.by_mode.values()) <= c.a
    assert decide(c, PRESETS["general"]).outcome in Outcome


def test_a_member_listed_twice_is_an_error() -> None:
    with pytest.raises(ValueError):
        count(2, [Member("a"), Member("a")], 3)


def test_the_rule_follows_the_agenda_type_and_overrides_are_named() -> None:
    from rooms.errors import BadPayload
    from rooms.meetings.quorum import AGENDA_TYPES, agenda_rule

    twenty = {n for n, r in AGENDA_TYPES.items() if r.direct_min_pct == 20}
    all_members = {n for n, r in AGENDA_TYPES.items() if r.pass_rule == "all"}
    assert twenty == {"founding", "budget", "project_costs", "implementation_plan",
                      "disposition_plan", "cost_increase"}
    assert all_members == {"implementation_plan", "disposition_plan", "articles"}
    assert agenda_rule("articles").direct_min_pct == 10
    assert agenda_rule("contractor").contractor is True
    override = agenda_rule("articles", {"direct_min_pct": 20, "pass_rule": "all"})
    assert (override.direct_min_pct, override.overridden) == (20, ("direct_min_pct",))
    for agenda, rule in (("nope", None), ("articles", {"name": "x"}), ("articles", "general"),
                         ("articles", {"direct_min_pct": 101})):
        with pytest.raises(BadPayload):
            agenda_rule(agenda, rule)


@given(st.lists(st.integers(0, 9), min_size=2, max_size=8), st.integers(1, 4),
       st.integers(0, 9))
def test_the_verifier_elects_as_the_server_does(votes: list[int], seats: int,
                                                threshold: int) -> None:
    from live.verify import elect
    from rooms.meetings.quorum import election

    elected, tied = election(votes, seats, lambda v: v > threshold)
    assert (list(elected), list(tied)) == elect(votes, seats, lambda v: v > threshold)
    assert len(elected) <= seats and not set(elected) & set(tied)
    assert all(votes[i] > threshold for i in (*elected, *tied))
    if tied:
        assert len({votes[i] for i in tied}) == 1 and len(tied) > seats - len(elected)
