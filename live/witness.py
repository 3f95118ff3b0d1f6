"""Push chain heads to outside witnesses (the city, the union, members), who
keep them; a later chain that does not contain a saved head is caught by
`live verify --witness`."""

from __future__ import annotations

import asyncio
import json
import logging
import urllib.request
from typing import Any

log = logging.getLogger("livevote.witness")
TIMEOUT_S = 5


def _post(url: str, body: bytes) -> None:
    request = urllib.request.Request(url, data=body, method="POST",
                                     headers={"content-type": "application/json"})
    with urllib.request.urlopen(request, timeout=TIMEOUT_S) as answer:
        answer.read()


async def push(urls: list[str], head: dict[str, Any]) -> int:
    """POST the head to every witness; returns how many took it."""
    body = json.dumps(head).encode()
    results = await asyncio.gather(*[asyncio.to_thread(_post, url, body) for url in urls],
                                   return_exceptions=True)
    for url, outcome in zip(urls, results):
        if isinstance(outcome, BaseException):
            log.warning("witness %s did not take head %s: %s", url, head.get("height"),
                        type(outcome).__name__)
    return sum(not isinstance(r, BaseException) for r in results)
