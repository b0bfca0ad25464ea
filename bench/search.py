"""Public registry search at a million certificates: server time of the JSON search, with same-run baselines.

    .venv/bin/python bench/search.py --db /tmp/bench.sqlite3
    DATABASE_URL=postgres://postgres@127.0.0.1:5432/certbody_bench .venv/bin/python bench/search.py

Each case is a full request to `GET /api/v1/public/certificates?...` through Django's test client, in process
(middleware, ninja, the search in certbody/certificates/search.py, JSON): "server time". The baseline is the
bare indexed first page (newest 21 certificates) on the same connection in the same run. The rate limit is
turned off for the run. The database must already be migrated (the search indexes) and hold the certificates.
Targets: terms of 3+ characters p95 ≤ 10 ms; 2-character terms correct and first page ≤ 20 ms.
"""

from __future__ import annotations

import argparse
import os
import platform
import statistics
import sys
import time
from datetime import UTC, datetime
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))
sys.path.insert(0, str(ROOT / "bench"))

from _shared import record_results  # noqa: E402

CASES = {
    "3+ chars, holder, common (金融科技)": ("q", "金融科技"),
    "3+ chars, product, common (客户端)": ("q", "客户端"),
    "3+ chars, holder+city, narrow (重庆银信)": ("q", "重庆银信"),
    "3+ chars, product, narrow (可穿戴支付载体)": ("product", "可穿戴支付载体"),
    "3+ chars, manufacturer (支付技术)": ("manufacturer", "支付技术"),
    "3+ chars, no match (不存在的公司)": ("q", "不存在的公司"),
    "3+ chars, English (Tech)": ("q", "Technology"),
    "2 chars, common (银行)": ("q", "银行"),
    "2 chars, holder (汇智)": ("holder", "汇智"),
    "2 chars, product (芯片)": ("product", "芯片"),
    "1 char (卡)": ("q", "卡"),
    "number prefix": ("number", None),
    "3+ chars + status suspended (金融科技)": ("q+status", "金融科技"),
}


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--db", default="/tmp/bench.sqlite3")
    parser.add_argument("--repeat", type=int, default=60)
    parser.add_argument("--results", default=str(ROOT / "bench" / "RESULTS.md"))
    args = parser.parse_args()
    if not os.environ.get("DATABASE_URL"):
        os.environ["SQLITE_PATH"] = args.db
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "config.settings.base")
    os.environ["PUBLIC_RATE_LIMIT"] = "0"
    import django

    django.setup()
    from django.db import connection
    from django.test import Client

    from certbody.certificates.models import Certificate

    total = Certificate.objects.order_by("-id").values_list("id", flat=True).first() or 0
    some_number = Certificate.objects.order_by("-issued_on", "-id").values_list("number", flat=True).first()
    client = Client()

    def request(params):
        def run():
            response = client.get("/api/v1/public/certificates", params)
            assert response.status_code == 200, (response.status_code, response.content[:300])
            return response.json()

        return run

    def baseline():
        with connection.cursor() as cursor:
            cursor.execute(
                "SELECT id, number, status, holder_name, product_name, issued_on, expires_on "
                "FROM certificates_certificate ORDER BY issued_on DESC, id DESC LIMIT 21"
            )
            cursor.fetchall()

    def timed(fn, repeat):
        samples = []
        for _ in range(repeat):
            started = time.perf_counter()
            fn()
            samples.append((time.perf_counter() - started) * 1000)
        samples.sort()
        return samples

    def p(samples, q):
        return samples[min(len(samples) - 1, round(q * (len(samples) - 1)))]

    timed(baseline, 5)
    base = timed(baseline, args.repeat * 5)
    rows = []
    for name, (field, term) in CASES.items():
        if field == "number":
            params = {"number": some_number[:-3]}
        elif field == "q+status":
            params = {"q": term, "status": "suspended"}
        else:
            params = {field: term}
        run = request(params)
        first = run()  # warm, and check what the first page holds
        items = first["items"]
        check_field = {"q": None, "holder": "holder", "product": "product"}.get(field)
        if check_field and term:
            assert all(term in item[check_field] for item in items), name
        s = timed(run, args.repeat)
        rows.append((name, len(items), "yes" if first["next_cursor"] else "no", p(s, 0.5), p(s, 0.95)))

    vendor = connection.vendor
    machine = f"{platform.node()}, {os.cpu_count()} cores, Python {platform.python_version()}"
    stamp = datetime.now(UTC).strftime("%Y-%m-%d %H:%M UTC")
    load = os.getloadavg()[0]
    lines = [
        f"### Public registry search, {vendor}, ~{total:,} certificates — {stamp}",
        "",
        f"Machine: {machine}, load average {load:.1f} at the end. Full JSON requests in process (test client), "
        f"{args.repeat} each. Baseline in the same run: the bare indexed first page query, p50 "
        f"{statistics.median(base):.2f} ms. Targets: 3+ characters p95 ≤ 10 ms; 2 characters first page ≤ 20 ms.",
        "",
        "| search | rows on page 1 | more | p50 ms | p95 ms |",
        "| --- | ---: | --- | ---: | ---: |",
    ]
    lines += [f"| {n} | {k} | {m} | {a:.1f} | {b:.1f} |" for n, k, m, a, b in rows]
    text = "\n".join(lines) + "\n"
    print(text)
    results = Path(args.results)
    marker = f"<!-- search:{vendor} -->"
    record_results(results, marker, text)


if __name__ == "__main__":
    main()
