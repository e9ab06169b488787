"""The CPI vacancy import: 100,000 rows from a PostgreSQL stand-in, against plain COPY; and the
match score ranking 10,000 candidates against one vacancy.

Runs the import in a child interpreter so its peak resident memory is the import's alone (read
before the matching part starts). `copy_rows_per_s` streams the same rows from the stand-in into
a plain table with COPY, in the same run: the ceiling a row-by-row, validating import is compared
with. `write_only_rows_per_s` is the floor under any import into our table: the rows the import
made, copied inside the database into an empty table with `employers_vacancy`'s indexes and
constraints (no reading from the CPI, no rules, no client), committed. `match_10k_ms` is `candidates.match_selectors.ranked_features` over 10,000 candidates with
precomputed features, about 90 % of them sharing their profile.
"""

import json
import os
import random
import resource
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
ROWS = 100_000
CHANGES = 1_000
BENCH_DATABASE = "fairplatform_bench_vacancies"
TARGET_COPY_FRACTION = 0.25
TARGET_RSS_MB = 300
TARGET_INCREMENTAL_S = 5.0
MATCH_CANDIDATES = 10_000
MATCH_RUNS = 5
TARGET_MATCH_MS = 1_000

# Realistic rows made in the stand-in itself (not in Python, so the child's memory is the
# import's): one in a hundred has an ATECO code that does not exist.
FILL = """
INSERT INTO export_fair.sil_richiesta (
    source_ref, row_version, updated_at, status, published_at, expires_at, title, description,
    positions_count, employer_tax_code, employer_name, employer_visible, comune_istat,
    comune_belfiore, ateco_code, ateco_version, cp2011_code, isco08_code, contract_code,
    working_time_code, education_code, languages, licences, cpi_code)
SELECT 'SIL:2026/' || lpad(n::text, 7, '0'), 1,
       now() - interval '2 days' + n * interval '1 second', 'PUBLISHED',
       now() - interval '3 days', current_date + 30 + n %% 60,
       'Figura professionale ' || n, repeat('Descrizione della posizione. ', 20),
       1 + n %% 5, '01234567897', 'Azienda ' || n %% 500, n %% 10 <> 0, '063049', 'F839',
       CASE WHEN n %% 100 = 0 THEN '04.11.00' ELSE (ARRAY['62.01.00','47.11.10','56.10.11',
           '86.10.10','41.20.00'])[1 + n %% 5] END,
       '2007', '2.1.1.4.1', '2512', (ARRAY['A01','A02','A03'])[1 + n %% 3],
       (ARRAY['FT','PT'])[1 + n %% 2], (ARRAY['20','40','60','70'])[1 + n %% 4],
       '[{"iso639_1": "en", "read": "B1", "write": "A2", "speak": "B1"}]', '["B"]', 'NA-CPI-01'
FROM generate_series(1, %s) AS n
"""
CHANGE = """
UPDATE export_fair.sil_richiesta SET row_version = row_version + 1, updated_at = now(),
       title = title || ' (aggiornata)'
WHERE source_ref IN (SELECT source_ref FROM export_fair.sil_richiesta ORDER BY random() LIMIT %s)
"""


def database_url(url: str, name: str) -> str:
    return urlunsplit(urlsplit(url)._replace(path=f"/{name}"))


def copy_baseline(standin_url: str, bench_url: str) -> float:
    with (
        psycopg.connect(standin_url) as source,
        psycopg.connect(bench_url, autocommit=True) as target,
    ):
        target.execute("DROP TABLE IF EXISTS bench_copy")
        columns = source.execute(
            "SELECT column_name, data_type FROM information_schema.columns "
            "WHERE table_schema = 'export_fair' AND table_name = 'vacancies' "
            "ORDER BY ordinal_position"
        ).fetchall()
        target.execute(
            sql.SQL("CREATE TABLE bench_copy ({})").format(
                sql.SQL(", ").join(
                    sql.SQL("{} {}").format(sql.Identifier(name), sql.SQL(kind))
                    for name, kind in columns
                )
            )
        )
        started = time.perf_counter()
        with (
            source.cursor().copy("COPY (SELECT * FROM export_fair.vacancies) TO STDOUT") as out,
            target.cursor().copy("COPY bench_copy FROM STDIN") as into,
        ):
            for block in out:
                into.write(block)
        return time.perf_counter() - started


def write_only_s(bench_url: str) -> float:
    """INSERT … SELECT of the imported rows into a twin of the vacancy table, foreign keys
    included (LIKE copies every other index and check), checked at commit as the import's are."""
    with psycopg.connect(bench_url, autocommit=True) as conn:
        conn.execute("DROP TABLE IF EXISTS bench_vacancy_twin")
        conn.execute("CREATE TABLE bench_vacancy_twin (LIKE employers_vacancy INCLUDING ALL)")
        foreign_keys = conn.execute(
            "SELECT pg_get_constraintdef(oid) FROM pg_constraint "
            "WHERE conrelid = 'employers_vacancy'::regclass AND contype = 'f'"
        ).fetchall()
        for (definition,) in foreign_keys:
            conn.execute(
                sql.SQL("ALTER TABLE bench_vacancy_twin ADD {}").format(sql.SQL(definition))
            )
        started = time.perf_counter()
        with conn.transaction():
            conn.execute("INSERT INTO bench_vacancy_twin SELECT * FROM employers_vacancy")
        return time.perf_counter() - started


def _fill() -> int:
    from accounts.models import User
    from candidates.match_features import feature_values
    from candidates.models import CandidateMatchFeatures, CandidateProfile, ConsentRecord
    from employers.nuts import REGIONS

    rng = random.Random(6)  # noqa: S311 - test data
    users = User.objects.bulk_create(
        [
            User(email=f"c{n}@example.org", full_name=f"Candidate {n}")
            for n in range(MATCH_CANDIDATES)
        ]
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


def match_10k_ms() -> float:
    """What the pre-selection page does for one vacancy: the consent subquery, one query of the
    precomputed features, the pure-Python scoring loop and the sort; median of five after a
    warm-up."""
    from candidates.match_selectors import ranked_features
    from employers.matching import vacancy_needs

    _fill()
    needs = vacancy_needs(
        isco="2512",
        languages=[{"iso639_1": "en", "read": "B2", "write": "B1", "speak": "B2"}],
        eqf=6,
        nuts3="ITF33",
        licences=["B"],
    )
    timings = []
    for _ in range(MATCH_RUNS + 1):
        started = time.perf_counter()
        ranked_features(needs)
        timings.append((time.perf_counter() - started) * 1000)
    return statistics.median(timings[1:])


def child() -> None:
    admin_url = os.environ["DATABASE_URL"]
    bench_url = database_url(admin_url, BENCH_DATABASE)
    sys.path.insert(0, str(ROOT))
    from tests.vacancies.cpi_standin import CpiStandIn

    standin = CpiStandIn(admin_url)
    try:
        os.environ["DJANGO_SETTINGS_MODULE"] = "fairplatform.settings.test"
        os.environ["DATABASE_URL"] = bench_url
        os.environ["CPI_DATABASE_URL"] = standin.url
        import django

        django.setup()
        from django.core.management import call_command

        from employers.connectors.cpi import CpiConnector
        from employers.vacancy_sync import vacancies_sync

        call_command("migrate", verbosity=0)
        standin.execute(FILL, [ROWS])
        standin.execute("ANALYZE")
        copy_s = copy_baseline(standin.url, bench_url)

        started = time.perf_counter()
        initial = vacancies_sync(connector=CpiConnector())
        initial_s = time.perf_counter() - started
        assert initial.status == "succeeded", initial.error
        write_s = write_only_s(bench_url)

        standin.execute(CHANGE, [CHANGES])
        started = time.perf_counter()
        incremental = vacancies_sync(connector=CpiConnector())
        incremental_s = time.perf_counter() - started
        assert incremental.status == "succeeded", incremental.error
        peak_rss_mb = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024
        match_ms = match_10k_ms()
    finally:
        standin.drop()
    print(
        json.dumps(
            {
                "initial_rows": initial.read,
                "initial_created": initial.created,
                "initial_rejected": initial.rejected,
                "initial_s": initial_s,
                "copy_s": copy_s,
                "write_only_s": write_s,
                "incremental_read": incremental.read,
                "incremental_updated": incremental.updated,
                "incremental_s": incremental_s,
                "peak_rss_mb": peak_rss_mb,
                "match_10k_ms": match_ms,
            }
        )
    )


def main() -> None:
    admin_url = os.environ["DATABASE_URL"]
    name = sql.Identifier(BENCH_DATABASE)
    with psycopg.connect(admin_url, autocommit=True) as conn:
        conn.execute(sql.SQL("DROP DATABASE IF EXISTS {} WITH (FORCE)").format(name))
        conn.execute(sql.SQL("CREATE DATABASE {}").format(name))
    try:
        output = subprocess.run(
            [sys.executable, "-m", "bench.vacancies", "--child"],
            cwd=ROOT,
            check=True,
            stdout=subprocess.PIPE,
            text=True,
        ).stdout
    finally:
        with psycopg.connect(admin_url, autocommit=True) as conn:
            conn.execute(sql.SQL("DROP DATABASE IF EXISTS {} WITH (FORCE)").format(name))
    result = json.loads(output.strip().splitlines()[-1])
    rows_per_s = result["initial_rows"] / result["initial_s"]
    copy_per_s = result["initial_rows"] / result["copy_s"]
    write_only_per_s = result["initial_created"] / result["write_only_s"]
    figures = {
        "initial_rows": result["initial_rows"],
        "initial_rows_per_s": round(rows_per_s),
        "copy_rows_per_s": round(copy_per_s),
        "write_only_rows_per_s": round(write_only_per_s),
        "incremental_1000_s": round(result["incremental_s"], 3),
        "peak_rss_mb": round(result["peak_rss_mb"], 1),
        "match_10k_ms": round(result["match_10k_ms"], 1),
    }
    report(
        "vacancies",
        ["measure", "result", "target"],
        [
            ["initial import", f"{rows_per_s:,.0f} rows/s ({result['initial_s']:.1f} s)", ""],
            ["plain COPY, same rows", f"{copy_per_s:,.0f} rows/s", ""],
            [
                "import / COPY",
                f"{rows_per_s / copy_per_s:.2f}",
                f"≥ {TARGET_COPY_FRACTION}",
            ],
            [
                "write only (imported rows, no read, no rules) / COPY",
                f"{write_only_per_s / copy_per_s:.2f}",
                "",
            ],
            ["rejected (bad ATECO)", result["initial_rejected"], "1 %"],
            ["1,000 changes", f"{result['incremental_s']:.2f} s", f"≤ {TARGET_INCREMENTAL_S} s"],
            ["peak RSS of the import", f"{result['peak_rss_mb']:.0f} MB", f"≤ {TARGET_RSS_MB} MB"],
            [
                f"rank {MATCH_CANDIDATES:,} candidates against one vacancy",
                f"{result['match_10k_ms']:.0f} ms",
                f"≤ {TARGET_MATCH_MS:,} ms",
            ],
        ],
        figures,
    )


if __name__ == "__main__" and sys.argv[1:] == ["--child"]:
    child()
