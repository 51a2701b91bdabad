"""The cyclic collector is paused only while a report is read (see gongkai/gc_pause.py): it is
running again afterwards, also after a file that could not be read, stays off for a program that
turned it off, and is shared by threads reading at once."""
from __future__ import annotations

import gc
import threading
from pathlib import Path

import pytest

from gongkai import parse_bytes
from gongkai.ingest import ReadError
from gongkai.gc_pause import collector_paused

SEED = sorted((Path(__file__).resolve().parents[2] / "shared" / "corpus" / "seeds").glob("*.txt"))[0]


@pytest.fixture(autouse=True)
def _collector_on():
    was = gc.isenabled()
    gc.enable()
    yield
    gc.enable() if was else gc.disable()


def test_paused_while_reading_and_running_after():
    seen = []
    real = gc.disable

    def spy():
        seen.append("paused")
        real()

    gc_disable, gc.disable = gc.disable, spy
    try:
        record = parse_bytes(SEED.read_bytes(), name=SEED.name)
    finally:
        gc.disable = gc_disable
    assert record.requests and seen  # the text was read with the collector paused …
    assert gc.isenabled()  # … and it runs again


def test_running_again_after_a_file_that_cannot_be_read():
    with pytest.raises(ReadError):
        parse_bytes(b"\x00\x01binary", name="x.txt")
    with pytest.raises(ReadError):
        parse_bytes("只是一段文字，没有年度报告。\n".encode(), name="note.txt")
    assert gc.isenabled()


def test_a_program_that_turned_it_off_keeps_it_off():
    gc.disable()
    parse_bytes(SEED.read_bytes(), name=SEED.name)
    assert not gc.isenabled()


def test_threads_share_one_pause():
    first_in, second_in, first_out = threading.Event(), threading.Event(), threading.Event()
    seen = {}

    def first():
        with collector_paused():
            first_in.set()
            second_in.wait(5)
        first_out.set()

    def second():
        first_in.wait(5)
        with collector_paused():
            second_in.set()
            first_out.wait(5)
            seen["after the first left"] = gc.isenabled()  # still paused for this thread
        seen["after both left"] = gc.isenabled()

    threads = [threading.Thread(target=first), threading.Thread(target=second)]
    for t in threads:
        t.start()
    for t in threads:
        t.join(10)
    assert seen == {"after the first left": False, "after both left": True}
