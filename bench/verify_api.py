"""Public verification API by number under the production setup, against a raw-WSGI baseline in the same run.

    .venv/bin/python bench/verify_api.py --db /tmp/bench.sqlite3
    DATABASE_URL=postgres://postgres@127.0.0.1:5432/certbody_bench .venv/bin/python bench/verify_api.py

Both servers: gunicorn, sync workers = cores, on loopback; the application with config.settings.prod
(SECRET_KEY and ALLOWED_HOSTS from the environment, SECURE_SSL_REDIRECT=0, rate limit on but high enough not to
refuse the load generator's single IP, verification counting on). Load: wrk, 32 connections, --duration seconds a
run, random numbers from the database (a Lua script). The runs alternate raw / app, `--rounds` times; the best
round of each is reported beside the other. The database must already be migrated and hold the certificates.
"""

from __future__ import annotations

import argparse
import os
import platform
import random
import re
import secrets
import signal
import sqlite3
import subprocess
import sys
import tempfile
import time
import urllib.request
from datetime import UTC, datetime
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT / "bench"))

from _shared import record_results  # noqa: E402

GUNICORN = str(ROOT / ".venv" / "bin" / "gunicorn")


def sample_numbers(n: int, db: str | None) -> list[str]:
    url = os.environ.get("DATABASE_URL")
    if url:
        import psycopg

        with psycopg.connect(url) as conn:
            rows = conn.execute(
                "SELECT number FROM certificates_certificate TABLESAMPLE SYSTEM (1) LIMIT %s", [n]
            ).fetchall()
    else:
        with sqlite3.connect(db) as conn:
            top = conn.execute("SELECT max(id) FROM certificates_certificate").fetchone()[0]
            ids = random.Random(1).sample(range(1, top + 1), n)
            rows = conn.execute(
                f"SELECT number FROM certificates_certificate WHERE id IN ({','.join('?' * len(ids))})", ids
            ).fetchall()
    return [r[0] for r in rows]


def lua_script(numbers: list[str], prefix: str) -> str:
    items = ",".join(f'"{n}"' for n in numbers)
    return (
        f"local numbers = {{{items}}}\n"
        "math.randomseed(42)\n"
        "request = function()\n"
        f'  return wrk.format("GET", "{prefix}" .. numbers[math.random(#numbers)])\n'
        "end\n"
    )


def start(cmd: list[str], env: dict[str, str], port: int, probe: str) -> subprocess.Popen:
    # The server's log goes to a file: an unread pipe fills up and then blocks the workers mid-run.
    log = tempfile.TemporaryFile()  # noqa: SIM115 - open for the life of the server process
    proc = subprocess.Popen(cmd, env=env, cwd=ROOT, stdout=subprocess.DEVNULL, stderr=log,
                            start_new_session=True)  # fmt: skip
    for _ in range(200):
        try:
            urllib.request.urlopen(f"http://127.0.0.1:{port}{probe}", timeout=1).read()
            return proc
        except Exception:
            if proc.poll() is not None:
                log.seek(0)
                raise RuntimeError(log.read().decode()[-2000:]) from None
            time.sleep(0.1)
    stop(proc)
    raise RuntimeError("server did not start")


def stop(proc: subprocess.Popen) -> None:
    if proc.poll() is None:
        os.killpg(proc.pid, signal.SIGTERM)
        try:
            proc.wait(timeout=10)
        except subprocess.TimeoutExpired:
            os.killpg(proc.pid, signal.SIGKILL)
            proc.wait()


def wrk(port: int, script: str, duration: int) -> tuple[float, float, float, int]:
    out = subprocess.run(
        ["wrk", "-t2", "-c32", f"-d{duration}s", "--latency", "-s", script, f"http://127.0.0.1:{port}"],
        capture_output=True, text=True, check=True,
    ).stdout  # fmt: skip
    rps = float(re.search(r"Requests/sec:\s+([\d.]+)", out).group(1))

    def pct(label: str) -> float:
        m = re.search(rf"{label}%\s+([\d.]+)(us|ms|s)", out)
        value, unit = float(m.group(1)), m.group(2)
        return value / 1000 if unit == "us" else value * 1000 if unit == "s" else value

    non2xx = re.search(r"Non-2xx or 3xx responses:\s+(\d+)", out)
    return rps, pct("50"), pct("99"), int(non2xx.group(1)) if non2xx else 0


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--db", default="/tmp/bench.sqlite3")
    parser.add_argument("--duration", type=int, default=10)
    parser.add_argument("--rounds", type=int, default=2)
    parser.add_argument("--workers", type=int, default=os.cpu_count() or 2)
    parser.add_argument("--results", default=str(ROOT / "bench" / "RESULTS.md"))
    args = parser.parse_args()

    url = os.environ.get("DATABASE_URL", "")
    vendor = "postgresql" if url else "sqlite"
    numbers = sample_numbers(2000, args.db)
    base_env = {k: v for k, v in os.environ.items() if k not in ("DJANGO_SETTINGS_MODULE",)}
    app_env = {
        **base_env,
        "DJANGO_SETTINGS_MODULE": "config.settings.prod",
        "SECRET_KEY": secrets.token_urlsafe(60),
        "ALLOWED_HOSTS": "127.0.0.1,localhost",
        "SECURE_SSL_REDIRECT": "0",
        "PUBLIC_RATE_LIMIT": "100000000",
        "LOG_LEVEL": "WARNING",
    }
    if not url:
        app_env["SQLITE_PATH"] = args.db
    raw_env = {**base_env, "RAW_DB": url or args.db}
    common = ["-w", str(args.workers), "--worker-class", "sync", "--backlog", "2048"]
    app_port, raw_port = 8731, 8732
    with tempfile.TemporaryDirectory() as tmp:
        app_lua, raw_lua = Path(tmp, "app.lua"), Path(tmp, "raw.lua")
        app_lua.write_text(lua_script(numbers, "/api/v1/public/certificates/"))
        raw_lua.write_text(lua_script(numbers, "/raw/"))
        raw = start([GUNICORN, "bench.raw_verify_wsgi:application", "-b", f"127.0.0.1:{raw_port}", *common],
                    raw_env, raw_port, f"/raw/{numbers[0]}")  # fmt: skip
        try:
            app = start([GUNICORN, "config.wsgi:application", "-b", f"127.0.0.1:{app_port}", *common],
                        app_env, app_port, f"/api/v1/public/certificates/{numbers[0]}")  # fmt: skip
        except Exception:
            stop(raw)
            raise
        try:
            wrk(raw_port, str(raw_lua), 2)  # warm up both
            wrk(app_port, str(app_lua), 2)
            raw_runs, app_runs = [], []
            for _ in range(args.rounds):
                raw_runs.append(wrk(raw_port, str(raw_lua), args.duration))
                app_runs.append(wrk(app_port, str(app_lua), args.duration))
        finally:
            stop(app)
            stop(raw)
    ratios = [a[0] / r[0] for a, r in zip(app_runs, raw_runs, strict=True)]
    machine = f"{platform.node()}, {os.cpu_count()} cores, Python {platform.python_version()}"
    stamp = datetime.now(UTC).strftime("%Y-%m-%d %H:%M UTC")
    lines = [
        f"### Public verification API by number, {vendor} — {stamp}",
        "",
        f"Machine: {machine}. gunicorn sync, {args.workers} workers each, wrk 2 threads / 32 connections / "
        f"{args.duration} s a run, {len(numbers)} random numbers; rounds alternate baseline and app. Targets: "
        "≥ 0.6x the raw-WSGI throughput, p99 ≤ 25 ms.",
        "",
        "| round | raw-WSGI req/s | raw p50 / p99 ms | app req/s | app p50 / p99 ms | app / raw | non-2xx |",
        "| --- | ---: | ---: | ---: | ---: | ---: | ---: |",
    ]
    for i, (r, a, ratio) in enumerate(zip(raw_runs, app_runs, ratios, strict=True), 1):
        lines.append(
            f"| {i} | {r[0]:,.0f} | {r[1]:.1f} / {r[2]:.1f} | {a[0]:,.0f} | {a[1]:.1f} / {a[2]:.1f} "
            f"| {ratio:.2f}x | {a[3] + r[3]} |"
        )
    text = "\n".join(lines) + "\n"
    print(text)
    record_results(Path(args.results), f"<!-- verify_api:{vendor} -->", text)


if __name__ == "__main__":
    sys.path.insert(0, str(ROOT))
    main()
