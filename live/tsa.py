"""RFC 3161 time stamps for signed consents.

The server's own Ed25519 countersignature says what the server saw; a token
from an outside time-stamping authority (TSA) says, without trusting the
server's clock, that the digest existed at `gen_time`. The operator names the
TSA (`LIVE_TSA_URL`); with none set, consents carry no token.

`HttpTimeStamper` sends a TimeStampReq over HTTP (RFC 3161 section 3.4) with a
fresh random nonce and certReq, and accepts the answer only if it is granted,
for this digest and this nonce. `verify_token` re-checks a kept token later:
the imprint always, and given the TSA's CA certificate the CMS signature, the
signer's certificate chain up to that CA and its timeStamping purpose (no
revocation check: that is the permit office's verifier's job). ASN.1 is read
and written with asn1crypto, signatures checked with cryptography.
"""

from __future__ import annotations

import asyncio
import hashlib
import logging
import secrets
import urllib.request
from dataclasses import dataclass
from datetime import datetime, timezone
from typing import Callable, Protocol

from asn1crypto import algos, cms, tsp, x509 as asn1_x509
from cryptography import x509
from cryptography.exceptions import InvalidSignature
from cryptography.hazmat.primitives import hashes
from cryptography.hazmat.primitives.asymmetric import ec, padding, rsa
from cryptography.x509.oid import ExtendedKeyUsageOID

from live.settings import Settings
from rooms.errors import LiveVoteError

log = logging.getLogger("livevote.tsa")
TSA_TIMEOUT_S = 10.0
MAX_REPLY = 256 * 1024  # a token with its certificate chain is a few KB
GRANTED = ("granted", "granted_with_mods")
MAX_CHAIN = 5


class TimestampUnavailable(LiveVoteError):
    """The TSA could not be reached, refused, or answered with something that is
    not a token for what we asked; nothing was stamped."""
    code = "timestamp_unavailable"
    status = 503

    def __init__(self, reason: str) -> None:
        super().__init__(f"the time-stamping authority gave no usable time stamp ({reason}); "
                         "try again later")


class TimestampInvalid(LiveVoteError):
    """A kept token does not prove what it is said to prove."""
    code = "timestamp_invalid"
    status = 422

    def __init__(self, reason: str) -> None:
        super().__init__(f"the time stamp token does not check out: {reason}")


class _TimeStampResp(tsp.TimeStampResp):  # type: ignore[misc]
    """asn1crypto 1.5 makes timeStampToken required; RFC 3161 has it OPTIONAL,
    and a refusal (status rejection) carries none."""
    _fields = [("status", tsp.PKIStatusInfo),
               ("time_stamp_token", cms.ContentInfo, {"optional": True})]


@dataclass(frozen=True)
class Token:
    der: bytes  # the TimeStampToken (CMS ContentInfo), as `openssl ts -token_in` reads it
    gen_time: str  # ISO 8601, UTC
    serial: int
    tsa: str  # the TSA's name in the token, else its signing certificate's subject


class TimeStamper(Protocol):
    async def stamp(self, digest: bytes) -> Token: ...


class HttpTimeStamper:
    """An RFC 3161 TSA reached over HTTP POST (`application/timestamp-query`)."""

    def __init__(self, url: str, timeout: float = TSA_TIMEOUT_S, hash: str = "sha256",
                 nonce: Callable[[], int] = lambda: secrets.randbits(63)) -> None:
        if hash != "sha256":
            raise ValueError("only SHA-256 digests are time-stamped")
        self.url = url
        self.timeout = timeout
        self.hash = hash
        self._nonce = nonce

    async def stamp(self, digest: bytes) -> Token:
        _check_digest(digest, TimestampUnavailable)
        nonce = self._nonce()
        reply = await asyncio.to_thread(self._post, request(digest, nonce))
        return accept(reply, digest, nonce)

    def _post(self, body: bytes) -> bytes:
        post = urllib.request.Request(self.url, data=body, method="POST",
                                      headers={"content-type": "application/timestamp-query"})
        try:
            with urllib.request.urlopen(post, timeout=self.timeout) as answer:
                reply: bytes = answer.read(MAX_REPLY + 1)
        except OSError as exc:
            log.warning("TSA request failed: %s", type(exc).__name__)
            raise TimestampUnavailable("not reachable") from None
        if len(reply) > MAX_REPLY:
            raise TimestampUnavailable("reply too large")
        return reply


def request(digest: bytes, nonce: int) -> bytes:
    """The DER TimeStampReq for a SHA-256 digest."""
    req = tsp.TimeStampReq({"version": "v1", "message_imprint": _imprint(digest),
                            "nonce": nonce, "cert_req": True})
    return bytes(req.dump())


def accept(reply: bytes, digest: bytes, nonce: int) -> Token:
    """The token in a TimeStampResp, if granted for this digest and nonce."""
    try:
        response = _TimeStampResp.load(reply)
        status = response["status"]["status"].native
        if status not in GRANTED:
            raise TimestampUnavailable(f"status {status}")
        token = response["time_stamp_token"]
        info = _tst_info(token)
        if info["nonce"].native != nonce:
            raise TimestampUnavailable("the nonce does not match the request")
        _check_imprint(info, digest, TimestampUnavailable)
        return _token(token)
    except (ValueError, TypeError, KeyError, AttributeError):
        raise TimestampUnavailable("not a time stamp response") from None


def verify_token(token_der: bytes, digest: bytes, ca_pem: bytes | None = None) -> Token:
    """Re-check a kept token: its imprint is `digest`; given the PEM certificate(s)
    of the TSA's CA (or of the TSA itself), also its signature and signer."""
    _check_digest(digest, TimestampInvalid)
    try:
        token = cms.ContentInfo.load(token_der)
        info = _tst_info(token)
        _check_imprint(info, digest, TimestampInvalid)
        if ca_pem is not None:
            _check_signature(token["content"], x509.load_pem_x509_certificates(ca_pem),
                             info["gen_time"].native)
        return _token(token)
    except (ValueError, TypeError, KeyError, AttributeError):
        raise TimestampInvalid("not a time stamp token") from None


def _imprint(digest: bytes) -> tsp.MessageImprint:
    return tsp.MessageImprint({"hash_algorithm": algos.DigestAlgorithm({"algorithm": "sha256"}),
                               "hashed_message": digest})


def _check_digest(digest: bytes, error: type[LiveVoteError]) -> None:
    if len(digest) != hashlib.sha256().digest_size:
        raise error("the digest is not a SHA-256 digest")


def _tst_info(token: cms.ContentInfo) -> tsp.TSTInfo:
    if token["content_type"].native != "signed_data":
        raise ValueError("not signed data")
    encap = token["content"]["encap_content_info"]
    if encap["content_type"].native != "tst_info":
        raise ValueError("not a TSTInfo")
    info = encap["content"].parsed
    if not isinstance(info, tsp.TSTInfo):
        raise ValueError("not a TSTInfo")
    return info


def _check_imprint(info: tsp.TSTInfo, digest: bytes, error: type[LiveVoteError]) -> None:
    imprint = info["message_imprint"]
    if imprint["hash_algorithm"]["algorithm"].native != "sha256" or \
            imprint["hashed_message"].native != digest:
        raise error("it stamps another digest")


def _token(token: cms.ContentInfo) -> Token:
    info = _tst_info(token)
    gen_time = info["gen_time"].native.astimezone(timezone.utc)
    return Token(der=token.dump(), gen_time=gen_time.isoformat().replace("+00:00", "Z"),
                 serial=int(info["serial_number"].native), tsa=_tsa_name(token, info))


def _tsa_name(token: cms.ContentInfo, info: tsp.TSTInfo) -> str:
    named = info["tsa"]
    if named.native is not None and named.name == "directory_name":
        return str(named.chosen.human_friendly)
    if named.native is not None:
        return str(named.native)
    signer = _signer_cert(token["content"])
    return "" if signer is None else str(signer.subject.human_friendly)


def _signer_cert(signed: cms.SignedData) -> asn1_x509.Certificate | None:
    sid = signed["signer_infos"][0]["sid"]
    for choice in signed["certificates"]:
        cert = choice.chosen
        if not isinstance(cert, asn1_x509.Certificate):
            continue
        if sid.name == "issuer_and_serial_number":
            if cert.issuer == sid.chosen["issuer"] and \
                    cert.serial_number == sid.chosen["serial_number"].native:
                return cert
        elif cert.key_identifier == sid.chosen.native:
            return cert
    return None


def _check_signature(signed: cms.SignedData, anchors: list[x509.Certificate],
                     at: datetime) -> None:
    signer_info = signed["signer_infos"][0]
    found = _signer_cert(signed)
    if found is None:
        raise TimestampInvalid("the token does not carry its signer's certificate")
    signer = x509.load_der_x509_certificate(found.dump())
    _check_attributes(signed, signer_info, found)
    attrs = signer_info["signed_attrs"].dump()
    signed_bytes = b"\x31" + attrs[1:]  # signed over as a SET OF, not [0] IMPLICIT
    _verify(signer, signer_info["signature"].native, signed_bytes,
            signer_info["digest_algorithm"]["algorithm"].native)
    _check_signer(signer, at)
    _check_chain(signer, signed, anchors)


def _check_attributes(signed: cms.SignedData, signer_info: cms.SignerInfo,
                      cert: asn1_x509.Certificate) -> None:
    attrs = {a["type"].native: a["values"][0] for a in signer_info["signed_attrs"]}
    algorithm = signer_info["digest_algorithm"]["algorithm"].native
    content = signed["encap_content_info"]["content"].contents
    if attrs.get("message_digest") is None or \
            attrs["message_digest"].native != hashlib.new(algorithm, content).digest():
        raise TimestampInvalid("the signed digest is not the TSTInfo's")
    ess = attrs.get("signing_certificate_v2") or attrs.get("signing_certificate")
    if ess is None:
        raise TimestampInvalid("no ESS signing certificate attribute")
    cert_id = ess["certs"][0]
    ess_hash = cert_id["hash_algorithm"]["algorithm"].native \
        if isinstance(cert_id, tsp.ESSCertIDv2) else "sha1"
    if cert_id["cert_hash"].native != hashlib.new(ess_hash, cert.dump()).digest():
        raise TimestampInvalid("the ESS certificate id names another certificate")


def _verify(cert: x509.Certificate, signature: bytes, data: bytes, algorithm: str) -> None:
    chosen = {"sha256": hashes.SHA256(), "sha384": hashes.SHA384(),
              "sha512": hashes.SHA512()}.get(algorithm)
    if chosen is None:
        raise TimestampInvalid(f"unsupported digest {algorithm}")
    key = cert.public_key()
    try:
        if isinstance(key, rsa.RSAPublicKey):
            key.verify(signature, data, padding.PKCS1v15(), chosen)
        elif isinstance(key, ec.EllipticCurvePublicKey):
            key.verify(signature, data, ec.ECDSA(chosen))
        else:
            raise TimestampInvalid("unsupported signing key")
    except InvalidSignature:
        raise TimestampInvalid("the signature is not the TSA's") from None


def _check_signer(signer: x509.Certificate, at: datetime) -> None:
    try:
        usage = signer.extensions.get_extension_for_class(x509.ExtendedKeyUsage)
    except x509.ExtensionNotFound:
        raise TimestampInvalid("the signer is not a time-stamping certificate") from None
    if not usage.critical or list(usage.value) != [ExtendedKeyUsageOID.TIME_STAMPING]:
        raise TimestampInvalid("the signer is not a time-stamping certificate")
    if not signer.not_valid_before_utc <= at <= signer.not_valid_after_utc:
        raise TimestampInvalid("the time is outside the signer certificate's validity")


def _check_chain(cert: x509.Certificate, signed: cms.SignedData,
                 anchors: list[x509.Certificate]) -> None:
    """Walk issuers through the token's certificates to one of the anchors."""
    pool = [x509.load_der_x509_certificate(c.chosen.dump()) for c in signed["certificates"]
            if isinstance(c.chosen, asn1_x509.Certificate)]
    for _ in range(MAX_CHAIN):
        if cert in anchors:
            return
        for issuer in anchors + pool:
            if issuer != cert and _issued_by(cert, issuer):
                if issuer in anchors:
                    return
                cert = issuer
                break
        else:
            break
    raise TimestampInvalid("the signer does not chain to the given CA")


def _issued_by(cert: x509.Certificate, issuer: x509.Certificate) -> bool:
    try:
        cert.verify_directly_issued_by(issuer)
    except (ValueError, TypeError, InvalidSignature):
        return False
    return True



def time_stamper(settings: Settings) -> TimeStamper | None:
    """The operator's TSA, or None: consents then carry no time stamp."""
    return HttpTimeStamper(settings.tsa_url) if settings.tsa_url else None
