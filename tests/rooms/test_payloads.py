"""Parsing untrusted payloads: the shape rules, as plain and property tests."""

from __future__ import annotations

from typing import Any

import pytest
from hypothesis import given
from hypothesis import strategies as st

from rooms.polls import payloads
from rooms.errors import BadPayload
from rooms.polls.model import YESNO_OPTIONS, Kind, Visibility


def test_yesno_ballot_gets_the_fixed_bilingual_options() -> None:
    spec = payloads.ballot_spec({"question": "Approve?", "kind": "yesno", "options": ["x"]})
    assert spec.options == YESNO_OPTIONS and spec.max_choices == 1


def test_multiple_choice_defaults_to_all_options_and_caps_at_their_number() -> None:
    spec = payloads.ballot_spec({"question": "Pick", "kind": "multiple",
                                 "options": ["a", "b", "c"]})
    assert spec.kind is Kind.MULTIPLE and spec.max_choices == 3
    with pytest.raises(BadPayload, match="max_choices: must be between 1 and 3"):
        payloads.ballot_spec({"question": "Pick", "kind": "multiple",
                              "options": ["a", "b", "c"], "max_choices": 4})


@pytest.mark.parametrize("body,message", [
    ({"options": ["a", "b"]}, "question: is required"),
    ({"question": "  ", "options": ["a", "b"]}, "question: must not be empty"),
    ({"question": "Q", "options": ["a"]}, "options: needs 2 to 32 options"),
    ({"question": "Q", "options": ["a", "a "]}, "options: must be distinct"),
    ({"question": "Q", "options": ["a", 3]}, "options[1]: must be a non-empty string"),
    ({"question": "Q", "options": "a,b"}, "options: must be a list of strings"),
    ({"question": "Q", "options": ["a", "b"], "kind": "ranked"}, "kind: must be one of"),
    ({"question": "Q", "options": ["a", "b"], "visibility": "sometimes"},
     "visibility: must be one of"),
    ({"question": "Q", "options": ["a", "b"], "allow_change": "yes"},
     "allow_change: must be true or false"),
    ({"question": "Q", "options": ["a", "b"], "confirm": 1}, "confirm: must be true or false"),
    ({"question": "Q" * 301, "options": ["a", "b"]}, "question: must be at most 300"),
])
def test_bad_ballot_specs_name_the_field(body: dict[str, Any], message: str) -> None:
    with pytest.raises(BadPayload) as caught:
        payloads.ballot_spec(body)
    assert caught.value.message.startswith(message)


def test_a_single_integer_choice_is_accepted_as_a_list() -> None:
    assert payloads.vote_request({"ballot": "b", "choices": 2, "client_key": "k"}).choices == (2,)


@given(st.lists(st.integers(min_value=0, max_value=31), min_size=1, max_size=32, unique=True))
def test_valid_choices_come_back_sorted_and_complete(choices: list[int]) -> None:
    request = payloads.vote_request({"ballot": "b", "choices": choices, "client_key": "k"})
    assert list(request.choices) == sorted(choices)


@given(st.one_of(st.none(), st.text(), st.floats(), st.booleans(),
                 st.lists(st.one_of(st.text(), st.floats(), st.booleans(),
                                    st.integers(max_value=-1)), min_size=1),
                 st.dictionaries(st.text(), st.integers())))
def test_anything_else_as_choices_is_a_bad_payload(choices: Any) -> None:
    with pytest.raises(BadPayload) as caught:
        payloads.vote_request({"ballot": "b", "choices": choices, "client_key": "k"})
    assert caught.value.field == "choices"


def test_visibility_defaults_to_live() -> None:
    spec = payloads.ballot_spec({"question": "Q", "options": ["a", "b"]})
    assert spec.visibility is Visibility.LIVE and spec.allow_change is False


@pytest.mark.parametrize("extra,confirm", [
    ({}, False),
    ({"confirm": True}, True),
    ({"rule": "general"}, True),
    ({"agenda": "budget"}, True),
    ({"agenda": "budget", "confirm": False}, False),
])
def test_agenda_items_ask_phones_to_confirm_and_event_polls_do_not(
        extra: dict[str, Any], confirm: bool) -> None:
    spec = payloads.ballot_spec({"question": "Q", "options": ["a", "b"], **extra})
    assert spec.confirm is confirm
