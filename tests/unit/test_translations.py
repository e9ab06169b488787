"""The Italian catalogue ships whole: nothing untranslated or fuzzy, and the compiled .mo is the
one its .po makes (`make messages` refreshes both)."""

import subprocess
from pathlib import Path

CATALOGUE = Path(__file__).resolve().parents[2] / "locale" / "it" / "LC_MESSAGES"


def test_every_italian_message_is_translated_and_none_is_fuzzy():
    stats = subprocess.run(  # noqa: S603
        ["msgfmt", "--check", "--statistics", "-o", "/dev/null", str(CATALOGUE / "django.po")],  # noqa: S607
        capture_output=True,
        text=True,
        check=True,
    ).stderr
    assert "fuzzy" not in stats and "untranslated" not in stats, stats


def test_the_compiled_catalogue_matches_its_source(tmp_path):
    compiled = tmp_path / "django.mo"
    subprocess.run(  # noqa: S603
        ["msgfmt", "--check", "-o", str(compiled), str(CATALOGUE / "django.po")],  # noqa: S607
        check=True,
    )
    assert compiled.read_bytes() == (CATALOGUE / "django.mo").read_bytes()
