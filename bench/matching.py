"""The match score at scale: rank 10,000 candidates against one vacancy (issue #6, part 5).

Kept apart from bench/vacancies.py (whose import numbers another branch is working on); writes
`match_10k_ms` to bench/results/matching.json. Measures what the pre-selection page does:
`candidates.match_selectors.ranked_features` (the consent subquery, one query of the seven
precomputed feature columns, the pure-Python scoring loop and the sort), median of five runs
after one warm-up, on a database of its own.
"""

import json
import os
import random
import statistics
import subprocess
import sys
import time
from pathlib import Path
from urllib.parse import urlsplit, urlunsplit

import psycopg
from psycopg import sql

from bench._report import report

ROOT = Path(__file__).resolve().parent.parent
CANDIDATES = 10_000
RUNS = 5
TARGET_MS = 1_000
BENCH_DATABASE = "fairplatform_bench_matching"


def database_url(url: str, name: str) -> str:
    return urlunsplit(urlsplit(url)._replace(path=f"/{name}"))


def _fill() -> int:
    from accounts.models import User
    from candidates.match_features import feature_values
    from candidates.models import CandidateMatchFeatures, CandidateProfile, ConsentRecord
    from employers.nuts import REGIONS

    rng = random.Random(6)  # noqa: S311 - test data
    users = User.objects.bulk_create(
        [User(email=f"c{n}@example.org", full_name=f"Candidate {n}") for n in range(CANDIDATES)]
    )
    profiles = CandidateProfile.objects.bulk_create(
        [
            CandidateProfile(
                user=user,
                nuts=rng.choice(REGIONS)[0] + rng.choice(["", "1", "3"]),
                willing_to_relocate=rng.random() < 0.2,
                languages=[{"code": "en", "level": rng.choice(["A2", "B1", "B2", "C1"])}],
            )
            for user in users
        ]
    )
    ConsentRecord.objects.bulk_create(
        ConsentRecord(
            profile=p,
            purpose=ConsentRecord.Purpose.SHARE_WITH_EMPLOYERS,
            granted=rng.random() < 0.9,
            notice_version="1",
        )
        for p in profiles
    )
    codes = ["2512", "2511", "2519", "2521", "3512", "4110", "5223", "7112", "8322", "9112"]
    rows = []
    for profile in profiles:
        cv = {
            "work": [{"occupation_isco": rng.choice(codes)} for _ in range(rng.randint(0, 3))],
            "education": [{"eqf_level": str(rng.randint(3, 7))}],
            "foreign_languages": [{"code": "de", "reading": "B1", "writing": "A2"}],
            "driving_licences": rng.choice([[], ["B"], ["B", "C"]]),
        }
        rows.append(CandidateMatchFeatures(profile=profile, **feature_values(profile, cv)))
    CandidateMatchFeatures.objects.bulk_create(rows)
    return len(rows)


def child() -> None:
    os.environ["DJANGO_SETTINGS_MODULE"] = "fairplatform.settings.test"
    sys.path.insert(0, str(ROOT))
    import django

    django.setup()
    from django.core.management import call_command

    from candidates.match_selectors import ranked_features
    from employers.matching import vacancy_needs

    call_command("migrate", verbosity=0)
    _fill()
    needs = vacancy_needs(
        isco="2512",
        languages=[{"iso639_1": "en", "read": "B2", "write": "B1", "speak": "B2"}],
        eqf=6,
        nuts3="ITF33",
        licences=["B"],
    )
    timings = []
    ranked: list[tuple[int, int]] = []
    for _ in range(RUNS + 1):
        started = time.perf_counter()
        ranked, _features = ranked_features(needs)
        timings.append((time.perf_counter() - started) * 1000)
    print(json.dumps({"ranked": len(ranked), "ms": statistics.median(timings[1:])}))


def main() -> None:
    admin_url = os.environ["DATABASE_URL"]
    name = sql.Identifier(BENCH_DATABASE)
    with psycopg.connect(admin_url, autocommit=True) as conn:
        conn.execute(sql.SQL("DROP DATABASE IF EXISTS {} WITH (FORCE)").format(name))
        conn.execute(sql.SQL("CREATE DATABASE {}").format(name))
    try:
        output = subprocess.run(
            [sys.executable, "-m", "bench.matching", "--child"],
            cwd=ROOT,
            check=True,
            stdout=subprocess.PIPE,
            text=True,
            env={**os.environ, "DATABASE_URL": database_url(admin_url, BENCH_DATABASE)},
        ).stdout
    finally:
        with psycopg.connect(admin_url, autocommit=True) as conn:
            conn.execute(sql.SQL("DROP DATABASE IF EXISTS {} WITH (FORCE)").format(name))
    result = json.loads(output.strip().splitlines()[-1])
    report(
        "matching",
        ["measure", "result", "target"],
        [
            [
                f"rank {CANDIDATES:,} candidates (≈90 % sharing) against one vacancy",
                f"{result['ms']:.0f} ms ({result['ranked']:,} ranked)",
                f"≤ {TARGET_MS:,} ms",
            ]
        ],
        {"match_10k_ms": round(result["ms"], 1), "match_10k_ranked": result["ranked"]},
    )


if __name__ == "__main__" and sys.argv[1:] == ["--child"]:
    child()
elif __name__ == "__main__":
    main()
