"""A store read by a long-running process (the web server) while ingests write it.

DuckDB allows one process to open a file for writing or many to open it read-only, never both
(see writer.py). So a server cannot keep the store open for good: an ingest could never commit.
Instead the server keeps one read-only connection while nobody wants to write, and lets go when a
writer announces itself in `<store>.writer`: requests in flight finish, new ones wait (at most
`wait` seconds, usually the fraction of a second a commit takes), a watcher thread closes the
idle connection, the writer commits and closes, and the next request opens the store again and
sees the new reports. No restart, no copy of the store; reads see whole batches only.

`version()` changes whenever the file changes (a commit, a checkpoint): caches keyed on it stay
correct across ingests. It counts the times the store was opened too: a writer, whatever it
wrote, gets in only while no reader holds the file, so every write is followed by an opening.
"""
from __future__ import annotations

import os
import threading
import time
from contextlib import contextmanager
from typing import Iterator, Optional

from .writer import DEFAULT_WAIT, Store, announce_reader, writer_waiting

WATCH_INTERVAL = 0.05


class LiveStore:
    def __init__(self, path: str | os.PathLike, *, wait: float = DEFAULT_WAIT):
        self.path = str(path)
        self.wait = wait
        self._store: Optional[Store] = None
        self._users = 0
        self._cond = threading.Condition()
        self._closed = False
        self._watcher: Optional[threading.Thread] = None
        self._openings = 0  # part of version(): a writer gets in only between two openings
        with self.reading():  # fail now if it is no store (StoreError)
            pass

    def version(self) -> tuple:
        """Changes whenever the store's file (or its write-ahead log) changes (a few microseconds:
        no query)."""
        out: list = [self._openings]
        for p in (self.path, self.path + ".wal"):
            try:
                st = os.stat(p)
                out.append((st.st_mtime_ns, st.st_size))
            except OSError:
                out.append(None)
        return tuple(out)

    @contextmanager
    def reading(self) -> Iterator[Store]:
        """The open read-only store, for one request."""
        with self._cond:
            deadline = time.monotonic() + self.wait
            # a writer that announced itself goes first
            while writer_waiting(self.path) is not None and time.monotonic() < deadline:
                if self._users == 0:
                    self._close_store()
                if self._store is None:
                    announce_reader(self.path)  # a writer holding the store lets go after its commit
                self._cond.wait(WATCH_INTERVAL)
            if self._store is None:
                self._store = Store(self.path, read_only=True, wait=max(0.0, deadline - time.monotonic()))
                self._openings += 1
                self._watch()
            self._users += 1
            store = self._store
        try:
            yield store
        finally:
            with self._cond:
                self._users -= 1
                if self._users == 0 and writer_waiting(self.path) is not None:
                    self._close_store()
                self._cond.notify_all()

    def _close_store(self) -> None:
        if self._store is not None:
            self._store.close()
            self._store = None

    def _watch(self) -> None:
        if self._watcher is not None and self._watcher.is_alive():
            return

        def run() -> None:
            # an idle server must let a writer in too: close the connection when one announces itself
            while not self._closed:
                time.sleep(WATCH_INTERVAL)
                if writer_waiting(self.path) is None:
                    continue
                with self._cond:
                    if self._users == 0:
                        self._close_store()
                    if self._store is None:
                        return  # the next request opens the store again (and restarts the watch)

        self._watcher = threading.Thread(target=run, name="gongkai-store-watch", daemon=True)
        self._watcher.start()

    def close(self) -> None:
        with self._cond:
            self._closed = True
            self._close_store()
