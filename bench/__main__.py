"""`make bench`: run every bench/NAME.py; each prints a table and writes bench/results/NAME.json."""

import importlib
import pkgutil
from pathlib import Path

import bench

for module in sorted(
    pkgutil.iter_modules([str(Path(bench.__file__).parent)]), key=lambda m: m.name
):
    if module.name.startswith("_"):
        continue
    importlib.import_module(f"bench.{module.name}").main()
