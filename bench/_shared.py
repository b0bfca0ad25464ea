"""What the benchmarks share: their PostgreSQL database and their section of RESULTS.md."""

from __future__ import annotations

from pathlib import Path


def ensure_postgres_database(url: str) -> None:
    """Create the benchmark's PostgreSQL database on first use."""
    import dj_database_url
    import psycopg

    cfg = dj_database_url.parse(url)
    admin = dict(host=cfg["HOST"], port=cfg["PORT"] or 5432, user=cfg["USER"], password=cfg["PASSWORD"] or None)
    with psycopg.connect(dbname="postgres", autocommit=True, **admin) as conn:
        if not conn.execute("SELECT 1 FROM pg_database WHERE datname = %s", [cfg["NAME"]]).fetchone():
            conn.execute(f'CREATE DATABASE "{cfg["NAME"]}"')


def record_results(results: Path, marker: str, text: str) -> None:
    """Replace this benchmark's section (between `marker` and `<!-- end -->`) in RESULTS.md."""
    old = results.read_text(encoding="utf-8") if results.exists() else "# Benchmark results\n"
    start = old.find(marker)
    if start != -1:
        end = old.find("<!-- end -->", start)
        old = old[:start] + old[end + len("<!-- end -->") + 1 :]
    results.write_text(old.rstrip() + f"\n\n{marker}\n{text}<!-- end -->\n", encoding="utf-8")
