#!/usr/bin/env python3
"""Run a command with PostgreSQL and/or Redis available, starting throwaway servers if needed.

    python scripts/devservices.py run [--postgres] [--redis] [--private] [--state-dir DIR] -- CMD...

A reachable $DATABASE_URL / $REDIS_URL (or the conventional local default) is reused; otherwise a
private server is started on a free 127.0.0.1 port, exported to CMD and removed when CMD exits.
"""

from __future__ import annotations

import argparse
import contextlib
import os
import pwd
import shutil
import signal
import socket
import subprocess
import sys
import tempfile
import time
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path
from types import FrameType
from urllib.parse import urlsplit

DB_NAME = "fairplatform"
DEFAULT_DATABASE_URL = f"postgresql://postgres@127.0.0.1:5432/{DB_NAME}"
DEFAULT_REDIS_URL = "redis://127.0.0.1:6379/0"
START_TIMEOUT = 30.0
STOP_TIMEOUT = 10.0
# Unix socket paths are capped at 107 bytes; leave room for "/.s.PGSQL.NNNNN".
MAX_SOCKET_DIR_LEN = 80


class ServiceError(Exception):
    def __init__(self, message: str, exit_code: int = 1) -> None:
        super().__init__(message)
        self.exit_code = exit_code


@dataclass
class Child:
    name: str
    process: subprocess.Popen[bytes]
    stop_signal: signal.Signals
    log: Path


@dataclass
class Services:
    state_dir: Path
    children: list[Child] = field(default_factory=list)
    temp_dirs: list[Path] = field(default_factory=list)

    def make_temp_dir(self, prefix: str, parent: Path | None = None) -> Path:
        parent = parent or self.state_dir
        parent.mkdir(parents=True, exist_ok=True)
        path = Path(tempfile.mkdtemp(prefix=prefix, dir=parent))
        self.temp_dirs.append(path)
        return path

    def stop(self) -> None:
        stop_processes([(child.process, child.stop_signal) for child in self.children])
        for path in self.temp_dirs:
            shutil.rmtree(path, ignore_errors=True)


def stop_processes(
    processes: list[tuple[subprocess.Popen[bytes], signal.Signals]], timeout: float = STOP_TIMEOUT
) -> None:
    """Signal each live process, give them all `timeout` seconds together, then kill the rest.

    Each is expected to lead its own process group (start_new_session), so the kill also takes
    out its children (postgres backends, Celery pool workers).
    """
    for process, stop_signal in processes:
        if process.poll() is None:
            process.send_signal(stop_signal)
    deadline = time.monotonic() + timeout
    for process, _signal in processes:
        try:
            process.wait(timeout=max(0.0, deadline - time.monotonic()))
        except subprocess.TimeoutExpired:
            with contextlib.suppress(ProcessLookupError):
                os.killpg(process.pid, signal.SIGKILL)
            process.wait()


def say(message: str) -> None:
    print(f"devservices: {message}", file=sys.stderr, flush=True)


def is_reachable(url: str, default_port: int) -> bool:
    try:
        parts = urlsplit(url)
        host, port = parts.hostname, parts.port or default_port
    except ValueError:
        return False
    if not host:  # Unix-socket URLs are not probed; a private server is started instead.
        return False
    try:
        with socket.create_connection((host, port), timeout=1.0):
            return True
    except OSError:
        return False


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


def tail(path: Path, lines: int = 20) -> str:
    with contextlib.suppress(OSError):
        return "\n".join(path.read_text(errors="replace").splitlines()[-lines:])
    return ""


def wait_until_ready(child: Child, probe: Callable[[], bool]) -> None:
    deadline = time.monotonic() + START_TIMEOUT
    while time.monotonic() < deadline:
        if child.process.poll() is not None:
            raise ServiceError(f"{child.name} exited during startup:\n{tail(child.log)}")
        if probe():
            return
        time.sleep(0.1)
    raise ServiceError(f"{child.name} not ready after {START_TIMEOUT:.0f} s:\n{tail(child.log)}")


def run_quietly(
    argv: list[str], *, user: pwd.struct_passwd | None = None, cwd: Path | None = None
) -> subprocess.CompletedProcess[str]:
    return subprocess.run(  # noqa: S603 - argv is built from absolute binary paths
        argv,
        capture_output=True,
        text=True,
        check=False,
        cwd=cwd,
        user=user.pw_uid if user else None,
        group=user.pw_gid if user else None,
        extra_groups=[] if user else None,
    )


def spawn(
    name: str,
    argv: list[str],
    *,
    cwd: Path,
    stop_signal: signal.Signals,
    user: pwd.struct_passwd | None = None,
) -> Child:
    log = cwd / f"{name}.log"
    with log.open("wb") as log_file:
        # A new session keeps the terminal's Ctrl-C away from servers, so CMD can shut down first.
        process = subprocess.Popen(  # noqa: S603 - argv is built from absolute binary paths
            argv,
            stdin=subprocess.DEVNULL,
            stdout=log_file,
            stderr=subprocess.STDOUT,
            cwd=cwd,
            start_new_session=True,
            user=user.pw_uid if user else None,
            group=user.pw_gid if user else None,
            extra_groups=[] if user else None,
        )
    return Child(name, process, stop_signal, log)


def find_postgres_bin() -> Path | None:
    on_path = shutil.which("initdb")
    candidates = [Path(on_path).resolve().parent] if on_path else []
    versions = Path("/usr/lib/postgresql").glob("*/bin")
    candidates += sorted(
        versions, key=lambda p: int(p.parent.name) if p.parent.name.isdigit() else 0, reverse=True
    )
    return next(
        (d for d in candidates if (d / "initdb").is_file() and (d / "postgres").is_file()), None
    )


def server_user() -> pwd.struct_passwd | None:
    """initdb and postgres refuse to run as root, so root drops to the postgres system user."""
    if os.geteuid() != 0:
        return None
    try:
        return pwd.getpwnam("postgres")
    except KeyError:
        raise ServiceError(
            "running as root and no 'postgres' user exists; "
            "install it with: apt-get install postgresql",
            2,
        ) from None


def user_can_write(path: Path, user: pwd.struct_passwd) -> bool:
    # os.access() answers for root; asking as the user also covers untraversable parents.
    test = shutil.which("test") or "/usr/bin/test"
    return run_quietly([test, "-w", str(path)], user=user).returncode == 0


def create_database(bin_dir: Path, port: int) -> str | None:
    """Create DB_NAME; return an error message, or None if it exists now."""
    createdb = bin_dir / "createdb"
    if not createdb.is_file():
        return f"{createdb} not found"
    result = run_quietly(
        # -w: fail instead of prompting on the terminal if the server wants a password.
        [str(createdb), "-w", "-h", "127.0.0.1", "-p", str(port), "-U", "postgres", DB_NAME]
    )
    if result.returncode == 0 or "already exists" in result.stderr:
        return None
    return result.stderr.strip()


def start_postgres(services: Services) -> str:
    bin_dir = find_postgres_bin()
    if bin_dir is None:
        raise ServiceError(
            "PostgreSQL binaries not found; install them with: apt-get install postgresql", 2
        )
    user = server_user()
    run_dir = services.make_temp_dir("postgres-")
    if user:
        os.chown(run_dir, user.pw_uid, user.pw_gid)
        if not user_can_write(run_dir, user):
            tmp = Path("/tmp")  # noqa: S108 - mkdtemp below makes a private directory
            run_dir = services.make_temp_dir("devservices-postgres-", parent=tmp)
            os.chown(run_dir, user.pw_uid, user.pw_gid)
    data_dir = run_dir / "data"
    for locale in ("C.UTF-8", "C"):  # C.UTF-8 is missing on some minimal images
        initdb = run_quietly(
            [
                str(bin_dir / "initdb"),
                "-D",
                str(data_dir),
                "-A",
                "trust",
                "-U",
                "postgres",
                "--encoding",
                "UTF8",
                "--locale",
                locale,
                "--no-sync",
            ],
            user=user,
            cwd=run_dir,
        )
        if initdb.returncode == 0:
            break
        shutil.rmtree(data_dir, ignore_errors=True)
    else:
        raise ServiceError(f"initdb failed:\n{initdb.stdout}{initdb.stderr}")

    port = free_port()
    socket_dir = str(run_dir) if len(str(run_dir)) <= MAX_SOCKET_DIR_LEN else ""
    argv = [
        str(bin_dir / "postgres"),
        "-D",
        str(data_dir),
        "-h",
        "127.0.0.1",
        "-p",
        str(port),
        "-k",
        socket_dir,
        "-F",
        "-c",
        "fsync=off",
        "-c",
        "synchronous_commit=off",
        "-c",
        "full_page_writes=off",
    ]
    # SIGINT is postgres' "fast" shutdown; SIGTERM would wait for lingering clients.
    child = spawn("postgres", argv, cwd=run_dir, stop_signal=signal.SIGINT, user=user)
    services.children.append(child)
    pg_isready = bin_dir / "pg_isready"

    def ready() -> bool:
        if not pg_isready.is_file():
            return is_reachable(f"postgresql://127.0.0.1:{port}", port)
        probe = [str(pg_isready), "-q", "-h", "127.0.0.1", "-p", str(port), "-U", "postgres"]
        return run_quietly(probe).returncode == 0

    wait_until_ready(child, ready)
    if error := create_database(bin_dir, port):
        raise ServiceError(f"createdb {DB_NAME} failed: {error}")
    say(f"started private PostgreSQL {bin_dir.parent.name} on 127.0.0.1:{port} ({run_dir})")
    return f"postgresql://postgres@127.0.0.1:{port}/{DB_NAME}"


def redis_answers_ping(port: int) -> bool:
    try:
        with socket.create_connection(("127.0.0.1", port), timeout=1.0) as conn:
            conn.sendall(b"*1\r\n$4\r\nPING\r\n")
            return conn.recv(64).startswith(b"+PONG")
    except OSError:
        return False


def start_redis(services: Services) -> str:
    binary = shutil.which("redis-server")
    if binary is None:
        raise ServiceError(
            "redis-server not found; install it with: apt-get install redis-server", 2
        )
    work_dir = services.make_temp_dir("redis-")
    port = free_port()
    argv = [
        binary,
        "--bind",
        "127.0.0.1",
        "--port",
        str(port),
        "--save",
        "",
        "--appendonly",
        "no",
        "--dir",
        str(work_dir),
    ]
    child = spawn("redis", argv, cwd=work_dir, stop_signal=signal.SIGTERM)
    services.children.append(child)
    wait_until_ready(child, lambda: redis_answers_ping(port))
    say(f"started private Redis on 127.0.0.1:{port} ({work_dir})")
    return f"redis://127.0.0.1:{port}/0"


def existing_url(env_var: str, default_url: str, default_port: int) -> str | None:
    current = os.environ.get(env_var)
    if current:
        if is_reachable(current, default_port):
            return current
        say(f"{env_var} is set but its server is unreachable; starting a private one")
        return None
    return default_url if is_reachable(default_url, default_port) else None


def create_default_database() -> None:
    """The shared local server may predate the project, and `make run` needs the database."""
    bin_dir = find_postgres_bin() or Path(shutil.which("createdb") or "/usr/bin/createdb").parent
    if error := create_database(bin_dir, 5432):
        say(f"warning: could not create {DB_NAME} on 127.0.0.1:5432: {error}")


def interrupt_came_from_terminal() -> bool:
    """Ctrl-C already reached CMD via the terminal; a second SIGINT would cut its cleanup short."""
    try:
        fd = os.open("/dev/tty", os.O_RDONLY)
    except OSError:
        return False
    try:
        return os.tcgetpgrp(fd) == os.getpgrp()
    except OSError:
        return False
    finally:
        os.close(fd)


def run_command(command: list[str], env: dict[str, str]) -> int:
    holder: list[subprocess.Popen[bytes]] = []

    def forward(signum: int, _frame: FrameType | None) -> None:
        if holder and not (signum == signal.SIGINT and interrupt_came_from_terminal()):
            holder[0].send_signal(signum)

    signal.signal(signal.SIGINT, forward)
    signal.signal(signal.SIGTERM, forward)
    try:
        holder.append(subprocess.Popen(command, env=env))  # noqa: S603 - running CMD is the point
    except OSError as exc:
        say(f"cannot run {command[0]}: {exc}")
        return 127
    returncode = holder[0].wait()
    return returncode if returncode >= 0 else 128 - returncode


def raise_interrupt(_signum: int, _frame: FrameType | None) -> None:
    raise KeyboardInterrupt


def run(args: argparse.Namespace, command: list[str]) -> int:
    services = Services(Path(args.state_dir).resolve())
    env = dict(os.environ)
    # Until CMD runs, SIGTERM should unwind through `finally` like Ctrl-C does.
    signal.signal(signal.SIGTERM, raise_interrupt)
    try:
        if args.postgres:
            url = None if args.private else existing_url("DATABASE_URL", DEFAULT_DATABASE_URL, 5432)
            if url == DEFAULT_DATABASE_URL:
                create_default_database()
            env["DATABASE_URL"] = url or start_postgres(services)
        if args.redis:
            url = None if args.private else existing_url("REDIS_URL", DEFAULT_REDIS_URL, 6379)
            env["REDIS_URL"] = url or start_redis(services)
        return run_command(command, env)
    except ServiceError as exc:
        say(str(exc))
        return exc.exit_code
    except KeyboardInterrupt:
        return 130
    finally:
        # A second Ctrl-C or SIGTERM must not cut cleanup short and orphan the servers.
        signal.signal(signal.SIGINT, signal.SIG_IGN)
        signal.signal(signal.SIGTERM, signal.SIG_IGN)
        services.stop()


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    commands = parser.add_subparsers(dest="action", required=True)
    run_parser = commands.add_parser("run", help="run CMD with the requested services")
    run_parser.add_argument("--postgres", action="store_true", help="provide $DATABASE_URL")
    run_parser.add_argument("--redis", action="store_true", help="provide $REDIS_URL")
    run_parser.add_argument(
        "--private",
        action="store_true",
        help="always start private servers, ignoring existing ones",
    )
    run_parser.add_argument(
        "--state-dir",
        default=".cache/devservices",
        help="where private servers keep their data (default: %(default)s)",
    )
    run_parser.add_argument("command", nargs=argparse.REMAINDER, help="-- CMD [ARGS...]")
    args = parser.parse_args(argv)
    command = args.command[1:] if args.command[:1] == ["--"] else args.command
    if not command:
        run_parser.error("missing command after --")
    return run(args, command)


if __name__ == "__main__":
    sys.exit(main())
