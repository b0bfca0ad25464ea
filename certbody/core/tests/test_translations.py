"""Chinese is the default language: every user-facing string needs a translation."""

import subprocess
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parents[3]


def test_every_message_has_a_chinese_translation_with_the_same_placeholders():
    result = subprocess.run(
        [sys.executable, str(ROOT / "scripts" / "messages.py"), "check"], capture_output=True, text=True, cwd=ROOT
    )
    assert result.returncode == 0, result.stdout[-4000:] + result.stderr[-2000:]
