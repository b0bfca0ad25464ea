"""`make audit-deps`: known vulnerabilities of the locked dependencies (requirements/dev.lock), with pip-audit.

pip-audit asks PyPI's JSON API (https://pypi.org/pypi/<name>/<version>/json) or OSV (https://api.osv.dev). Where
neither answers (a machine that reaches only a package mirror), every package would be reported "not found" and
nothing audited: this script says so and fails, rather than passing silently. Not part of .ci/run for that reason.
"""

from __future__ import annotations

import subprocess
import sys
import urllib.error
import urllib.request
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
LOCK = ROOT / "requirements" / "dev.lock"
PROBES = {
    "pypi": ("https://pypi.org/pypi/pip/24.0/json", None),
    "osv": ("https://api.osv.dev/v1/query", b'{"package": {"name": "pip", "ecosystem": "PyPI"}, "version": "24.0"}'),
}


def reachable(url: str, body: bytes | None) -> str | None:
    """None if the service answered 200; else what went wrong."""
    request = urllib.request.Request(url, data=body, headers={"Content-Type": "application/json"} if body else {})
    try:
        with urllib.request.urlopen(request, timeout=15) as response:
            return None if response.status == 200 else f"HTTP {response.status}"
    except urllib.error.HTTPError as exc:
        return f"HTTP {exc.code}"
    except OSError as exc:
        return str(getattr(exc, "reason", exc))


def main() -> int:
    failures = {}
    for service, (url, body) in PROBES.items():
        problem = reachable(url, body)
        if problem is None:
            command = [
                str(Path(sys.executable).with_name("pip-audit")),
                "-r",
                str(LOCK),
                "--strict",
                "--no-deps",  # the lock pins every package, dependencies included
                "--disable-pip",
                "--vulnerability-service",
                service,
            ]
            print(f"audit-deps: {service} answers; running {' '.join(command[1:])}", flush=True)
            return subprocess.call(command, cwd=ROOT)
        failures[service] = f"{url}: {problem}"
    print("audit-deps: no vulnerability database can be reached from this machine, so nothing was audited:")
    for service, problem in failures.items():
        print(f"  {service}: {problem}")
    print("Run `make audit-deps` where pypi.org or api.osv.dev is reachable (a developer machine, a CI runner online).")
    return 2


if __name__ == "__main__":
    sys.exit(main())
