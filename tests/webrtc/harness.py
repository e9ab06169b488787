"""Real-browser WebRTC harness: a loopback-only network, real Daphne processes, Chromium pages.

Recipe: ../shared/recipes/browser-webrtc-tests.md. Media goes browser to browser; the servers only
relay signalling, so the network namespace (only `lo`) is what makes ICE pick 127.0.0.1.
"""

from __future__ import annotations

import contextlib
import ctypes
import fcntl
import importlib.util
import json
import os
import signal
import socket
import struct
import subprocess
import sys
import time
import urllib.error
import urllib.request
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass, field
from pathlib import Path
from types import ModuleType
from typing import Any
from urllib.parse import quote, urlsplit, urlunsplit

ROOT = Path(__file__).resolve().parents[2]
CLONE_NEWNET = 0x40000000
SIOCGIFFLAGS = 0x8913
IFF_UP = 0x1
LOOPBACK = "127.0.0.1"
START_TIMEOUT = 30.0
STOP_TIMEOUT = 10.0
MIN_FRAMES = 30
VIDEO_TIMEOUT = 20.0
# urllib must not take a proxy from the environment: nothing but 127.0.0.1 exists in here.
_http = urllib.request.build_opener(urllib.request.ProxyHandler({}))


# --- the network namespace -------------------------------------------------------------------


def loopback_only() -> bool:
    return {name for _index, name in socket.if_nameindex()} == {"lo"}


def loopback_is_up() -> bool:
    # Not a bind test: a new namespace's `lo` is down yet 127.0.0.1 can still be bound.
    with socket.socket(socket.AF_INET, socket.SOCK_DGRAM) as sock:
        request = struct.pack("16sH14s", b"lo", 0, b"")
        flags = struct.unpack("16sH14s", fcntl.ioctl(sock, SIOCGIFFLAGS, request))[1]
    return bool(flags & IFF_UP)


def bring_loopback_up() -> None:
    if not loopback_is_up():
        subprocess.run(["ip", "link", "set", "lo", "up"], check=True)  # noqa: S607


def enter_loopback_only_namespace() -> None:
    """Move this process (its main thread, and every child it starts) into a new, empty network."""
    libc = ctypes.CDLL(None, use_errno=True)
    if libc.unshare(CLONE_NEWNET) != 0:
        raise OSError(ctypes.get_errno(), "unshare(CLONE_NEWNET) failed")
    bring_loopback_up()


def devservices() -> ModuleType:
    """scripts/devservices.py as a module: it starts private PostgreSQL and Redis servers."""
    name = "fairplatform_devservices"
    if name in sys.modules:
        return sys.modules[name]
    spec = importlib.util.spec_from_file_location(name, ROOT / "scripts" / "devservices.py")
    assert spec is not None and spec.loader is not None
    module = importlib.util.module_from_spec(spec)
    sys.modules[name] = module
    spec.loader.exec_module(module)
    return module


def reachable(url: str, default_port: int) -> bool:
    return bool(devservices().is_reachable(url, default_port))


def point_settings_at(*, database_url: str | None, redis_url: str | None) -> None:
    """Repoint this process (before any connection exists) and the Daphnes it will start."""
    import dj_database_url
    from django.conf import settings

    if database_url:
        parsed: Any = dj_database_url.parse(database_url)
        database: Any = settings.DATABASES["default"]  # in place: django.db.connections holds it
        for key in ("NAME", "USER", "PASSWORD", "HOST", "PORT"):
            database[key] = parsed[key]
        os.environ["DATABASE_URL"] = database_url
    if redis_url:
        settings.REDIS_URL = redis_url
        settings.CELERY_BROKER_URL = redis_url
        layers: Any = settings.CHANNEL_LAYERS
        layers["default"]["CONFIG"]["hosts"][0]["address"] = redis_url
        settings.CACHES["default"]["LOCATION"] = redis_url
        os.environ["REDIS_URL"] = redis_url


# --- Daphne processes ------------------------------------------------------------------------


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind((LOOPBACK, 0))
        return int(sock.getsockname()[1])


def tail(path: Path, start: int = 0, lines: int = 60) -> str:
    with contextlib.suppress(OSError), path.open("rb") as log:
        log.seek(start)
        return "\n".join(log.read().decode(errors="replace").splitlines()[-lines:])
    return ""


def http_get(url: str, timeout: float = 10.0) -> tuple[int, bytes]:
    """Status and body of a GET, whatever the status; raises OSError if nothing answers."""
    try:
        with _http.open(url, timeout=timeout) as response:
            return int(response.status), response.read()
    except urllib.error.HTTPError as exc:
        with exc:
            return int(exc.code), exc.read()


def http_status(url: str, timeout: float = 10.0) -> int:
    return http_get(url, timeout)[0]


def database_url_for(base_url: str, test_db_name: str) -> str:
    """$DATABASE_URL with the database swapped for pytest-django's test database."""
    if not test_db_name.startswith("test_"):
        raise RuntimeError(f"refusing to point Daphne at {test_db_name!r}: not a test database")
    parts = urlsplit(base_url)
    return urlunsplit(parts._replace(path="/" + quote(test_db_name)))


@dataclass
class Daphne:
    index: int
    port: int
    process: subprocess.Popen[bytes]
    log: Path
    health: dict[str, Any] = field(default_factory=dict)  # its first /healthz answer

    @property
    def url(self) -> str:
        return f"http://{LOOPBACK}:{self.port}"

    @property
    def ws_url(self) -> str:
        return f"ws://{LOOPBACK}:{self.port}/ws/v1/"

    def log_size(self) -> int:
        with contextlib.suppress(OSError):
            return self.log.stat().st_size
        return 0


@dataclass
class DaphnePool:
    """Daphne processes serving fairplatform.asgi on free ports, all on one database and Redis."""

    env: dict[str, str]
    log_dir: Path
    servers: list[Daphne] = field(default_factory=list)

    def get(self, count: int) -> list[Daphne]:
        """At least `count` running servers (more are started, in parallel, as needed)."""
        for server in self.servers:
            if server.process.poll() is not None:
                raise RuntimeError(f"Daphne {server.index} died:\n{tail(server.log)}")
        starting = [self._spawn(len(self.servers) + i) for i in range(count - len(self.servers))]
        self.servers += starting
        if starting:
            with ThreadPoolExecutor(len(starting)) as pool:
                list(pool.map(self._wait_until_answering, starting))
        return self.servers[:count]

    def _spawn(self, index: int) -> Daphne:
        port = free_port()
        log = self.log_dir / f"daphne-{index}-{port}.log"
        daphne = Path(sys.executable).parent / "daphne"
        argv = [str(daphne), "-b", LOOPBACK, "-p", str(port), "fairplatform.asgi:application"]
        with log.open("wb") as out:
            process = subprocess.Popen(  # noqa: S603 - a fixed argv
                argv,
                cwd=ROOT,
                env=self.env,
                stdin=subprocess.DEVNULL,
                stdout=out,
                stderr=subprocess.STDOUT,
                start_new_session=True,
            )
        return Daphne(index, port, process, log)

    def _wait_until_answering(self, server: Daphne) -> None:
        # /healthz answers 503 without a Celery worker; any HTTP answer means Daphne is serving.
        deadline = time.monotonic() + START_TIMEOUT
        while time.monotonic() < deadline:
            if server.process.poll() is not None:
                raise RuntimeError(f"Daphne {server.index} exited on start:\n{tail(server.log)}")
            try:
                _status, body = http_get(server.url + "/healthz", timeout=5.0)
            except OSError:
                time.sleep(0.1)
            else:
                server.health = json.loads(body)
                return
        raise RuntimeError(
            f"Daphne {server.index} not answering on {server.url}:\n{tail(server.log)}"
        )

    def stop(self) -> None:
        devservices().stop_processes(
            [(server.process, signal.SIGTERM) for server in self.servers], STOP_TIMEOUT
        )
        self.servers.clear()


def daphne_env(*, database_url: str, redis_url: str) -> dict[str, str]:
    env = {
        **os.environ,
        "DJANGO_SETTINGS_MODULE": "fairplatform.settings.test",
        "DEBUG": "true",  # fairplatform.asgi then serves /static/ itself
        "DATABASE_URL": database_url,
        "REDIS_URL": redis_url,
        "PYTHONUNBUFFERED": "1",
        "WEB_HEARTBEAT_SECONDS": "2",
    }
    # The test process needs it beside Playwright's loop; the servers must keep Django's check.
    env.pop("DJANGO_ALLOW_ASYNC_UNSAFE", None)
    return env


# --- reading the call from the page ----------------------------------------------------------

# One entry per RTCPeerConnection in window.fairCall.peers. `pc` is a per-object tag, so a test
# can tell a new connection (counters from zero) from the old one after a reload or a rejoin.
PEER_STATS_JS = """
async () => {
  const call = window.fairCall;
  if (!call || !(call.peers instanceof Map)) return {state: call ? call.state : null, peers: []};
  window.__pcTags = window.__pcTags || new WeakMap();
  const peers = [];
  for (const [userId, pc] of call.peers) {
    if (!window.__pcTags.has(pc)) window.__pcTags.set(pc, Math.random().toString(36).slice(2));
    const entry = {
      userId: Number(userId), pc: window.__pcTags.get(pc),
      connectionState: pc.connectionState, iceConnectionState: pc.iceConnectionState,
      framesDecoded: 0, frameWidth: 0, frameHeight: 0, local: null, remote: null, error: null,
    };
    try {
      const report = await pc.getStats();
      const byId = new Map();
      report.forEach((s) => byId.set(s.id, s));
      let pairId = null;
      report.forEach((s) => {
        if (s.type === "inbound-rtp" && s.kind === "video" && (s.framesDecoded || 0) >= entry.framesDecoded) {
          entry.framesDecoded = s.framesDecoded || 0;
          entry.frameWidth = s.frameWidth || 0;
          entry.frameHeight = s.frameHeight || 0;
        }
        if (s.type === "transport" && s.selectedCandidatePairId) pairId = s.selectedCandidatePairId;
      });
      if (!pairId) {
        report.forEach((s) => {
          if (s.type === "candidate-pair" && s.state === "succeeded" && s.nominated) pairId = s.id;
        });
      }
      const pair = pairId ? byId.get(pairId) : null;
      if (pair) {
        const local = byId.get(pair.localCandidateId), remote = byId.get(pair.remoteCandidateId);
        entry.local = local ? (local.address || local.ip || null) : null;
        entry.remote = remote ? (remote.address || remote.ip || null) : null;
      }
    } catch (e) {
      entry.error = String(e);
    }
    peers.push(entry);
  }
  return {state: call.state, peers};
}
"""

# The remote tiles as the person sees them: a <video> inside [data-user-id] showing frames.
TILES_JS = """
(ids) => ids.map((id) => {
  const tile = Array.from(document.querySelectorAll(`[data-user-id="${id}"]`))
    .find((el) => el.id !== "call" && el.querySelector("video"));
  const video = tile ? tile.querySelector("video") : null;
  if (!video) return {userId: id, video: false};
  return {
    userId: id, video: true, width: video.videoWidth, height: video.videoHeight,
    frames: video.getVideoPlaybackQuality().totalVideoFrames, paused: video.paused,
  };
})
"""


def peer_stats(page: Any) -> dict[str, Any]:
    result: dict[str, Any] = page.evaluate(PEER_STATS_JS)
    return result


def remote_tiles(page: Any, user_ids: list[int]) -> list[dict[str, Any]]:
    result: list[dict[str, Any]] = page.evaluate(TILES_JS, user_ids)
    return result


# --- people in the call ----------------------------------------------------------------------


@dataclass
class Seat:
    """One person: their own browser context (cookies), one page, on one Daphne."""

    label: str
    user: Any
    server: Daphne
    context: Any
    page: Any
    console: list[str] = field(default_factory=list)

    @property
    def user_id(self) -> int:
        return int(self.user.pk)

    def room_url(self, session_id: int) -> str:
        return f"{self.server.url}/interviews/{session_id}/"

    def open_room(self, session_id: int) -> Any:
        return self.page.goto(self.room_url(session_id))

    def join(self, timeout: float = 15.0) -> None:
        self.page.locator("#join-call").click()
        self.page.wait_for_function(
            "() => window.fairCall && window.fairCall.state === 'in-call'",
            timeout=timeout * 1000,
        )

    def enter(self, session_id: int) -> None:
        response = self.open_room(session_id)
        assert response is not None and response.status == 200, (self.label, response)
        self.join()

    def socket_request(self, frame: dict[str, Any], timeout: float = 10.0) -> dict[str, Any]:
        """Open a new socket from this page, send one request, return its reply (or a failure)."""
        reply: dict[str, Any] = self.page.evaluate(
            """([url, frame, ms]) => new Promise((resolve) => {
                 const ws = new WebSocket(url);
                 const done = (value) => { clearTimeout(timer); try { ws.close(); } catch (e) {} resolve(value); };
                 const timer = setTimeout(() => done({socket: "timeout"}), ms);
                 ws.onopen = () => ws.send(JSON.stringify(frame));
                 ws.onmessage = (e) => { const f = JSON.parse(e.data); if (f.id === frame.id) done(f); };
                 ws.onclose = (e) => done({socket: "closed", code: e.code});
               })""",
            [self.server.ws_url, frame, int(timeout * 1000)],
        )
        return reply


Baseline = dict[tuple[str, int], tuple[str, int]]


def counters(seats: list[Seat]) -> Baseline:
    """framesDecoded now, per (seat, remote user) and connection: video after this is new video."""
    out: Baseline = {}
    for seat in seats:
        for peer in peer_stats(seat.page)["peers"]:
            out[(seat.label, peer["userId"])] = (peer["pc"], peer["framesDecoded"])
    return out


def _progress(peer: dict[str, Any], base: tuple[str, int] | None) -> int:
    frames = int(peer["framesDecoded"])
    if base is not None and base[0] == peer["pc"]:
        return frames - base[1]
    return frames  # a new RTCPeerConnection counts from zero


def wait_for_video(
    expectations: list[tuple[Seat, list[int]]],
    *,
    baseline: Baseline | None = None,
    min_frames: int = MIN_FRAMES,
    timeout: float = VIDEO_TIMEOUT,
) -> float:
    """Poll until every seat decodes >= min_frames new frames from each listed user and shows
    them in that user's tile; then check each pair ran over 127.0.0.1. Returns seconds waited."""
    baseline = baseline or {}
    started = time.monotonic()
    while True:
        seen: dict[str, Any] = {}
        done = True
        for seat, user_ids in expectations:
            stats = peer_stats(seat.page)
            tiles = remote_tiles(seat.page, user_ids)
            seen[seat.label] = {"stats": stats, "tiles": tiles}
            peers = {peer["userId"]: peer for peer in stats["peers"]}
            for user_id, tile in zip(user_ids, tiles, strict=True):
                peer = peers.get(user_id)
                if (
                    peer is None
                    or _progress(peer, baseline.get((seat.label, user_id))) < min_frames
                ):
                    done = False
                if not (tile["video"] and tile["width"] > 0 and tile["frames"] > 0):
                    done = False
        elapsed = time.monotonic() - started
        if done:
            break
        if elapsed > timeout:
            raise AssertionError(
                f"no decoded video within {timeout:.0f} s (need {min_frames} new frames "
                f"from each remote user); last seen: {seen!r}"
            )
        time.sleep(0.2)
    for seat, user_ids in expectations:
        peers = {peer["userId"]: peer for peer in seen[seat.label]["stats"]["peers"]}
        for user_id in user_ids:
            peer = peers[user_id]
            assert peer["frameWidth"] > 0, (seat.label, peer)
            assert (peer["local"], peer["remote"]) == (LOOPBACK, LOOPBACK), (seat.label, peer)
    return elapsed
