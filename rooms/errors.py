"""Every refusal LiveVote can give, each with a stable code.

Transports turn these into `{"ok": false, "error": {"code", "message"}}` and
HTTP statuses; nothing answers a refusal with `False` and a log line.
"""

from __future__ import annotations


class LiveVoteError(Exception):
    code = "internal"
    status = 500

    def __init__(self, message: str, **details: str | int) -> None:
        super().__init__(message)
        self.message = message
        self.details = details

    def as_dict(self) -> dict[str, str | int]:
        """The wire form. `details` are the numbers and names the English message
        carries (`tries_left`, `distance_m`, ...), so pages can say them in Korean."""
        return {**self.details, "code": self.code, "message": self.message}


class StoreUnavailable(LiveVoteError):
    """Redis did not answer (restarting, or overloaded): nothing was applied unless
    it answered, and the same request may be sent again."""
    code = "store_unavailable"
    status = 503

    def __init__(self) -> None:
        super().__init__("the server's store is not answering for a moment; please retry")


class Busy(LiveVoteError):
    """This worker is behind (more votes than it can take): nothing was applied;
    the same vote, sent again after about `retry_ms`, is welcome."""
    code = "busy"
    status = 503

    def __init__(self, retry_ms: int) -> None:
        super().__init__(f"many votes are arriving at once; send it again in {retry_ms} ms",
                         retry_ms=retry_ms)


class BadPayload(LiveVoteError):
    code = "bad_payload"
    status = 400

    def __init__(self, field: str, reason: str) -> None:
        super().__init__(f"{field}: {reason}", field=field)
        self.field = field


class RoomNotFound(LiveVoteError):
    code = "room_not_found"
    status = 404

    def __init__(self, ref: str) -> None:
        super().__init__(f"no room {ref!r}; check the 6-digit code")


class BallotNotFound(LiveVoteError):
    code = "ballot_not_found"
    status = 404

    def __init__(self, ballot_id: str) -> None:
        super().__init__(f"no ballot {ballot_id!r} in this room")


class BallotNotOpen(LiveVoteError):
    code = "ballot_not_open"
    status = 409

    def __init__(self, ballot_id: str) -> None:
        super().__init__(f"ballot {ballot_id!r} is not open for voting yet")


class BallotClosed(LiveVoteError):
    code = "ballot_closed"
    status = 409

    def __init__(self, ballot_id: str) -> None:
        super().__init__(f"ballot {ballot_id!r} is closed; no more votes are counted")


class BallotState(LiveVoteError):
    code = "ballot_state"
    status = 409

    def __init__(self, ballot_id: str, action: str, state: str) -> None:
        super().__init__(f"cannot {action} ballot {ballot_id!r} while it is {state}")


class AlreadyVoted(LiveVoteError):
    code = "already_voted"
    status = 409

    def __init__(self, ballot_id: str) -> None:
        super().__init__(
            f"this device already voted on ballot {ballot_id!r} and changes are not allowed"
        )


class InvalidOption(LiveVoteError):
    code = "invalid_option"
    status = 422

    def __init__(self, ballot_id: str, detail: str) -> None:
        super().__init__(f"ballot {ballot_id!r}: {detail}")


class AnswerNotFound(LiveVoteError):
    code = "answer_not_found"
    status = 404

    def __init__(self, ballot_id: str) -> None:
        super().__init__(f"no such answer (or approved question) on {ballot_id!r}")


class AnswerBlocked(LiveVoteError):
    code = "answer_blocked"
    status = 422

    def __init__(self) -> None:
        super().__init__("this answer contains a word that is not allowed here; please "
                         "write it another way")


class NotHost(LiveVoteError):
    code = "not_host"
    status = 403

    def __init__(self) -> None:
        super().__init__("this action needs the room's host key")


class NotJoined(LiveVoteError):
    code = "not_joined"
    status = 401

    def __init__(self) -> None:
        super().__init__("join the room first (room:join with its code)")


class ResultNotReady(LiveVoteError):
    code = "result_not_ready"
    status = 409

    def __init__(self, ballot_id: str) -> None:
        super().__init__(f"ballot {ballot_id!r} has no final result until it is closed")


class NotFound(LiveVoteError):
    code = "not_found"
    status = 404


class MethodNotAllowed(LiveVoteError):
    code = "method_not_allowed"
    status = 405


class BadRequest(LiveVoteError):
    """A request Starlette itself refused before any route saw it."""
    code = "bad_request"
    status = 400


class RateLimited(LiveVoteError):
    code = "rate_limited"
    status = 429

    def __init__(self, message: str, wait_s: int | None = None) -> None:
        super().__init__(message, **({} if wait_s is None else {"wait_s": wait_s}))


class OperatorRequired(LiveVoteError):
    code = "operator_required"
    status = 401

    def __init__(self) -> None:
        super().__init__("this server creates rooms only with its operator token; ask the "
                         "operator / 이 서버에서 방을 만들려면 운영자 토큰이 필요합니다")


class CodesExhausted(LiveVoteError):
    code = "codes_exhausted"
    status = 503

    def __init__(self) -> None:
        super().__init__("every 6-digit join code is in use; try again later (codes of idle "
                         "rooms are freed) / 모든 참여 코드가 사용 중입니다. 잠시 뒤에 다시 시도해 주세요")


class PhoneInvalid(LiveVoteError):
    code = "phone_invalid"
    status = 400

    def __init__(self) -> None:
        super().__init__("this is not a mobile phone number; write it as on the phone, "
                         "e.g. 010-1234-5678 or +82 10 1234 5678")


class UnknownEvent(LiveVoteError):
    code = "unknown_event"
    status = 404

    def __init__(self, event: str) -> None:
        super().__init__(f"no such event {event!r}")


def refusal(code: str, ballot_id: str, detail: str = "") -> LiveVoteError:
    """Turn a refusal code reported by a Lua script into its named error."""
    if code == "ballot_not_found":
        return BallotNotFound(ballot_id)
    if code == "ballot_not_open":
        return BallotNotOpen(ballot_id)
    if code == "ballot_closed":
        return BallotClosed(ballot_id)
    if code == "already_voted":
        return AlreadyVoted(ballot_id)
    if code == "invalid_option":
        return InvalidOption(ballot_id, detail or "no such option")
    if code == "too_many_choices":
        return InvalidOption(ballot_id, detail or "too many choices")
    if code == "answer_not_found":
        return AnswerNotFound(ballot_id)
    if code == "too_many_questions":
        return GateError("too_many_questions", "this phone has asked as many questions as a "
                                               "board takes from one phone", max=5)
    if code == "own_question":
        return GateError("own_question", "a question is upvoted by the others, not by "
                                         "whoever asked it")
    if code == "tracker_taken":
        return BadPayload("nonce", "this receipt is already another ballot's; let the phone "
                                   "choose a new random nonce")
    if code == "outranked":
        return MeetingError("outranked", "this member's ballot already counts first (in person "
                                         "> online > advance e-vote > written resolution); "
                                         "this one does not replace it", 409)
    if code == "principal_voted":
        return MeetingError("principal_voted", "the member has a ballot of their own; a "
                                               "proxy's ballot does not replace it", 409)
    if code == "receipt_needed":
        return GateError("receipt_needed", "this secret ballot can only be replaced or withdrawn "
                                           "with the receipt of the ballot it replaces")
    if code == "nothing_to_withdraw":
        return GateError("nothing_to_withdraw", "there is no written or advance ballot to "
                                                "withdraw on this item")
    if code.startswith("state:"):
        _, action, state = code.split(":", 2)
        return BallotState(ballot_id, action, state)
    return LiveVoteError(f"unexpected refusal {code!r}")


class OutsideFence(LiveVoteError):
    code = "outside_fence"
    status = 403

    def __init__(self, distance_m: float, radius_m: float) -> None:
        super().__init__(
            f"you are about {distance_m:,.0f} m from the venue; voting is open within "
            f"{radius_m:,.0f} m. Come to the venue and try again",
            distance_m=round(distance_m), radius_m=round(radius_m))
        self.distance_m = distance_m


class LocationImprecise(LiveVoteError):
    code = "location_imprecise"
    status = 403

    def __init__(self, distance_m: float, accuracy_m: float, radius_m: float) -> None:
        super().__init__(
            f"your location is only accurate to {accuracy_m:,.0f} m (about {distance_m:,.0f} m "
            f"from the venue, fence {radius_m:,.0f} m): turn on precise location or move "
            f"near a window, then try again",
            distance_m=round(distance_m), accuracy_m=round(accuracy_m), radius_m=round(radius_m))


class GateError(LiveVoteError):
    """A gate refused the phone; `code` names which check failed."""

    status = 403

    def __init__(self, code: str, message: str, **details: str | int) -> None:
        super().__init__(message, **details)
        self.code = code


class PassRequired(LiveVoteError):
    code = "pass_required"
    status = 401

    def __init__(self, needs: list[str]) -> None:
        super().__init__("pass the room's checks first: " + ", ".join(needs) if needs
                         else "send the admission pass you got when joining")


class MeetingError(LiveVoteError):
    """A meeting rule refused the request; `code` names which."""

    status = 409

    def __init__(self, code: str, message: str, status: int = 409,
                 **details: str | int) -> None:
        super().__init__(message, **details)
        self.code = code
        self.status = status


class VideoOff(LiveVoteError):
    code = "video_off"
    status = 409

    def __init__(self) -> None:
        super().__init__("video is off in this room (the host turns it on); voting works "
                         "without it")


class VideoNotLive(LiveVoteError):
    code = "video_not_live"
    status = 409

    def __init__(self) -> None:
        super().__init__("nobody is broadcasting in this room yet; the page starts the video "
                         "when the speaker does")


class NotSpeaker(LiveVoteError):
    code = "not_speaker"
    status = 403

    def __init__(self) -> None:
        super().__init__("only the host, or the speaker the host chose, may broadcast here")


class BadSdp(LiveVoteError):
    code = "bad_sdp"
    status = 400

    def __init__(self, reason: str) -> None:
        super().__init__(f"sdp: {reason}")


class VideoPeerNotFound(LiveVoteError):
    code = "video_peer_not_found"
    status = 404

    def __init__(self, peer: str) -> None:
        super().__init__(f"no video connection {peer!r} of yours in this room")


class VideoUnavailable(LiveVoteError):
    code = "video_unavailable"
    status = 503

    def __init__(self) -> None:
        super().__init__("video is not available on this server right now; voting works "
                         "without it")


class VideoForbidden(LiveVoteError):
    code = "video_forbidden"
    status = 403

    def __init__(self) -> None:
        super().__init__("only a member of this meeting who signed in on the member page, or "
                         "its staff, may watch its video")
