"""Python's cyclic garbage collector paused while one report is read.

Reading a report makes some ten thousand small objects (cells, atoms, groups, cell sources), keeps
a few hundred and frees the rest, and none of them form reference cycles: reference counting
frees them all. The cyclic collector, which runs after every 700 objects made, walks them again
and again for nothing: 6–7 % of a text report's parse on this project's benchmark
(benchmarks/bench_parse.py). So the collector is paused for the span of one bounded step (a text
or HTML file's reading, one record's extraction) and resumed after, as it was;
any cycle made meanwhile is collected by the next run. Threads reading reports at once share one
pause: the collector resumes when the last of them is done.
"""
from __future__ import annotations

import gc
import threading
from contextlib import contextmanager
from typing import Iterator

_lock = threading.Lock()
_depth = 0  # steps running with the collector paused
_resume = False  # whether the collector was on when the first of them paused it


@contextmanager
def collector_paused() -> Iterator[None]:
    global _depth, _resume
    with _lock:
        if _depth == 0:
            _resume = gc.isenabled()
            gc.disable()
        _depth += 1
    try:
        yield
    finally:
        with _lock:
            _depth -= 1
            if _depth == 0 and _resume:
                gc.enable()
