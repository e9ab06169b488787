"""The README's configuration table names every variable the settings read."""

import re
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]


def test_every_environment_variable_is_in_the_readme():
    settings_text = "".join(
        path.read_text() for path in (ROOT / "fairplatform/settings").glob("*.py")
    )
    read = set(re.findall(r'env_[a-z]+\(\s*"([A-Z][A-Z0-9_]*)"', settings_text))
    readme = (ROOT / "README.md").read_text()
    documented = set(re.findall(r"`([A-Z][A-Z0-9_]*)`", readme))
    assert len(read) > 40  # the pattern still finds the settings' reads
    assert read - documented == set()
