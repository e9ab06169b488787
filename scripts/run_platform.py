#!/usr/bin/env python3
"""`make run`: migrate, load the demo fair, then Daphne, a Celery worker, beat and one media relay
(booth presentations; only with Redis) on 127.0.0.1.

Redis comes from REDIS_URL, else a private redis-server; with neither, the platform runs on
embedded defaults (in-memory channel layer, Celery on a file broker). Ctrl-C stops it all.
"""

import os
import shutil
import signal
import subprocess
import sys
import time
from pathlib import Path

from devservices import ServiceError, Services, say, start_redis, stop_processes

ROOT = Path(__file__).resolve().parent.parent
PYTHON = sys.executable
BIN = Path(PYTHON).parent
HOST, PORT = "127.0.0.1", os.environ.get("PORT", "8000")


def redis_url(services: Services) -> str:
    if os.environ.get("REDIS_URL"):
        return os.environ["REDIS_URL"]
    if shutil.which("redis-server") is None:
        say(
            "redis-server is not installed: running on embedded defaults (live updates reach "
            "only this web process). Install Debian's redis-server for the full platform."
        )
        return ""
    return start_redis(services)


def manage(*args: str, env: dict[str, str]) -> None:
    subprocess.run([PYTHON, "manage.py", *args], cwd=ROOT, env=env, check=True)  # noqa: S603


def stop_on_terminate(_signum: int, _frame: object) -> None:
    # Ctrl-C and `kill` get one clean shutdown: children stopped, private Redis removed.
    raise KeyboardInterrupt


def main() -> int:
    # Explicit, because a shell starting this in the background sets SIGINT to "ignore".
    signal.signal(signal.SIGINT, stop_on_terminate)
    signal.signal(signal.SIGTERM, stop_on_terminate)
    services = Services(state_dir=ROOT / ".cache" / "run")
    processes: list[subprocess.Popen[bytes]] = []
    try:
        env = {
            **os.environ,
            "DJANGO_SETTINGS_MODULE": "fairplatform.settings.local",
            "REDIS_URL": redis_url(services),
        }
        (ROOT / "var").mkdir(exist_ok=True)
        manage("migrate", "--no-input", env=env)
        manage("seed_demo", env=env)
        celery = [str(BIN / "celery"), "-A", "fairplatform"]
        commands = [
            [str(BIN / "daphne"), "-b", HOST, "-p", PORT, "fairplatform.asgi:application"],
            [*celery, "worker", "--loglevel", "INFO", "--concurrency", "2"],
            [*celery, "beat", "--loglevel", "INFO"],
        ]
        if env["REDIS_URL"]:
            # Booth presentations: one media relay process (more: one per core, each its --name).
            commands.append([PYTHON, "manage.py", "media_relay", "--name", "local-1"])
        # Own process groups: Ctrl-C reaches only this script, which stops them in order.
        processes = [
            subprocess.Popen(command, cwd=ROOT, env=env, start_new_session=True)  # noqa: S603
            for command in commands
        ]
        say(f"fairplatform is running at http://{HOST}:{PORT}/ — press Ctrl-C to stop")
        while all(process.poll() is None for process in processes):
            time.sleep(0.5)
        say("a platform process exited; stopping the others")
        return 1
    except KeyboardInterrupt:
        return 0
    except (ServiceError, subprocess.CalledProcessError) as exc:
        say(f"could not start: {exc}")
        return 1
    finally:
        stop_processes([(process, signal.SIGTERM) for process in processes])
        services.stop()


if __name__ == "__main__":
    sys.exit(main())
