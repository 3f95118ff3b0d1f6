"""LiveVote users for locust: phones, one presenter screen, one host.

    locust -f loadtests/locustfile.py --host http://127.0.0.1:8000
    locust -f loadtests/locustfile.py --host URL --headless -u 500 -r 50 -t 2m
    # distributed: one master, N workers (same file and --host on each)
    locust -f loadtests/locustfile.py --host URL --master --expect-workers 4
    locust -f loadtests/locustfile.py --worker --master-host MASTER

Only the public protocol (docs/protocol.md): the HTTP API and Socket.IO over
WebSocket. Unless `--livevote-room`/`--livevote-key`/`--livevote-code` name an
existing room, the master (or the single process) creates one at test start
and tells the workers. The host cycles ballots (create, open, wait, close,
check the persisted result); phones vote when a `ballot:update` says a ballot
opened, exactly as the voter page does; the screen reports how long after a
phone's ack the tally showing that vote arrived (for phones in its process).

Socket.IO events appear in the statistics as type `sio` (acked calls) and
`push` (measured pushes). Needs python-socketio's sync client with
websocket-client (`pip install "python-socketio[client]"`).
"""

from __future__ import annotations

import random
import time
import uuid
from typing import Any

import gevent
import requests
import socketio
from gevent.event import Event
from locust import HttpUser, User, between, events, task
from locust.env import Environment
from locust.runners import WorkerRunner

ROOM: dict[str, str] = {}
ROOM_READY = Event()
ACKED: dict[int, float] = {}  # seq -> when a phone in this process got its ack
SCREENS: list[str] = []  # presenters in this process (only then are acks timed)
CLOSED_AT: dict[str, float] = {}  # ballot -> when the host in this process closed it
OPTIONS = ["Bibimbap", "Naengmyeon", "Kimbap"]


@events.init_command_line_parser.add_listener  # type: ignore[untyped-decorator]
def _options(parser: Any) -> None:
    parser.add_argument("--livevote-room", default="", help="existing room id")
    parser.add_argument("--livevote-key", default="", help="its host key")
    parser.add_argument("--livevote-code", default="", help="its 6-digit join code")
    parser.add_argument("--livevote-ballot-seconds", type=float, default=20.0,
                        help="how long the host keeps each ballot open")


def _room_message(environment: Environment, msg: Any, **_: Any) -> None:
    ROOM.update(msg.data)
    ROOM_READY.set()


@events.init.add_listener  # type: ignore[untyped-decorator]
def _init(environment: Environment, **_: Any) -> None:
    if environment.runner is not None:
        environment.runner.register_message("livevote_room", _room_message)


@events.test_start.add_listener  # type: ignore[untyped-decorator]
def _create_room(environment: Environment, **_: Any) -> None:
    if isinstance(environment.runner, WorkerRunner) or environment.runner is None:
        return
    opts = environment.parsed_options
    if opts and opts.livevote_room and opts.livevote_key and opts.livevote_code:
        room = {"id": opts.livevote_room, "key": opts.livevote_key, "code": opts.livevote_code}
    else:
        r = requests.post(f"{environment.host}/api/rooms",
                          json={"title": "Locust load test", "lang": "en"}, timeout=30)
        r.raise_for_status()
        data = r.json()["data"]
        room = {"id": data["room"]["id"], "key": data["host_key"], "code": data["room"]["code"]}
    environment.runner.send_message("livevote_room", room)


def _wait_for_room() -> dict[str, str]:
    if not ROOM_READY.wait(timeout=60):
        raise RuntimeError("no room: the master did not create or announce one")
    return ROOM


class SocketUser(User):
    """A Socket.IO client whose acked calls show up in locust's statistics."""

    abstract = True
    namespace = "/"

    def on_start(self) -> None:
        self.room = _wait_for_room()
        self.sio = socketio.Client(reconnection=False)
        self.listen()
        started = time.perf_counter()
        try:
            self.sio.connect(self.host, namespaces=[self.namespace], transports=["websocket"],
                             wait_timeout=30)
            self._report("sio", "connect", started, None)
        except Exception as exc:
            self._report("sio", "connect", started, exc)
            raise

    def on_stop(self) -> None:
        self.sio.disconnect()

    def listen(self) -> None:
        """Register push handlers before connecting."""

    def call(self, event: str, data: Any, timeout: float = 10.0) -> Any:
        """An acked event; a refusal is a failure in the statistics."""
        started = time.perf_counter()
        try:
            ack = self.sio.call(event, data, namespace=self.namespace, timeout=timeout)
        except Exception as exc:
            self._report("sio", event, started, exc)
            return None
        error = None if ack.get("ok") else RuntimeError(ack["error"]["code"])
        self._report("sio", event, started, error, len(str(ack)))
        return ack.get("data") if error is None else None

    def _report(self, kind: str, name: str, started: float, error: Exception | None,
                length: int = 0) -> None:
        self.environment.events.request.fire(
            request_type=kind, name=name, response_time=(time.perf_counter() - started) * 1000,
            response_length=length, exception=error, context={})

    def pushed(self, name: str, ms: float) -> None:
        self.environment.events.request.fire(request_type="push", name=name, response_time=ms,
                                             response_length=0, exception=None, context={})


class Voter(SocketUser):
    """A phone: joins by code, votes on each ballot that opens, sees the result."""

    weight = 100
    namespace = "/voter"
    wait_time = between(1, 4)

    def on_start(self) -> None:
        self.open: dict[str, dict[str, Any]] = {}
        self.voted: set[str] = set()
        self.device: str | None = None
        self.admission: str | None = None
        super().on_start()
        # The page looks the code up over HTTP before it connects.
        started = time.perf_counter()
        r = requests.get(f"{self.host}/api/join/{self.room['code']}", timeout=30)
        self._report("http", "/api/join/[code]", started,
                     None if r.ok else RuntimeError(str(r.status_code)))
        self.join()

    def join(self) -> None:
        body: dict[str, Any] = {"code": self.room["code"]}
        if self.device:
            body["device"] = self.device
        data = self.call("room:join", body)
        if data is not None:
            self.device, self.admission = data.get("device"), data.get("pass")
            for ballot in data.get("ballots", []):
                self._seen(ballot)

    def listen(self) -> None:
        self.sio.on("ballot:update", self._seen, namespace=self.namespace)
        self.sio.on("ballot:closed", self._closed, namespace=self.namespace)

    def _seen(self, ballot: dict[str, Any]) -> None:
        if ballot.get("state") == "open" and not ballot.get("my_vote"):
            self.open[ballot["id"]] = ballot
        else:
            self.open.pop(ballot.get("id", ""), None)

    def _closed(self, data: dict[str, Any]) -> None:
        ballot = data.get("ballot", {}).get("id", "")
        self.open.pop(ballot, None)
        if ballot in CLOSED_AT:
            self.pushed("ballot:closed after close", (time.time() - CLOSED_AT[ballot]) * 1000)

    @task(10)
    def vote(self) -> None:
        todo = [b for b in self.open.values() if b["id"] not in self.voted]
        if not todo:
            return
        ballot = random.choice(todo)
        k = min(int(ballot.get("max_choices", 1)), len(ballot["options"]))
        choices = sorted(random.sample(range(len(ballot["options"])), k=random.randint(1, k)))
        data = self.call("vote:cast", {"ballot": ballot["id"], "choices": choices,
                                       "client_key": uuid.uuid4().hex, "pass": self.admission})
        self.voted.add(ballot["id"])
        if data is not None and SCREENS:
            ACKED[int(data["seq"])] = time.time()

    @task(1)
    def refresh(self) -> None:
        """A page refresh: the same device joins again and lists the ballots."""
        self.join()


class Presenter(SocketUser):
    """The projector: watches the room and times the tally behind the acks."""

    fixed_count = 1
    namespace = "/screen"
    wait_time = between(5, 10)

    def on_start(self) -> None:
        super().on_start()
        SCREENS.append(self.room["id"])
        self.call("screen:watch", {"room": self.room["id"], "key": self.room["key"]})

    def listen(self) -> None:
        self.sio.on("tally", self._tally, namespace=self.namespace)

    def _tally(self, tally: dict[str, Any]) -> None:
        now, seq = time.time(), int(tally.get("seq", 0))
        for acked_seq in [s for s in ACKED if s <= seq]:
            self.pushed("tally after ack", (now - ACKED.pop(acked_seq)) * 1000)

    @task
    def rewatch(self) -> None:
        """What the screen does after a reconnect: the snapshot is the catch-up."""
        self.call("screen:watch", {"room": self.room["id"], "key": self.room["key"]})


class Host(HttpUser):
    """The host console over the JSON API: one ballot after another."""

    fixed_count = 1
    wait_time = between(1, 2)

    def on_start(self) -> None:
        self.room = _wait_for_room()
        self.client.headers["authorization"] = f"Bearer {self.room['key']}"

    @task
    def ballot_cycle(self) -> None:
        base = f"/api/rooms/{self.room['id']}/ballots"
        path = "/api/rooms/[room]/ballots/[ballot]"
        with self.client.post(base, json={"question": "Lunch?", "options": OPTIONS,
                                          "visibility": "live"},
                              name="/api/rooms/[room]/ballots", catch_response=True) as r:
            if r.status_code != 201:
                r.failure(r.text)
                return
            ballot = r.json()["data"]["id"]
        self.client.post(f"{base}/{ballot}/open", json={}, name=f"{path}/open")
        gevent.sleep(self.environment.parsed_options.livevote_ballot_seconds
                     if self.environment.parsed_options else 20)
        self.client.get(f"{base}/{ballot}/tally", name=f"{path}/tally")
        CLOSED_AT[ballot] = time.time()
        with self.client.post(f"{base}/{ballot}/close", name=f"{path}/close",
                              catch_response=True) as r:
            sealed = r.json().get("data") if r.status_code == 200 else None
        with self.client.get(f"{base}/{ballot}/result.json", name=f"{path}/result.json",
                             catch_response=True) as r:
            if sealed is None or r.status_code != 200 or r.json().get("data") != sealed:
                r.failure("persisted result differs from the sealed one")
