"""Runs one LibreOffice conversion and makes sure nothing of it outlives its owner.

Started by `gongkai.ingest.office.convert` as `python -I -S _soffice_guard.py CONFIG CMD...`, in a
session of its own, with its standard input a pipe whose other end only the owner holds. It starts
CMD (soffice) in a new process group and waits for the first of:

- soffice exits: its group is killed all the same (soffice.bin may leave helpers), exit with its status;
- the deadline passes: the group is killed, the conversion's temp dirs removed, exit 124;
- the pipe reaches end of file, i.e. the owner is gone (exited, killed, even with SIGKILL): the group is
  killed, the conversion's temp dirs and the owner's LibreOffice profile removed, exit 125.

Standard library only, no gongkai import: it must start fast and work whatever the owner's state.
CONFIG is JSON: {"timeout": seconds, "on_timeout": [dirs], "on_orphan": [dirs]}.
"""
import json
import os
import shutil
import signal
import subprocess
import sys
import threading
import time

TIMED_OUT = 124
ORPHANED = 125


def _kill_group(pgid: int) -> None:
    try:
        os.killpg(pgid, signal.SIGKILL)
    except (ProcessLookupError, PermissionError):
        pass


def main() -> int:
    config = json.loads(sys.argv[1])
    cmd = sys.argv[2:]
    owner_gone = threading.Event()

    def watch_owner() -> None:
        try:
            while os.read(0, 4096):
                pass
        except OSError:
            pass
        owner_gone.set()

    threading.Thread(target=watch_owner, daemon=True).start()
    # Terminated by the owner (or anyone): end the conversion the same way.
    signal.signal(signal.SIGTERM, lambda *_: owner_gone.set())
    signal.signal(signal.SIGHUP, lambda *_: owner_gone.set())
    try:
        child = subprocess.Popen(cmd, stdin=subprocess.DEVNULL, process_group=0)
    except OSError as e:
        print(f"cannot start {cmd[0]}: {e}", file=sys.stderr)
        return 127
    deadline = time.monotonic() + float(config["timeout"])
    status = None
    while status is None and not owner_gone.is_set() and time.monotonic() < deadline:
        try:
            status = child.wait(timeout=0.05)
        except subprocess.TimeoutExpired:
            pass
    _kill_group(child.pid)
    child.wait()
    if status is not None:
        return status if status >= 0 else 128 - status
    remove = list(config.get("on_timeout", []))
    if owner_gone.is_set():
        remove += config.get("on_orphan", [])
    for path in remove:
        shutil.rmtree(path, ignore_errors=True)
    return ORPHANED if owner_gone.is_set() else TIMED_OUT


if __name__ == "__main__":
    sys.exit(main())
