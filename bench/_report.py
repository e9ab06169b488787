import json
from collections.abc import Sequence
from pathlib import Path

RESULTS = Path(__file__).resolve().parent / "results"


def report(
    name: str, headers: list[str], rows: Sequence[Sequence[object]], figures: dict[str, float]
) -> None:
    """Print a Markdown table and write the figures as one flat JSON object."""
    print(f"\n## {name}\n")
    print("| " + " | ".join(headers) + " |")
    print("|" + "---|" * len(headers))
    for row in rows:
        print("| " + " | ".join(str(cell) for cell in row) + " |")
    RESULTS.mkdir(exist_ok=True)
    (RESULTS / f"{name}.json").write_text(json.dumps(figures, indent=2, sort_keys=True) + "\n")
