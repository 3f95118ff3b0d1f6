"""Redis key names. All keys of one ballot share the hash tag `{b:ID}` and all
keys of one room `{r:ID}`, so each script touches a single Cluster slot."""

from __future__ import annotations

DEADLINES = "live:deadlines"


def code(join_code: str) -> str:
    return f"live:code:{join_code}"


def room(room_id: str) -> str:
    return f"room:{{r:{room_id}}}:meta"


def room_ballots(room_id: str) -> str:
    return f"room:{{r:{room_id}}}:ballots"


def room_phones(room_id: str) -> str:
    return f"room:{{r:{room_id}}}:phones"


def room_screen(room_id: str) -> str:
    """What the host told the room's presenter screens to show."""
    return f"room:{{r:{room_id}}}:screen"


def ballot(ballot_id: str) -> str:
    return f"vote:{{b:{ballot_id}}}:meta"


def counts(ballot_id: str) -> str:
    return f"vote:{{b:{ballot_id}}}:counts"


def voters(ballot_id: str) -> str:
    return f"vote:{{b:{ballot_id}}}:voters"


def resets(ballot_id: str) -> str:
    return f"vote:{{b:{ballot_id}}}:resets"


def result(ballot_id: str) -> str:
    return f"vote:{{b:{ballot_id}}}:result"


def log(ballot_id: str) -> str:
    return f"vote:{{b:{ballot_id}}}:log"


def secret_box(ballot_id: str) -> str:
    return f"vote:{{b:{ballot_id}}}:secret"


def secret_links(ballot_id: str) -> str:
    return f"vote:{{b:{ballot_id}}}:links"


def chain(ballot_id: str) -> str:
    return f"vote:{{b:{ballot_id}}}:chain"


def manifest(ballot_id: str) -> str:
    return f"vote:{{b:{ballot_id}}}:manifest"


def bundle(ballot_id: str) -> str:
    return f"vote:{{b:{ballot_id}}}:bundle"


def answers(ballot_id: str) -> str:
    """Open-text answers: answer id -> {text, state, at}."""
    return f"vote:{{b:{ballot_id}}}:answers"


def ballot_keys(ballot_id: str) -> list[str]:
    return [ballot(ballot_id), counts(ballot_id), voters(ballot_id), resets(ballot_id),
            result(ballot_id), log(ballot_id), chain(ballot_id), manifest(ballot_id),
            bundle(ballot_id), secret_box(ballot_id), secret_links(ballot_id),
            answers(ballot_id)]


def gate_counter(room_id: str, kind: str, who: str) -> str:
    """Attempt counters (wrong PINs, OTP sends) per room, kind and who."""
    return f"gate:{{r:{room_id}}}:{kind}:{who}"


def buckets(kind: str) -> str:
    """Attempt buckets not tied to a room (room creation, wrong join codes), by who."""
    return f"live:bucket:{kind}"


def gate_buckets(room_id: str, kind: str) -> str:
    """Attempt buckets of one kind (pin, pin-addr, staff, ...) in a room, by who."""
    return f"gate:{{r:{room_id}}}:bucket:{kind}"


def otp(room_id: str, phone_hash: str) -> str:
    return f"gate:{{r:{room_id}}}:otp:{phone_hash}"


def otp_used(room_id: str, phone_hash: str) -> str:
    return f"gate:{{r:{room_id}}}:otp-used:{phone_hash}"


def outbox(room_id: str) -> str:
    return f"room:{{r:{room_id}}}:outbox"


def people(room_id: str) -> str:
    return f"mtg:{{r:{room_id}}}:people"


def representatives(room_id: str) -> str:
    """member -> member_no of the person who votes for it (co-owners)."""
    return f"mtg:{{r:{room_id}}}:reps"


def meeting(room_id: str) -> str:
    return f"mtg:{{r:{room_id}}}:meta"


def attendance(room_id: str) -> str:
    return f"mtg:{{r:{room_id}}}:attend"


def proxies(room_id: str) -> str:
    return f"mtg:{{r:{room_id}}}:proxies"


def meeting_log(room_id: str) -> str:
    return f"mtg:{{r:{room_id}}}:log"


def speak_requests(room_id: str) -> str:
    """request id -> a member's request to speak, with its state and times."""
    return f"mtg:{{r:{room_id}}}:speak"


def speak_queue(room_id: str) -> str:
    """Ids of the requests waiting, in the order they were made."""
    return f"mtg:{{r:{room_id}}}:speakq"


def video_sessions(room_id: str) -> str:
    """member number -> when they watched the meeting's video (the access log)."""
    return f"mtg:{{r:{room_id}}}:video"


def short_code(code: str) -> str:
    """A personal short link's code (`/m/CODE`) -> "room:member_no"."""
    return f"live:mcode:{code}"


def deliveries(room_id: str) -> str:
    """member_no -> the last invitation or reminder sent to that person."""
    return f"mtg:{{r:{room_id}}}:sent"


def signed_in(room_id: str) -> str:
    """member_no -> when that person first verified their phone."""
    return f"mtg:{{r:{room_id}}}:signed"


def drive(room_id: str) -> str:
    """A consent drive's settings: state, threshold, form, deadline, manifest."""
    return f"drv:{{r:{room_id}}}:meta"


def drive_owners(room_id: str) -> str:
    """owner id -> the owner (rows, parcels, area, buildings, masked name)."""
    return f"drv:{{r:{room_id}}}:owners"


def drive_rows(room_id: str) -> str:
    """owner_no -> the row's owner and keyed hashes (name, phone, birth), sealed phone."""
    return f"drv:{{r:{room_id}}}:rows"


def drive_acts(room_id: str) -> str:
    """owner id -> the owner's last signed act (consent or withdrawal)."""
    return f"drv:{{r:{room_id}}}:acts"


def drive_history(room_id: str) -> str:
    """Every signed act of the drive, in the order stored (JSON, as in drive_acts)."""
    return f"drv:{{r:{room_id}}}:history"


def drive_choices(room_id: str) -> str:
    """owner id -> "consent" or "withdraw": the owner's last act, for counting."""
    return f"drv:{{r:{room_id}}}:choices"


def drive_sent(room_id: str) -> str:
    """owner_no -> the last link texted to that row's person."""
    return f"drv:{{r:{room_id}}}:sent"


def used_once(key: str) -> str:
    """A single-use value (an identity provider's state) already spent."""
    return f"live:once:{key}"


def room_chain(room_id: str) -> str:
    return f"mtg:{{r:{room_id}}}:chain"


def ledger(ledger_id: str, room: bool = False) -> tuple[str, str]:
    """(event log, hash chain) of a ballot, or of a room."""
    if room:
        return meeting_log(ledger_id), room_chain(ledger_id)
    return log(ledger_id), chain(ledger_id)
