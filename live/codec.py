"""orjson behind the json-module interface Socket.IO expects (text, not bytes)."""

from __future__ import annotations

from typing import Any

import orjson


class OrjsonCodec:
    @staticmethod
    def dumps(value: Any, **_: Any) -> str:
        return orjson.dumps(value).decode()

    @staticmethod
    def loads(text: str | bytes, **_: Any) -> Any:
        return orjson.loads(text)


def to_bytes(value: Any) -> bytes:
    return orjson.dumps(value)
