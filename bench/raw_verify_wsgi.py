"""Baseline for bench/verify_api.py: a minimal raw-WSGI handler doing the same indexed query by number.

No framework: one persistent connection per worker (sqlite3 or psycopg), one SELECT by the unique number,
json.dumps. Served with the same gunicorn settings as the application.
    RAW_DB=/tmp/bench.sqlite3 gunicorn bench.raw_verify_wsgi:application
    RAW_DB=postgres://postgres@127.0.0.1:5432/certbody_bench gunicorn bench.raw_verify_wsgi:application
"""

from __future__ import annotations

import json
import os

DB = os.environ["RAW_DB"]
SQL = (
    "SELECT number, status, holder_name, product_name, first_issued_on, issued_on, expires_on "
    "FROM certificates_certificate WHERE number = {p}"
)
_conn = None


def _connect():
    global _conn
    if _conn is None:
        if DB.startswith("postgres"):
            import psycopg

            _conn = psycopg.connect(DB, autocommit=True)
        else:
            import sqlite3

            _conn = sqlite3.connect(DB, check_same_thread=False)
    return _conn


def application(environ, start_response):
    number = environ.get("PATH_INFO", "").rsplit("/", 1)[-1]
    conn = _connect()
    p = "%s" if DB.startswith("postgres") else "?"
    row = conn.execute(SQL.format(p=p), [number]).fetchone()
    if row is None:
        body, status = {"code": "not_found"}, "404 Not Found"
    else:
        keys = ["number", "status", "holder", "product", "first_issued_on", "issued_on", "expires_on"]
        body, status = dict(zip(keys, [str(v) for v in row], strict=True)), "200 OK"
    data = json.dumps(body, ensure_ascii=False).encode()
    start_response(status, [("Content-Type", "application/json"), ("Content-Length", str(len(data)))])
    return [data]
