"""Mobile identity verification (본인확인) through an outside provider.

A consent to a redevelopment proposal binds an owner, so the owner is identified
by a licensed verification provider (PASS- or NICE-style, by redirect and
callback) where the operator has one; otherwise the OTP to the roster phone
(live/sms.py) is the built-in fallback. Providers differ in their wire details,
so they are reached through `IdentityProvider`; `HttpIdentityProvider` speaks
the plain protocol below, which the tests' stand-in speaks too:

1. `start(session_id, return_url)` gives the address to send the owner's
   browser to: `AUTH_URL?client_id=..&state=..&return_url=..`. The state binds
   the session with an HMAC under our state secret and expires (10 minutes).
2. The provider verifies the person and sends the browser back to
   `return_url?code=..&state=..`, or `return_url?error=..&state=..` when the
   person cancelled or failed.
3. Our callback route hands those parameters to `finish`: the state must be
   ours, unexpired and unused; then, server to server, `POST RESULT_URL` with
   `{"code": ..}` as JSON and HTTP Basic `client_id:client_secret`. A 200
   answers `{"reference", "name", "phone", "birth", "ci"?}` (birth as YYYYMMDD
   or YYYY-MM-DD; `ci` the provider's cross-service person key, 연계정보).
   Another 4xx is a refusal (the code is unknown, expired or used).
4. `Verified` keeps the provider's transaction id (`reference`, the proof to
   show later) and only keyed hashes of name, phone (E.164), birth date and CI,
   made by the caller's `hasher(kind, value)` so the caller owns the keys.
   The caller checks `Verified.session_id` against the browser that came back.

Names, numbers and birth dates are never logged, kept or returned in plain.
Errors: `identity_failed` (403) for a bad, expired or reused state or a
refusal; `identity_unavailable` (503) when the provider cannot be reached or
answers nonsense.
"""

from __future__ import annotations

import asyncio
import base64
import hashlib
import hmac
import json
import logging
import secrets
import time
import unicodedata
import urllib.error
import urllib.parse
import urllib.request
from dataclasses import dataclass
from datetime import date
from typing import Any, Callable, Protocol

from live.settings import Settings
from rooms.errors import LiveVoteError

log = logging.getLogger("livevote.identity")
Hasher = Callable[[str, str], str]  # (kind, value) -> keyed hash; kinds: name, phone, birth, ci
STATE_TTL_S = 600
RESULT_TIMEOUT_S = 10.0
MAX_ANSWER = 64 * 1024
STATE_CONTEXT = b"livevote-idv-state\x00"


class _ProviderError(LiveVoteError):
    template = "{}"

    def __init__(self, reason: str) -> None:
        super().__init__(self.template.format(reason))


class IdentityFailed(_ProviderError):
    """A bad, expired or reused state, or the provider refused."""
    code, status = "identity_failed", 403
    template = "identity verification failed: {}; please start again"


class IdentityUnavailable(_ProviderError):
    """The provider cannot be reached, or answers nonsense."""
    code, status = "identity_unavailable", 503
    template = ("the identity verification provider {}; try again later or verify the "
                "phone number with a text message code")


@dataclass(frozen=True)
class Verified:
    session_id: str
    name_hash: str
    phone_hash: str
    birth_hash: str
    reference: str  # the provider's transaction id, kept as proof
    provider: str
    at: int  # ms since the epoch, server clock
    ci_hash: str | None = None


class IdentityProvider(Protocol):
    def start(self, session_id: str, return_url: str) -> str: ...

    async def finish(self, params: dict[str, str]) -> Verified: ...


class Once(Protocol):
    """Remembers used states; across workers, one Redis `SET key NX EX ttl`."""

    async def first(self, key: str, ttl_s: int) -> bool: ...


class MemoryOnce:
    """One process's memory of used states: enough for one worker."""

    def __init__(self, now: Callable[[], float] = time.time) -> None:
        self._now = now
        self._until: dict[str, float] = {}

    async def first(self, key: str, ttl_s: int) -> bool:
        now = self._now()
        self._until = {k: t for k, t in self._until.items() if t > now}
        if key in self._until:
            return False
        self._until[key] = now + ttl_s
        return True


class StateSeal:
    """The `state` value: session, expiry and nonce, with an HMAC over them. It
    is signed, not encrypted: the session id is an id, never a credential."""

    def __init__(self, secret: bytes, now: Callable[[], float], ttl_s: int = STATE_TTL_S) -> None:
        self._secret = secret
        self._now = now
        self.ttl_s = ttl_s

    def issue(self, session_id: str) -> str:
        body = f"{session_id}\n{int(self._now()) + self.ttl_s}\n{secrets.token_urlsafe(12)}"
        payload = _b64(body.encode())
        return f"{payload}.{self._mac(payload)}"

    def open(self, state: str) -> tuple[str, str]:
        """The session id and the nonce of a state we issued that has not expired."""
        payload, _, mac = state.partition(".")
        if not hmac.compare_digest(mac.encode(), self._mac(payload).encode()):
            raise IdentityFailed("the state was not issued here")
        session_id, expires, nonce = base64.urlsafe_b64decode(payload + "==").decode().split("\n")
        if int(expires) < self._now():
            raise IdentityFailed("the verification took too long")
        return session_id, nonce

    def _mac(self, payload: str) -> str:
        return _b64(hmac.new(self._secret, STATE_CONTEXT + payload.encode(),
                             hashlib.sha256).digest())


class HttpIdentityProvider:
    """A provider reached by redirect and callback (see the module docstring)."""

    def __init__(self, auth_url: str, result_url: str, client_id: str, client_secret: str,
                 state_secret: bytes, *, hasher: Hasher, normalise: Callable[[str], str],
                 name: str = "", once: Once | None = None,
                 now: Callable[[], float] = time.time,
                 timeout: float = RESULT_TIMEOUT_S) -> None:
        self.auth_url = auth_url
        self.result_url = result_url
        self.client_id = client_id
        self._client_secret = client_secret
        self._seal = StateSeal(state_secret, now)
        self._hasher = hasher
        self._normalise = normalise  # to E.164: rooms' phone rules, passed in
        self.name = name or urllib.parse.urlsplit(auth_url).hostname or "provider"
        self._once = once or MemoryOnce(now)
        self._now = now
        self.timeout = timeout

    def start(self, session_id: str, return_url: str) -> str:
        if not session_id or "\n" in session_id:
            raise ValueError("a session id is one non-empty line")
        query = urllib.parse.urlencode({"client_id": self.client_id,
                                        "state": self._seal.issue(session_id),
                                        "return_url": return_url})
        return f"{self.auth_url}{'&' if '?' in self.auth_url else '?'}{query}"

    async def finish(self, params: dict[str, str]) -> Verified:
        session_id = await self._claim(params.get("state", ""))
        if params.get("error"):
            raise IdentityFailed("the provider did not verify the person")
        code = params.get("code", "")
        if not code:
            raise IdentityFailed("the provider sent no result code")
        answer = await asyncio.to_thread(self._result, code)
        return self._verified(session_id, answer)

    async def _claim(self, state: str) -> str:
        try:
            session_id, nonce = self._seal.open(state)
        except (ValueError, UnicodeDecodeError):
            raise IdentityFailed("the state was not issued here") from None
        if not await self._once.first(f"idv-state:{nonce}", self._seal.ttl_s):
            raise IdentityFailed("this verification was already used")
        return session_id

    def _result(self, code: str) -> dict[str, Any]:
        credentials = base64.b64encode(f"{self.client_id}:{self._client_secret}".encode()).decode()
        request = urllib.request.Request(
            self.result_url, data=json.dumps({"code": code}).encode(), method="POST",
            headers={"content-type": "application/json", "accept": "application/json",
                     "authorization": f"Basic {credentials}"})
        try:
            with urllib.request.urlopen(request, timeout=self.timeout) as answer:
                body = answer.read(MAX_ANSWER + 1)
        except urllib.error.HTTPError as exc:
            raise _refusal(exc.code) from None
        except OSError as exc:
            log.warning("identity provider unreachable: %s", type(exc).__name__)
            raise IdentityUnavailable("cannot be reached") from None
        try:
            parsed = json.loads(body) if len(body) <= MAX_ANSWER else None
        except ValueError:
            parsed = None
        if not isinstance(parsed, dict):
            raise IdentityUnavailable("answered something unreadable")
        return parsed

    def _verified(self, session_id: str, answer: dict[str, Any]) -> Verified:
        fields = [answer.get(k) for k in ("reference", "name", "phone", "birth")]
        ci = answer.get("ci")
        if not all(isinstance(f, str) and f for f in fields) or \
                not isinstance(ci, (str, type(None))):
            raise IdentityUnavailable("answered without the verified identity")
        reference, name, phone, birth = (str(f) for f in fields)
        try:
            hashes = {"name": self._hasher("name", normal_name(name)),
                      "phone": self._hasher("phone", self._normalise(phone)),
                      "birth": self._hasher("birth", normal_birth(birth))}
        except (ValueError, LiveVoteError):
            raise IdentityFailed("the verified name, phone or birth date is not usable") \
                from None
        return Verified(session_id=session_id, name_hash=hashes["name"],
                        phone_hash=hashes["phone"], birth_hash=hashes["birth"],
                        reference=reference[:200], provider=self.name,
                        at=int(self._now() * 1000),
                        ci_hash=self._hasher("ci", ci.strip()) if ci else None)


def normal_name(name: str) -> str:
    """One spelling of a name for hashing: NFC (a provider may send decomposed
    Hangul), single spaces."""
    spaced = " ".join(unicodedata.normalize("NFC", name).split())
    if not spaced:
        raise ValueError("empty name")
    return spaced


def normal_birth(birth: str) -> str:
    """YYYY-MM-DD from YYYYMMDD or YYYY-MM-DD; ValueError for anything else."""
    digits = birth.strip().replace("-", "")
    if len(digits) != 8 or not digits.isdigit():
        raise ValueError("not a date")
    return date(int(digits[:4]), int(digits[4:6]), int(digits[6:])).isoformat()


def identity_provider(settings: Settings, *, state_secret: bytes, hasher: Hasher,
                      normalise: Callable[[str], str],
                      once: Once | None = None) -> HttpIdentityProvider | None:
    """The operator's provider, or None: the OTP to the roster phone is used."""
    if not settings.idv_auth_url:
        return None
    return HttpIdentityProvider(settings.idv_auth_url, settings.idv_result_url,
                                settings.idv_client_id, settings.idv_client_secret,
                                state_secret, hasher=hasher, normalise=normalise, once=once)


def _refusal(status: int) -> LiveVoteError:
    if status in (401, 403):
        log.warning("identity provider refused our client credentials (HTTP %d)", status)
        return IdentityUnavailable("does not accept this server's client credentials")
    if 400 <= status < 500:
        return IdentityFailed("the provider refused the result code")
    log.warning("identity provider answered HTTP %d", status)
    return IdentityUnavailable("is not answering properly")


def _b64(raw: bytes) -> str:
    return base64.urlsafe_b64encode(raw).decode().rstrip("=")
