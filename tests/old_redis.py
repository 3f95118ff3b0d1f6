"""A stand-in for an old Redis (6.2.14) on a free loopback port: it speaks RESP,
answers INFO like that version and refuses `EXPIRE ... NX` as 6.2 did. It
prints its port, then serves until terminated. Only for start-up checks."""

from __future__ import annotations

import asyncio

INFO = "# Server\r\nredis_version:6.2.14\r\nredis_mode:standalone\r\n"


def reply(args: list[bytes]) -> bytes:
    name = args[0].upper() if args else b""
    if name == b"INFO":
        body = INFO.encode()
        return b"$%d\r\n%s\r\n" % (len(body), body)
    if name == b"HELLO":
        pairs = [b"server", b"redis", b"version", b"6.2.14", b"proto", int(args[1]) if len(args) > 1 else 2]
        parts = [b":%d\r\n" % v if isinstance(v, int) else b"$%d\r\n%s\r\n" % (len(v), v)
                 for v in pairs]
        # RESP3 (redis-py asks for it) is a map; RESP2 a flat array.
        kind = b"%%%d\r\n" % (len(pairs) // 2) if args[1:2] == [b"3"] else b"*%d\r\n" % len(pairs)
        return kind + b"".join(parts)
    if name == b"PING":
        return b"+PONG\r\n"
    if name == b"EXPIRE" and len(args) > 3:
        return b"-ERR wrong number of arguments for 'expire' command\r\n"
    return b"+OK\r\n"


async def serve(reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> None:
    try:
        while True:
            head = await reader.readline()
            if not head:
                return
            if not head.startswith(b"*"):
                continue
            args = []
            for _ in range(int(head[1:])):
                size = int((await reader.readline())[1:])
                args.append((await reader.readexactly(size + 2))[:-2])
            writer.write(reply(args))
            await writer.drain()
    finally:
        writer.close()


async def main() -> None:
    server = await asyncio.start_server(serve, "127.0.0.1", 0)
    print(server.sockets[0].getsockname()[1], flush=True)
    await server.serve_forever()


if __name__ == "__main__":
    asyncio.run(main())
