"""What the presenter screens show and may see: the rules of rooms/screen.py."""

from __future__ import annotations

from dataclasses import replace

import pytest
from hypothesis import given
from hypothesis import strategies as st

from rooms.errors import BadPayload
from rooms.polls.model import Ballot, State, Visibility
from rooms.polls.screen import Directive, automatic, request, sees_counts, without_counts


def ballot(id: str, state: State = State.OPEN, visibility: Visibility = Visibility.LIVE,
           opened_at: int = 0, closed_at: int = 0, item: bool = False) -> Ballot:
    return Ballot(id, "room", "Q?", ("A", "B"), visibility=visibility, state=state,
                  opened_at=opened_at, closed_at=closed_at,
                  rule={"name": "general"} if item else {})


@pytest.mark.parametrize("visibility,state,shown", [
    (Visibility.LIVE, State.OPEN, True),
    (Visibility.AFTER_VOTE, State.OPEN, False),
    (Visibility.AFTER_VOTE, State.CLOSED, True),
    (Visibility.AFTER_CLOSE, State.OPEN, False),
    (Visibility.AFTER_CLOSE, State.CLOSED, True),
    (Visibility.NEVER, State.CLOSED, False),
])
def test_the_projector_sees_counts_as_the_visibility_allows(
        visibility: Visibility, state: State, shown: bool) -> None:
    assert sees_counts(ballot("b", state, visibility), None) is shown
    assert sees_counts(ballot("b", state, visibility), Directive("ballot", "b")) is shown


@given(st.sampled_from(list(Visibility)), st.sampled_from(list(State)))
def test_a_reveal_shows_the_counts_of_its_own_ballot_only(visibility: Visibility,
                                                         state: State) -> None:
    revealed = Directive("ballot", "b", reveal=True)
    assert sees_counts(ballot("b", state, visibility), revealed)
    other = ballot("c", state, visibility)
    assert sees_counts(other, revealed) == sees_counts(other, None)


def test_without_counts_keeps_turnout_and_a_missing_quorum() -> None:
    tally = {"ballot": "b", "seq": 3, "counts": [1, 2], "percent": [33.3, 66.7], "voters": 3}
    gauge = {"a": 3, "votes": [1, 2], "provisional": "PASSED"}
    assert without_counts(tally) == {"ballot": "b", "seq": 3, "voters": 3, "hidden": True}
    assert without_counts(gauge) == {"a": 3, "provisional": None, "hidden": True}
    assert without_counts(gauge | {"provisional": "QUORUM_NOT_MET"})["provisional"] \
        == "QUORUM_NOT_MET"


def test_without_a_directive_the_screen_follows_the_floor() -> None:
    early = ballot("early", opened_at=50, item=True)  # open for advance voting only
    first = ballot("first", opened_at=10, item=True)
    poll = ballot("poll", opened_at=20)
    closed = ballot("closed", State.CLOSED, closed_at=30)
    assert automatic([first, poll, early, closed], {"first": 40}).ballot == "first"
    assert automatic([first, poll, early, closed], {}).ballot == "poll"
    assert automatic([early, closed], {}).ballot == "closed"
    assert automatic([early, ballot("draft", State.DRAFT)], {}).view == "welcome"
    assert automatic([replace(first, state=State.CLOSED, closed_at=90), closed],
                     {"first": 40}) == Directive("ballot", "first", auto=True)


def test_a_directive_names_a_ballot_unless_it_welcomes() -> None:
    assert Directive.loads(Directive("quorum", "b", at=5).dumps()) == Directive("quorum", "b",
                                                                                 at=5)
    for bad in (lambda: Directive("welcome", "b"), lambda: Directive("ballot"),
                lambda: Directive("quorum", "b", reveal=True), lambda: Directive("slides", "b")):
        with pytest.raises(ValueError):
            bad()


@pytest.mark.parametrize("body,field", [
    ({}, "view"), ({"view": "slides"}, "view"), ({"view": "ballot", "reveal": "yes"}, "reveal"),
    ({"view": "welcome", "reveal": True}, "reveal"), ("ballot", "payload"),
])
def test_a_bad_screen_request_names_its_field(body: object, field: str) -> None:
    with pytest.raises(BadPayload) as refused:
        request(body)
    assert refused.value.field == field
