"""orjson behind the json-module interface Socket.IO expects (text, not bytes).

`loads` refuses what orjson refuses (truncated JSON, `NaN` and `Infinity`, a
lone surrogate, nesting deeper than 1,024) and also an integer outside
-2**63 .. 2**64-1, which orjson would turn into an inexact float without a
word. It is the one parser of every received Socket.IO packet, on every
transport (python-socketio's through `OrjsonCodec`, the lean WebSocket
loops' directly), so a payload is refused alike wherever it arrives; Python's
json module, which takes `NaN` and integers of any size, is used on none.
"""

from __future__ import annotations

import re
from typing import Any

import orjson

LOWEST, HIGHEST = -(2**63), 2**64 - 1  # the integers orjson keeps exact
# An integer beyond that range has 19 digits or more, so only text with such a run
# is searched again, token by token (strings skipped). The run is looked for in
# the UTF-8 bytes with every ASCII digit made "0" and anything else ".": a
# substring test at C speed, where a regular expression would cost several
# times the parse itself.
_DIGIT_MAP = bytes(0x30 if 0x30 <= b <= 0x39 else 0x2E for b in range(256))
_LONG_RUN = b"0" * 19
_TOKEN = re.compile(r'"(?:[^"\\]|\\.)*"|-?[0-9]+(?:\.[0-9]+)?(?:[eE][-+]?[0-9]+)?')


def loads(text: str | bytes) -> Any:
    value = orjson.loads(text)
    raw = text.encode() if isinstance(text, str) else bytes(text)  # valid UTF-8 by now
    if _LONG_RUN in raw.translate(_DIGIT_MAP):
        _exact_integers(raw.decode())
    return value


def _exact_integers(text: str) -> None:
    """Raise for an integer literal orjson did not keep exact (`text` is JSON
    orjson accepted, so strings and numbers are well formed)."""
    for match in _TOKEN.finditer(text):
        token = match.group()
        if len(token) < 19 or not token.lstrip("-").isdigit():
            continue  # a string, a short integer or a float literal
        if not LOWEST <= int(token) <= HIGHEST:
            raise orjson.JSONDecodeError("integers must fit in 64 bits", text, match.start())


class OrjsonCodec:
    @staticmethod
    def dumps(value: Any, **_: Any) -> str:
        return orjson.dumps(value).decode()

    @staticmethod
    def loads(text: str | bytes, **_: Any) -> Any:
        return loads(text)


def to_bytes(value: Any) -> bytes:
    return orjson.dumps(value)
