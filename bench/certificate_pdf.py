"""Certificate PDFs: time per certificate and for 1,000, with a same-run ReportLab baseline.

    .venv/bin/python bench/certificate_pdf.py          # SQLite file under bench/data/, built on first use
    DATABASE_URL=postgres://postgres@127.0.0.1:5432/certbody_bench_pdf .venv/bin/python bench/certificate_pdf.py

Cases, all in one process on the same machine in the same run:
- baseline: ReportLab writing a one-line page (built-in Helvetica, nothing embedded);
- render: the bilingual certificate of a real version (subset CJK font embedded, QR code), bytes only;
- generate: the whole service per certificate — sign (Ed25519), render, store the file, insert the row, audit —
  for 1,000 current versions, one transaction each, as the bulk job runs them.
Target (issue 3): at most 50 ms a certificate, 1,000 certificates in under 60 s.
"""

from __future__ import annotations

import argparse
import io
import os
import platform
import statistics
import sys
import tempfile
import time
from datetime import UTC, datetime
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))
sys.path.insert(0, str(ROOT / "bench"))

from _shared import ensure_postgres_database, record_results  # noqa: E402


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--certificates", type=int, default=1000)
    parser.add_argument("--db", default=str(ROOT / "bench" / "data" / "certificate-pdf.sqlite3"))
    parser.add_argument("--results", default=str(ROOT / "bench" / "RESULTS.md"))
    args = parser.parse_args()

    if not os.environ.get("DATABASE_URL"):
        Path(args.db).parent.mkdir(parents=True, exist_ok=True)
        os.environ["SQLITE_PATH"] = args.db
    else:
        ensure_postgres_database(os.environ["DATABASE_URL"])
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "config.settings.base")
    os.environ.setdefault("MEDIA_ROOT", tempfile.mkdtemp(prefix="certbody-bench-pdf-"))
    import django

    django.setup()
    from django.core.management import call_command
    from django.db import connection
    from reportlab.pdfgen import canvas

    from certbody.certificates.documents import keys, pdf
    from certbody.certificates.documents import services as doc_svc
    from certbody.certificates.documents.selectors import current_versions
    from certbody.certificates.models import Certificate

    call_command("migrate", verbosity=0)
    if Certificate.objects.count() < args.certificates:
        call_command(
            "seed_demo", certificates=args.certificates - Certificate.objects.count(), skip_demo=True, verbosity=0
        )
    versions = list(current_versions().select_related("certificate")[: args.certificates])
    n = len(versions)

    def baseline() -> bytes:
        buffer = io.BytesIO()
        c = canvas.Canvas(buffer, invariant=1)
        c.drawString(72, 720, "NFCC2026B0100001")
        c.showPage()
        c.save()
        return buffer.getvalue()

    pdf.register_font()
    baseline()
    base = []
    for _ in range(200):
        t = time.perf_counter()
        baseline()
        base.append((time.perf_counter() - t) * 1000)

    key_id, private_key = keys.active_key()
    now = datetime.now(UTC).replace(microsecond=0)
    render = []
    for version in versions[:200]:
        payload = doc_svc.build_payload(version, version.certificate, key_id=key_id, signed_at=now)
        t = time.perf_counter()
        code = pdf.encode_signature(private_key.sign(pdf.signed_message(payload)))
        pdf.render_pdf(payload, key_id, code, doc_svc.public_url())
        render.append((time.perf_counter() - t) * 1000)

    each = []
    start = time.perf_counter()
    for version in versions:
        t = time.perf_counter()
        doc_svc.document_generate(actor=None, version=version)
        each.append((time.perf_counter() - t) * 1000)
    total = time.perf_counter() - start

    def p(samples, q):
        return statistics.quantiles(samples, n=100)[q - 1]

    vendor = connection.vendor
    cpu = platform.processor() or platform.machine()
    machine = f"{platform.node()}, {os.cpu_count()} cores, {cpu}, Python {platform.python_version()}"
    stamp = datetime.now(UTC).strftime("%Y-%m-%d %H:%M UTC")
    load = ", ".join(f"{x:.1f}" for x in os.getloadavg())
    ok = statistics.mean(each) <= 50 and total < 60
    lines = [
        f"### Certificate PDF, {vendor} — {stamp}",
        "",
        f"Machine: {machine}; load average {load} (other jobs share the cores). "
        f"One process, sequential. Target: ≤ 50 ms a certificate, 1,000 in < 60 s: "
        f"{'met' if ok else 'NOT met'}.",
        "",
        "| case | n | mean ms | p50 ms | p95 ms |",
        "| --- | ---: | ---: | ---: | ---: |",
        f"| baseline: ReportLab one-line page | {len(base)} | {statistics.mean(base):.2f} | "
        f"{statistics.median(base):.2f} | {p(base, 95):.2f} |",
        f"| sign + render certificate (CJK subset, QR) | {len(render)} | {statistics.mean(render):.1f} | "
        f"{statistics.median(render):.1f} | {p(render, 95):.1f} |",
        f"| generate: sign, render, store, row, audit | {n} | {statistics.mean(each):.1f} | "
        f"{statistics.median(each):.1f} | {p(each, 95):.1f} |",
        "",
        f"{n:,} certificates generated in {total:.1f} s ({n / total:.0f} a second).",
    ]
    text = "\n".join(lines) + "\n"
    print(text)
    results = Path(args.results)
    marker = f"<!-- certificate_pdf:{vendor} -->"
    record_results(results, marker, text)


if __name__ == "__main__":
    main()
