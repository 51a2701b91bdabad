"""The README's console examples are the real output of their commands (scripts/readme_examples.py
runs them): a change in what a command prints shows here until the README is regenerated."""
from __future__ import annotations

import subprocess
import sys
from pathlib import Path

REPO = Path(__file__).resolve().parents[1]


def test_readme_examples_are_current():
    done = subprocess.run([sys.executable, str(REPO / "scripts" / "readme_examples.py"), "--check"],
                          capture_output=True, text=True, timeout=900)
    assert done.returncode == 0, done.stdout[-4000:] + done.stderr[-2000:]
