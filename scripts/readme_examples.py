#!/usr/bin/env python3
"""Run the commands of the README's console examples and write their real output back.

A ```console block preceded by a line `<!-- run -->` (or `<!-- run: SETUP -->`, a shell line run
first and not shown) is generated: each `$ command` line runs in bash, in a scratch copy of the
checkout's layout (the checkout's `examples/` and `../shared` beside it, so the README's relative
paths work), and the lines up to the next command are replaced by what it printed (stdout and
stderr, in order). Blocks without the marker are left alone.

    python scripts/readme_examples.py          # rewrite README.md
    python scripts/readme_examples.py --check  # exit 1 when README.md is not current

Figures that change from run to run (seconds, files per second) are compared as `N` by --check.
"""
from __future__ import annotations

import argparse
import os
import re
import subprocess
import sys
import tempfile
from pathlib import Path

REPO = Path(__file__).resolve().parents[1]
README = REPO / "README.md"
MARK = re.compile(r"^<!-- run(?::\s*(?P<setup>.*?))?\s*-->$")
SEPARATOR = "@@gongkai-readme-command-done@@"
# timings vary between runs: compare them as a placeholder
VOLATILE = re.compile(r"\d+(?:\.\d+)?(?= ?(?:秒|个文件/秒|s\b|files/s))")


def run_block(commands: list[str], setup: str, cwd: Path) -> list[list[str]]:
    """The output lines of each command, run one after another in one bash (so `$?` works)."""
    script = [setup] if setup else []
    for command in commands:
        script.append(f"{command}\n__rc=$?; echo {SEPARATOR}; (exit $__rc)")
    env = dict(os.environ)
    env.pop("GONGKAI_LANG", None)
    env.update(PATH=f"{REPO / '.venv' / 'bin'}{os.pathsep}{env.get('PATH', '')}", COLUMNS="80", NO_COLOR="1",
               LANG="C.UTF-8")
    done = subprocess.run(["bash", "-c", "exec 2>&1\n" + "\n".join(script)], cwd=cwd, env=env,
                          capture_output=True, text=True, timeout=900)
    parts = done.stdout.split(SEPARATOR + "\n")
    if len(parts) != len(commands) + 1:
        raise SystemExit(f"readme_examples: a block stopped early:\n{done.stdout}")
    return [p.rstrip("\n").split("\n") if p.strip() else [] for p in parts[:-1]]


def scratch() -> tuple[tempfile.TemporaryDirectory, Path]:
    """A folder laid out like the checkout: examples/ inside, ../shared beside it."""
    tmp = tempfile.TemporaryDirectory(prefix="gongkai-readme-")
    root = Path(tmp.name) / "checkout"
    root.mkdir()
    (root / "examples").symlink_to(REPO / "examples")
    (Path(tmp.name) / "shared").symlink_to((REPO.parent / "shared").resolve())
    return tmp, root


def generate(text: str) -> str:
    lines = text.split("\n")
    out: list[str] = []
    i = 0
    tmp, cwd = scratch()
    with tmp:
        while i < len(lines):
            line = lines[i]
            out.append(line)
            mark = MARK.match(line.strip())
            i += 1
            if not mark:
                continue
            if not lines[i].strip().startswith("```console"):
                raise SystemExit(f"readme_examples: line {i}: `<!-- run -->` must precede a ```console block")
            indent = lines[i][: len(lines[i]) - len(lines[i].lstrip())]
            out.append(lines[i])
            i += 1
            commands = []
            while not lines[i].strip().startswith("```"):
                if lines[i].strip().startswith("$ "):
                    commands.append(lines[i].strip()[2:])
                i += 1
            outputs = run_block(commands, mark.group("setup") or "", cwd)
            for command, output in zip(commands, outputs):
                out.append(f"{indent}$ {command}")
                out.extend(f"{indent}{o}".rstrip() for o in output)
    return "\n".join(out)


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--check", action="store_true", help="exit 1 when README.md is not current")
    args = parser.parse_args()
    current = README.read_text(encoding="utf-8")
    fresh = generate(current)
    if args.check:
        if VOLATILE.sub("N", fresh) != VOLATILE.sub("N", current):
            import difflib

            sys.stdout.writelines(difflib.unified_diff(current.splitlines(True), fresh.splitlines(True),
                                                       "README.md", "generated"))
            print("README.md is not current: run python scripts/readme_examples.py", file=sys.stderr)
            return 1
        return 0
    if fresh != current:
        README.write_text(fresh, encoding="utf-8")
    return 0


if __name__ == "__main__":
    sys.exit(main())
