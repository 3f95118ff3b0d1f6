"""Consents are time-stamped by a real RFC 3161 authority: `openssl ts -reply`
behind a local HTTP service, with a throwaway CA and TSA certificate."""

from __future__ import annotations

import asyncio
import contextlib
import datetime as dt
import hashlib
import subprocess
from dataclasses import dataclass
from pathlib import Path
from typing import AsyncIterator, Awaitable, Callable

import pytest
from aiohttp import web
from asn1crypto import cms, tsp
from cryptography import x509
from cryptography.hazmat.primitives import hashes, serialization
from cryptography.hazmat.primitives.asymmetric import ec, rsa
from cryptography.x509.oid import ExtendedKeyUsageOID, NameOID

from live.settings import from_env
from live.tsa import (HttpTimeStamper, TimestampInvalid, TimestampUnavailable, Token,
                      time_stamper, verify_token)
from tests.support import free_port, stand_in

DIGEST = hashlib.sha256(b"consent: owner 17, zone 3, agree").digest()
Handler = Callable[[web.Request], Awaitable[web.StreamResponse]]
Key = ec.EllipticCurvePrivateKey | rsa.RSAPrivateKey


@dataclass(frozen=True)
class Pki:
    ca: Path
    tsa: Path
    tsa_key: Path


def new_key(kind: str) -> Key:
    if kind == "rsa":
        return rsa.generate_private_key(public_exponent=65537, key_size=2048)
    return ec.generate_private_key(ec.SECP256R1())


def certificate(subject: str, key: Key, issuer: x509.Certificate | None, issuer_key: Key,
                tsa: bool) -> x509.Certificate:
    now = dt.datetime.now(dt.timezone.utc)
    name = x509.Name([x509.NameAttribute(NameOID.COMMON_NAME, subject)])
    builder = (x509.CertificateBuilder().subject_name(name)
               .issuer_name(issuer.subject if issuer else name)
               .public_key(key.public_key()).serial_number(x509.random_serial_number())
               .not_valid_before(now - dt.timedelta(minutes=5))
               .not_valid_after(now + dt.timedelta(days=1))
               .add_extension(x509.BasicConstraints(ca=not tsa, path_length=None), critical=True))
    if tsa:
        builder = builder.add_extension(
            x509.ExtendedKeyUsage([ExtendedKeyUsageOID.TIME_STAMPING]), critical=True)
    return builder.sign(issuer_key, hashes.SHA256())


def make_pki(folder: Path, kind: str = "ec", ca_name: str = "LiveVote Test CA") -> Pki:
    """A throwaway CA and a TSA certificate it issued (timeStamping, critical)."""
    folder.mkdir(parents=True, exist_ok=True)
    ca_key, tsa_key = new_key(kind), new_key(kind)
    ca = certificate(ca_name, ca_key, None, ca_key, tsa=False)
    tsa = certificate("LiveVote Test TSA", tsa_key, ca, ca_key, tsa=True)
    pki = Pki(folder / "ca.pem", folder / "tsa.pem", folder / "tsa.key")
    pki.ca.write_bytes(ca.public_bytes(serialization.Encoding.PEM))
    pki.tsa.write_bytes(tsa.public_bytes(serialization.Encoding.PEM))
    pki.tsa_key.write_bytes(tsa_key.private_bytes(
        serialization.Encoding.PEM, serialization.PrivateFormat.PKCS8,
        serialization.NoEncryption()))
    return pki


def tsa_config(folder: Path, pki: Pki, digests: str = "sha256, sha384, sha512") -> Path:
    (folder / "serial").write_text("01\n")
    config = folder / "tsa.cnf"
    config.write_text(f"""\
[ tsa ]
default_tsa = livevote_test

[ livevote_test ]
serial = {folder / "serial"}
crypto_device = builtin
signer_cert = {pki.tsa}
certs = {pki.tsa}
signer_key = {pki.tsa_key}
signer_digest = sha256
default_policy = 1.3.6.1.4.1.99999.1
digests = {digests}
accuracy = secs:1
ordering = no
tsa_name = yes
ess_cert_id_chain = no
ess_cert_id_alg = sha256
""")
    return config


async def openssl_answer(folder: Path, config: Path, query: bytes) -> bytes:
    """What `openssl ts -reply` answers to a DER query."""
    n = len(list(folder.glob("query-*.tsq")))
    query_file, out = folder / f"query-{n}.tsq", folder / f"reply-{n}.tsr"
    query_file.write_bytes(query)
    proc = await asyncio.create_subprocess_exec(
        "openssl", "ts", "-reply", "-config", str(config), "-queryfile", str(query_file),
        "-out", str(out), stdout=asyncio.subprocess.DEVNULL, stderr=asyncio.subprocess.PIPE)
    _, err = await proc.communicate()
    assert proc.returncode == 0, err.decode(errors="replace")
    return out.read_bytes()


def openssl_reply(folder: Path, config: Path, seen: list[bytes] | None = None) -> Handler:
    """The TSA: each query goes to `openssl ts -reply` and its DER answer back."""
    async def reply(request: web.Request) -> web.Response:
        body = await request.read()
        if seen is not None:
            seen.append(body)
        return tsa_response(await openssl_answer(folder, config, body))
    return reply


def tsa_response(der: bytes) -> web.Response:
    return web.Response(body=der, content_type="application/timestamp-reply")


@contextlib.asynccontextmanager
async def openssl_tsa(folder: Path, kind: str = "ec", digests: str = "sha256, sha384, sha512",
                      seen: list[bytes] | None = None) -> AsyncIterator[tuple[str, Pki]]:
    pki = make_pki(folder, kind)
    config = tsa_config(folder, pki, digests)
    async with stand_in({"/tsa": openssl_reply(folder, config, seen)}) as base:
        yield f"{base}/tsa", pki


def openssl_verify(token: Token, digest: bytes, pki: Pki, folder: Path) -> subprocess.CompletedProcess[str]:
    path = folder / "token.tst"
    path.write_bytes(token.der)
    return subprocess.run(
        ["openssl", "ts", "-verify", "-digest", digest.hex(), "-in", str(path), "-token_in",
         "-CAfile", str(pki.ca), "-untrusted", str(pki.tsa)],
        capture_output=True, text=True, timeout=60)


def tst_info(token: Token) -> tsp.TSTInfo:
    return cms.ContentInfo.load(token.der)["content"]["encap_content_info"]["content"].parsed


@pytest.mark.parametrize("kind", ["ec", "rsa"])
async def test_a_consent_digest_gets_a_real_token_that_openssl_accepts(
        tmp_path: Path, kind: str) -> None:
    seen: list[bytes] = []
    async with openssl_tsa(tmp_path, kind, seen=seen) as (url, pki):
        before = dt.datetime.now(dt.timezone.utc).replace(microsecond=0)
        token = await HttpTimeStamper(url, nonce=lambda: 424242).stamp(DIGEST)
        other = await HttpTimeStamper(url).stamp(DIGEST)

    info = tst_info(token)
    assert info["message_imprint"]["hashed_message"].native == DIGEST
    assert info["nonce"].native == 424242
    asked = [tsp.TimeStampReq.load(body) for body in seen]
    assert asked[0]["cert_req"].native and asked[0]["nonce"].native == 424242
    assert asked[1]["nonce"].native != 424242  # random by default
    stamped = dt.datetime.fromisoformat(token.gen_time.replace("Z", "+00:00"))
    assert token.gen_time.endswith("Z") and before <= stamped <= dt.datetime.now(dt.timezone.utc)
    assert other.serial == token.serial + 1
    assert "LiveVote Test TSA" in token.tsa
    assert verify_token(token.der, DIGEST, pki.ca.read_bytes()) == token
    assert verify_token(token.der, DIGEST) == token  # the imprint alone
    checked = openssl_verify(token, DIGEST, pki, tmp_path)
    assert checked.returncode == 0 and "Verification: OK" in checked.stdout, checked.stderr


async def test_a_tampered_digest_or_token_fails_verification(tmp_path: Path) -> None:
    async with openssl_tsa(tmp_path / "tsa") as (url, pki):
        token = await HttpTimeStamper(url).stamp(DIGEST)
    tampered = hashlib.sha256(b"consent: owner 17, zone 3, disagree").digest()
    stranger = make_pki(tmp_path / "stranger", ca_name="Another CA")
    flipped = token.der[:-8] + bytes([token.der[-8] ^ 1]) + token.der[-7:]  # in the signature

    with pytest.raises(TimestampInvalid) as wrong_digest:
        verify_token(token.der, tampered, pki.ca.read_bytes())
    with pytest.raises(TimestampInvalid):
        verify_token(token.der, tampered)
    with pytest.raises(TimestampInvalid, match="chain"):
        verify_token(token.der, DIGEST, stranger.ca.read_bytes())
    with pytest.raises(TimestampInvalid, match="signature"):
        verify_token(flipped, DIGEST, pki.ca.read_bytes())
    with pytest.raises(TimestampInvalid):
        verify_token(b"\x30\x03garbage", DIGEST)
    assert wrong_digest.value.code == "timestamp_invalid"
    assert openssl_verify(token, tampered, pki, tmp_path).returncode != 0


async def test_a_reply_to_another_request_is_refused(tmp_path: Path) -> None:
    config = tsa_config(tmp_path, make_pki(tmp_path))
    first: list[bytes] = []

    async def replaying(request: web.Request) -> web.Response:
        if not first:
            first.append(await openssl_answer(tmp_path, config, await request.read()))
        return tsa_response(first[0])

    async def other_digest(request: web.Request) -> web.Response:
        asked = tsp.TimeStampReq.load(await request.read())
        asked["message_imprint"]["hashed_message"] = hashlib.sha256(b"other").digest()
        return tsa_response(await openssl_answer(tmp_path, config, asked.dump(force=True)))

    async with stand_in({"/replaying": replaying, "/other": other_digest}) as base:
        stamper = HttpTimeStamper(f"{base}/replaying")
        await stamper.stamp(DIGEST)
        with pytest.raises(TimestampUnavailable, match="nonce"):
            await stamper.stamp(DIGEST)
        with pytest.raises(TimestampUnavailable, match="another digest"):
            await HttpTimeStamper(f"{base}/other").stamp(DIGEST)


async def test_a_tsa_that_refuses_or_breaks_is_timestamp_unavailable(tmp_path: Path) -> None:
    async def fails(request: web.Request) -> web.Response:
        return web.Response(status=500, text="down for maintenance")

    async def garbage(request: web.Request) -> web.Response:
        return web.Response(body=b"<html>not a TSA</html>", content_type="text/html")

    async with openssl_tsa(tmp_path, digests="sha512") as (refusing, _), \
            stand_in({"/fails": fails, "/garbage": garbage}) as base:
        for url in (refusing, f"{base}/fails", f"{base}/garbage"):
            with pytest.raises(TimestampUnavailable) as failed:
                await HttpTimeStamper(url).stamp(DIGEST)
            assert (failed.value.code, failed.value.status) == ("timestamp_unavailable", 503)
    with pytest.raises(TimestampUnavailable, match="status rejection"):
        async with openssl_tsa(tmp_path / "again", digests="sha512") as (refusing, _):
            await HttpTimeStamper(refusing).stamp(DIGEST)


async def test_an_unreachable_tsa_is_timestamp_unavailable() -> None:
    with pytest.raises(TimestampUnavailable, match="not reachable"):
        await HttpTimeStamper(f"http://127.0.0.1:{free_port()}/tsa", timeout=5).stamp(DIGEST)


def test_the_operator_sets_the_tsa_or_none() -> None:
    assert time_stamper(from_env({})) is None
    stamper = time_stamper(from_env({"LIVE_TSA_URL": " http://tsa.example/ts "}))
    assert isinstance(stamper, HttpTimeStamper) and stamper.url == "http://tsa.example/ts"
