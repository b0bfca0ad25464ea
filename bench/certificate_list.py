"""Staff certificate list at a million certificates: server time per request, with a same-run baseline.

    .venv/bin/python bench/certificate_list.py                  # SQLite file under bench/data/
    DATABASE_URL=postgres://postgres@127.0.0.1:5432/certbody_bench .venv/bin/python bench/certificate_list.py

The database is built on first use (migrate, seed_demo, seed_demo --certificates N) and kept for reruns.
Each case is a full Django request (middleware, view, queries, template) through the test client, in
process: "server time". The baseline is the bare indexed query of one page on the same connection in the
same run, so the ratios hold on a noisy machine.
"""

from __future__ import annotations

import argparse
import os
import platform
import re
import statistics
import sys
import time
from datetime import UTC, date, datetime
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))
sys.path.insert(0, str(ROOT / "bench"))

from _shared import ensure_postgres_database, record_results  # noqa: E402


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--certificates", type=int, default=1_000_000)
    parser.add_argument("--repeat", type=int, default=40)
    parser.add_argument("--db", default=str(ROOT / "bench" / "data" / "certificates-1m.sqlite3"))
    parser.add_argument("--results", default=str(ROOT / "bench" / "RESULTS.md"))
    args = parser.parse_args()

    if not os.environ.get("DATABASE_URL"):
        Path(args.db).parent.mkdir(parents=True, exist_ok=True)
        os.environ["SQLITE_PATH"] = args.db
    else:
        ensure_postgres_database(os.environ["DATABASE_URL"])
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "config.settings.base")
    os.environ.setdefault("ALLOWED_HOSTS", "testserver")
    import django

    django.setup()
    from django.core.management import call_command
    from django.db import connection
    from django.test import Client

    from certbody.accounts.models import User
    from certbody.certificates.models import Certificate
    from certbody.schemes.models import ProductCategory

    call_command("migrate", verbosity=0)
    have = Certificate.objects.count()
    if have < args.certificates:
        call_command("seed_demo", verbosity=0)
        call_command("seed_demo", certificates=args.certificates - Certificate.objects.count(), skip_demo=True)
    total = Certificate.objects.count()

    client = Client()
    client.force_login(User.objects.get(username="market"))
    pos = ProductCategory.objects.get(code="FT06")
    year = date.today().year
    cases = {
        "no filter, first page": {},
        "status = suspended": {"status": "suspended"},
        "category POS + valid": {"category": pos.pk, "status": "valid"},
        f"number prefix NFCC{year}": {"number": f"NFCC{year}"},
        f"number prefix NFCC{year - 4}B06 (old, narrow)": {"number": f"NFCC{year - 4}B06"},
        "holder, 2 characters, few holders (银行)": {"holder": "银行"},
        "holder, 2 characters, many holders (科技)": {"holder": "科技"},
        "holder, 1 character (芯)": {"holder": "芯"},
        "holder, no match": {"holder": "不存在的公司名"},
        "issued in one month": {"issued_from": f"{year - 2}-03-01", "issued_to": f"{year - 2}-03-31"},
    }

    def timed(fn, repeat):
        samples = []
        for _ in range(repeat):
            started = time.perf_counter()
            fn()
            samples.append((time.perf_counter() - started) * 1000)
        samples.sort()
        return samples

    def baseline():
        with connection.cursor() as cursor:
            cursor.execute(
                "SELECT id, number, status, holder_name, product_name, issued_on, expires_on "
                "FROM certificates_certificate ORDER BY issued_on DESC, id DESC LIMIT 26"
            )
            cursor.fetchall()

    anonymous = Client()

    def floor():
        # The framework's floor: a full request that renders a small page and reads no certificates.
        assert anonymous.get("/accounts/login/").status_code == 200

    def page(params):
        def run():
            response = client.get("/certificates/", params)
            assert response.status_code == 200, response.status_code

        return run

    def deep_page():
        # Follow "next" five times: the cursor keeps each page as cheap as the first.
        params = {}
        for _ in range(5):
            response = client.get("/certificates/", params)
            params = {"after": re.search(r"after=([^\"&]+)", response.content.decode()).group(1)}

    def p(samples, q):
        return samples[min(len(samples) - 1, round(q * (len(samples) - 1)))]

    for fn in [baseline, page({})]:
        timed(fn, 5)  # warm caches
    base = timed(baseline, args.repeat * 5)
    floor_samples = timed(floor, args.repeat)
    rows = []
    for name, params in cases.items():
        s = timed(page(params), args.repeat)
        rows.append((name, p(s, 0.5), p(s, 0.95)))
    s = timed(deep_page, max(5, args.repeat // 5))
    rows.append(("five pages deep (per page)", p(s, 0.5) / 5, p(s, 0.95) / 5))

    vendor = connection.vendor
    machine = f"{platform.node()}, {os.cpu_count()} cores, Python {platform.python_version()}"
    stamp = datetime.now(UTC).strftime("%Y-%m-%d %H:%M UTC")
    base_p50 = statistics.median(base)
    floor_p50 = statistics.median(floor_samples)
    lines = [
        f"### Staff certificate list, {vendor}, {total:,} certificates — {stamp}",
        "",
        f"Machine: {machine}. Baselines in the same run: the bare indexed page query, p50 {base_p50:.2f} ms; "
        f"a full request for the small login page (framework floor), p50 {floor_p50:.1f} ms.",
        "",
        "| request | p50 ms | p95 ms | p95 / framework floor |",
        "| --- | ---: | ---: | ---: |",
    ]
    lines += [f"| {n} | {a:.1f} | {b:.1f} | {b / floor_p50:.1f}x |" for n, a, b in rows]
    text = "\n".join(lines) + "\n"
    print(text)
    results = Path(args.results)
    marker = f"<!-- certificate_list:{vendor} -->"
    record_results(results, marker, text)


if __name__ == "__main__":
    main()
