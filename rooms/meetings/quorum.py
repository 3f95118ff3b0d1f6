"""Attendance, quorum and majority for one agenda item of a union general
meeting, in integers only. A "member" is one holding (co-owners are one).

    N  members on the record date
    D  direct attendance: in person, statutory proxy, identity-verified online,
       present at some time while the item was open
    Di in person or by proxy, not counting members whose written or advance
       vote still stands (they count only if they withdrew it)
    A  D plus members whose written or advance electronic vote stands

Rules (a union's articles may override the preset):

    attendance quorum      2A > N
    direct minimum         100·D >= pct·N   (pct 10, or 20 for founding meeting,
                                             implementation / disposition plan,
                                             project costs and budget)
    contractor selection   2·Di > N
    general resolution     2·Yes > A        (a tie fails; abstentions attend)
    majority of all        2·Yes > N
    two thirds of all      3·Yes >= 2·N
"""

from __future__ import annotations

import enum
from dataclasses import asdict, dataclass, field, replace
from typing import Any, Iterable

from rooms.errors import BadPayload


class Mode(str, enum.Enum):
    IN_PERSON = "in_person"
    PROXY = "proxy"
    ONLINE = "online"
    WRITTEN = "written"
    EARLY = "early"
    LIVE = "live"
    PAPER = "paper"  # a paper ballot cast in the hall (by the member or a proxy)


class Outcome(str, enum.Enum):
    PASSED = "PASSED"
    FAILED = "FAILED"
    QUORUM_NOT_MET = "QUORUM_NOT_MET"
    TIE = "TIE"  # an election whose last seat is tied between candidates who pass


PASS_RULES = ("attending", "all", "two_thirds_all")


@dataclass(frozen=True)
class Rule:
    name: str
    direct_min_pct: int = 10
    contractor: bool = False
    pass_rule: str = "attending"
    agenda: str = ""                  # the agenda type the rule follows from, if any
    overridden: tuple[str, ...] = ()  # fields the union's articles set differently

    def __post_init__(self) -> None:
        if self.direct_min_pct not in range(0, 101):
            raise ValueError("direct_min_pct must be 0 to 100")
        if self.pass_rule not in PASS_RULES:
            raise ValueError(f"pass_rule must be one of {PASS_RULES}")


PRESETS = {
    "general": Rule("general"),
    "general_20": Rule("general_20", direct_min_pct=20),
    "majority_all": Rule("majority_all", pass_rule="all"),
    "two_thirds_all": Rule("two_thirds_all", pass_rule="two_thirds_all"),
    "contractor": Rule("contractor", contractor=True),
}

# Staff choose the agenda type; the rule follows (DESIGN.md: 20 % direct for the
# founding meeting, the implementation plan, the disposition plan, project costs
# and the budget; a majority of all members for the implementation plan, the
# disposition plan and the articles; two thirds of all for a cost rise of 10 %
# or more and certain article clauses; contractor selection in person). Presets
# from legal commentary: a union's counsel confirms them, and its articles may
# override a field, which is then recorded in the item's manifest.
AGENDA_TYPES = {
    "general": Rule("general"),
    "election": Rule("election"),
    "founding": Rule("founding", direct_min_pct=20),
    "budget": Rule("budget", direct_min_pct=20),
    "project_costs": Rule("project_costs", direct_min_pct=20),
    "implementation_plan": Rule("implementation_plan", direct_min_pct=20, pass_rule="all"),
    "disposition_plan": Rule("disposition_plan", direct_min_pct=20, pass_rule="all"),
    "articles": Rule("articles", pass_rule="all"),
    "articles_special": Rule("articles_special", pass_rule="two_thirds_all"),
    "cost_increase": Rule("cost_increase", direct_min_pct=20, pass_rule="two_thirds_all"),
    "contractor": Rule("contractor", contractor=True),
}
OVERRIDABLE = ("direct_min_pct", "contractor", "pass_rule")


def agenda_rule(agenda: Any, override: Any = None) -> Rule:
    """The rule of an agenda type, with the union's explicit overrides (an object
    of rule fields) recorded by name."""
    if not isinstance(agenda, str) or agenda not in AGENDA_TYPES:
        raise BadPayload("agenda", f"must be one of {', '.join(AGENDA_TYPES)}")
    base = replace(AGENDA_TYPES[agenda], agenda=agenda)
    if override is None:
        return base
    if not isinstance(override, dict) or not override or set(override) - set(OVERRIDABLE):
        raise BadPayload("rule", f"with an agenda type, only an object overriding "
                                 f"{', '.join(OVERRIDABLE)}")
    changed = rule_of({"preset": "general", **asdict(base), **override,
                       "name": base.name, "agenda": agenda, "overridden": ()})
    names = tuple(f for f in OVERRIDABLE if getattr(changed, f) != getattr(base, f))
    return replace(changed, overridden=names)


def rule_of(payload: Any) -> Rule:
    """A preset by name, with any of its fields overridden by the union's articles."""
    if isinstance(payload, str):
        payload = {"preset": payload}
    if not isinstance(payload, dict):
        raise BadPayload("rule", f"must be a preset name ({', '.join(PRESETS)}) or an object")
    base = PRESETS.get(payload.get("preset", "general"))
    if base is None:
        raise BadPayload("rule.preset", f"must be one of {', '.join(PRESETS)}")
    fields = asdict(base) | {k: v for k, v in payload.items() if k != "preset"}
    fields["overridden"] = tuple(fields.get("overridden") or ())
    unknown = set(fields) - set(asdict(base))
    if unknown:
        raise BadPayload("rule", f"unknown fields {sorted(unknown)}")
    if not isinstance(fields["direct_min_pct"], int) or isinstance(fields["direct_min_pct"], bool):
        raise BadPayload("rule.direct_min_pct", "must be an integer percentage")
    if not isinstance(fields["contractor"], bool):
        raise BadPayload("rule.contractor", "must be true or false")
    try:
        return Rule(**fields)
    except ValueError as exc:
        raise BadPayload("rule", str(exc)) from None


@dataclass(frozen=True)
class Member:
    """How one member stands for one item."""

    id: str
    present: bool = False            # directly present while the item was open
    in_person: bool = False          # present in the hall, or by statutory proxy
    ballot_mode: Mode | None = None  # the member's counted ballot, if any
    choices: tuple[int, ...] = ()
    stay: str = ""                   # how present: "in_person", "proxy" or "online"


@dataclass(frozen=True)
class Count:
    n: int
    d: int
    d_in_person: int
    a: int
    votes: tuple[int, ...]
    by_mode: dict[str, int] = field(default_factory=dict)
    d_by_mode: dict[str, int] = field(default_factory=dict)  # D split: in_person, proxy, online


def _absentee(m: Member) -> bool:
    """A written or advance ballot stands for the member."""
    return m.ballot_mode in (Mode.WRITTEN, Mode.EARLY)


def _in_person(m: Member) -> bool:
    """Counts in D_in_person: in the hall or by proxy, with no absentee ballot
    standing (only a ballot cast there, or a withdrawal, makes it count)."""
    return m.present and m.in_person and not _absentee(m)


def counted_as(m: Member, left_before: bool = False) -> str:
    """How the member stands for the item, from the same predicates `count` uses,
    as a stable code the member's page puts into words."""
    if _in_person(m):
        return "present_in_person"
    if m.present and m.in_person and _absentee(m):
        # In the hall (so direct attendance), but the advance or written ballot
        # stands: for contractor selection that is not in-person attendance.
        return f"present_{m.ballot_mode.value if m.ballot_mode else 'early'}_stands"
    if m.present:
        return "present_online"
    if _absentee(m):
        return f"{m.ballot_mode.value if m.ballot_mode else 'early'}_counts_as_attendance"
    return "left_before_item" if left_before else "not_counted"


def count(n: int, members: Iterable[Member], options: int) -> Count:
    votes = [0] * options
    d = di = a = 0
    by_mode: dict[str, int] = {}
    d_by_mode: dict[str, int] = {"in_person": 0, "proxy": 0, "online": 0}
    seen: set[str] = set()
    for m in members:
        if m.id in seen:
            raise ValueError(f"member {m.id} listed twice")
        seen.add(m.id)
        attends = m.present or _absentee(m)
        d += m.present
        if m.present:
            how = m.stay or ("in_person" if m.in_person else "online")
            d_by_mode[how] = d_by_mode.get(how, 0) + 1
        di += _in_person(m)
        a += attends
        if attends and m.ballot_mode is not None:
            for c in m.choices:
                votes[c] += 1
            key = m.ballot_mode.value
            by_mode[key] = by_mode.get(key, 0) + 1
    return Count(n, d, di, a, tuple(votes), by_mode, d_by_mode)


@dataclass(frozen=True)
class Decision:
    outcome: Outcome
    reasons: tuple[str, ...]
    elected: tuple[int, ...] = ()
    tied: tuple[int, ...] = ()


def quorum_failures(c: Count, rule: Rule) -> list[str]:
    failures = []
    if not 2 * c.a > c.n:
        failures.append(f"attendance {c.a} of {c.n} is not a majority (2A > N)")
    if not 100 * c.d >= rule.direct_min_pct * c.n:
        need = -(-rule.direct_min_pct * c.n // 100) - c.d
        failures.append(f"direct attendance {c.d} is below {rule.direct_min_pct}% of {c.n}; "
                        f"needs {need} more")
    if rule.contractor and not 2 * c.d_in_person > c.n:
        need = c.n // 2 + 1 - c.d_in_person
        failures.append(f"in-person attendance {c.d_in_person} is not a majority of {c.n} "
                        f"(contractor selection); needs {need} more")
    return failures


def passes(votes: int, c: Count, rule: Rule) -> bool:
    if rule.pass_rule == "all":
        return 2 * votes > c.n
    if rule.pass_rule == "two_thirds_all":
        return 3 * votes >= 2 * c.n
    return 2 * votes > c.a


def election(votes: tuple[int, ...] | list[int], seats: int,
             qualifies: Any) -> tuple[tuple[int, ...], tuple[int, ...]]:
    """(elected, tied) among candidates: the most votes win the seats, each only
    if `qualifies(votes)` (the rule's threshold). Candidates tied for the last
    seats, when there are more of them than seats left, are all reported as tied
    and none of them elected: a runoff decides."""
    elected: list[int] = []
    for level in sorted({v for v in votes if qualifies(v)}, reverse=True):
        group = [i for i, v in enumerate(votes) if v == level]
        left = seats - len(elected)
        if left <= 0:
            break
        if len(group) > left:
            return tuple(elected), tuple(group)
        elected += group
    return tuple(elected), ()


def decide(c: Count, rule: Rule, seats: int = 0) -> Decision:
    """A yes/no item (seats = 0: option 0 is Yes) or an election of candidates
    for `seats` seats (1 for a single choice)."""
    failures = quorum_failures(c, rule)
    if failures:
        return Decision(Outcome.QUORUM_NOT_MET, tuple(failures))
    if seats == 0:
        ok = passes(c.votes[0], c, rule)
        return Decision(Outcome.PASSED if ok else Outcome.FAILED,
                        (f"yes {c.votes[0]} of A={c.a}, N={c.n} under {rule.pass_rule}",))
    elected, tied = election(c.votes, seats, lambda v: passes(v, c, rule))
    if tied:
        return Decision(Outcome.TIE, (f"tied for the last seat: {list(tied)} with "
                                      f"{c.votes[tied[0]]} votes each; a runoff decides",),
                        elected, tied)
    if not elected:
        top = max(c.votes) if c.votes else 0
        return Decision(Outcome.FAILED, (
            f"no candidate reached the threshold under {rule.pass_rule} (A={c.a}, N={c.n}); "
            f"most votes: {[i for i, v in enumerate(c.votes) if v == top]} with {top}",))
    return Decision(Outcome.PASSED, (f"elected {list(elected)} of {seats} seats under "
                                     f"{rule.pass_rule} (A={c.a}, N={c.n})",), elected)


def needed_direct(c: Count, rule: Rule) -> int:
    """For the live gauge: how many more direct attendees the item needs."""
    need = max(0, -(-rule.direct_min_pct * c.n // 100) - c.d)
    if rule.contractor:
        need = max(need, c.n // 2 + 1 - c.d_in_person)
    return need
