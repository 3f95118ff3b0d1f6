"""`live verify` on files that are not what they claim: one UNREADABLE line and
exit status 2, never a traceback; on a good bundle without `--key` it says
that authenticity was not checked."""

from __future__ import annotations

import copy
import json
import subprocess
import sys
from pathlib import Path
from typing import Any

import pytest

from tests.support import ROOT, Host, LiveServer, call, voter


def run_verify(path: Path, *args: str) -> subprocess.CompletedProcess[str]:
    return subprocess.run([sys.executable, "-m", "live.cli", "verify", str(path), *args],
                          cwd=ROOT, capture_output=True, text=True, timeout=60)


@pytest.fixture
async def bundle(live: LiveServer, host: Host) -> Any:
    ballot = await host.ballot()
    await host.open(ballot["id"])
    phone, _ = await voter(live.url, code=host.room["code"])
    assert (await call(phone, "vote:cast", {"ballot": ballot["id"], "choices": [1],
                                            "client_key": "a"}))["ok"]
    await phone.disconnect()
    await host.close(ballot["id"])
    r = await host.get(f"/ballots/{ballot['id']}/bundle")
    return r.json()


def broken(doc: dict[str, Any]) -> dict[str, Any]:
    variants: dict[str, Any] = {}
    no_chain = copy.deepcopy(doc)
    del no_chain["bundle"]["chain"]
    variants["no chain"] = no_chain
    bad_payload = copy.deepcopy(doc)
    bad_payload["bundle"]["chain"][0]["payload"] = "{not json"
    variants["payload not JSON"] = bad_payload
    bad_choices = copy.deepcopy(doc)
    bad_choices["bundle"]["ballots"][0]["choices"] = "1"
    variants["choices not a list"] = bad_choices
    variants["a list"] = [doc]
    variants["no bundle"] = {"hello": 1}
    return variants


async def test_bad_files_get_one_finding_and_their_own_exit_status(bundle: Any,
                                                                   tmp_path: Path) -> None:
    cases = {name: json.dumps(value) for name, value in broken(bundle).items()}
    cases["not JSON"] = "this is not json {"
    cases["deep"] = "[" * 100_000 + "]" * 100_000
    for name, text in cases.items():
        path = tmp_path / "bundle.json"
        path.write_text(text)
        done = run_verify(path)
        lines = done.stdout.strip().splitlines()
        assert done.returncode == 2, (name, done.stdout, done.stderr)
        assert len(lines) == 1 and lines[0].startswith("UNREADABLE"), (name, done.stdout)
        assert "Traceback" not in done.stderr, (name, done.stderr)
    missing = run_verify(tmp_path / "nowhere.json")
    assert missing.returncode == 2 and missing.stdout.startswith("UNREADABLE")


async def test_without_a_key_authenticity_is_said_to_be_unchecked(
        live: LiveServer, bundle: Any, tmp_path: Path) -> None:
    path = tmp_path / "bundle.json"
    path.write_text(json.dumps(bundle))
    key = (await Host(live.url).http.get("/api/keys")).json()["data"]["ed25519"]

    unkeyed = run_verify(path)
    keyed = run_verify(path, "--key", key)
    tampered = copy.deepcopy(bundle)
    tampered["bundle"]["record"]["counts"] = [0, 0, 1]
    path.write_text(json.dumps(tampered))
    findings = run_verify(path, "--key", key)

    assert unkeyed.returncode == 0 and "authenticity NOT checked" in unkeyed.stdout
    assert bundle["public_key"] in unkeyed.stdout
    assert keyed.returncode == 0 and "NOT checked" not in keyed.stdout
    assert findings.returncode == 1 and findings.stdout.startswith("FAIL")
