"""`make run` keeps its data in SQLite: an organiser's file import must work there too (the
PostgreSQL-only COPY path is not available)."""

import os
import subprocess
import sys
from pathlib import Path

from tests.vacancies.xml_samples import hr_open

ROOT = Path(__file__).resolve().parents[2]


def manage(*args: str, env: dict[str, str]) -> str:
    return subprocess.run(  # noqa: S603 - our own interpreter and manage.py
        [sys.executable, "manage.py", *args],
        cwd=ROOT,
        env=env,
        capture_output=True,
        text=True,
        check=True,
    ).stdout


def test_a_file_is_imported_and_updated_on_the_embedded_sqlite(tmp_path):
    env = {
        **os.environ,
        "DJANGO_SETTINGS_MODULE": "fairplatform.settings.local",
        "DATABASE_URL": f"sqlite:///{tmp_path / 'demo.sqlite3'}",
    }
    manage("migrate", "-v0", env=env)
    first = tmp_path / "first.xml"
    first.write_text(f"<V>{hr_open(ref='sq-1')}{hr_open(ref='sq-2', nace='04.11')}</V>")
    changed = tmp_path / "changed.xml"
    changed.write_text(f"<V>{hr_open(ref='sq-1', title='Bus driver, nights')}</V>")

    created = manage("sync_vacancies", "--source", "eures", "--file", str(first), env=env)
    replayed = manage("sync_vacancies", "--source", "eures", "--file", str(first), env=env)
    updated = manage("sync_vacancies", "--source", "eures", "--file", str(changed), env=env)

    assert "eures file succeeded: read 2, created 1, updated 0" in created
    assert "rejected sq-2 (unknown_ateco)" in created
    assert "created 0, updated 0, unchanged 1" in replayed
    assert "created 0, updated 1" in updated
