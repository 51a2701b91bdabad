"""`gongkai parse` as a user runs it: formats, bad input, exit codes."""
from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

import pytest

from gongkai import parse
from gongkai.ingest import ReadError
from conftest import REPO, SEEDS

pytestmark = pytest.mark.usefixtures("english")  # reasons are matched in English

EXAMPLE = REPO / "examples" / "jingan-hrss-2023.txt"


def run(*args: str, stdin: str | None = None) -> subprocess.CompletedProcess:
    exe = Path(sys.executable).with_name("gongkai")
    return subprocess.run([str(exe), *args], capture_output=True, text=True, input=stdin, timeout=120,
                          env={**os.environ, "COLUMNS": "160", "GONGKAI_LANG": ""})


def test_jsonl_one_record_per_line_in_input_order(corpus_present):
    r = run("parse", "--format", "jsonl", *map(str, SEEDS))
    assert r.returncode == 0, r.stderr
    lines = r.stdout.splitlines()
    assert [json.loads(l)["source"]["path"] for l in lines] == [str(p) for p in SEEDS]


def test_json_single_object_and_array():
    one = json.loads(run("parse", "--format", "json", str(EXAMPLE)).stdout)
    assert one["schema"] == "gongkai.report/1" and one["requests"]["total"]["total"] == 17
    many = json.loads(run("parse", "--format", "json", str(EXAMPLE), str(EXAMPLE)).stdout)
    assert isinstance(many, list) and len(many) == 2


def test_table_format_shows_the_template_tables():
    r = run("parse", "--format", "table", str(EXAMPLE))
    assert r.returncode == 0
    for words in ("上海市静安区人力资源和社会保障局", "三、收到和处理政府信息公开申请情况", "自然人", "行政复议"):
        assert words in r.stdout


def test_bad_files_are_named_and_the_good_still_come_out(tmp_path):
    empty = tmp_path / "empty.txt"
    empty.write_bytes(b"")
    junk = tmp_path / "junk.bin"
    junk.write_bytes(bytes(range(256)) * 20)
    prose = tmp_path / "prose.txt"
    prose.write_text("今天天气很好。这是一段与年报无关的文字。\n", encoding="utf-8")
    missing = tmp_path / "missing.txt"
    r = run("parse", "--lang", "en", "--format", "jsonl", str(empty), str(junk), str(EXAMPLE), str(prose), str(missing))
    assert r.returncode == 2
    assert len(r.stdout.splitlines()) == 1 and json.loads(r.stdout)["year"] == 2023
    err = r.stderr
    assert f"{empty}: the file is empty" in err
    assert f"{junk}: binary data" in err
    assert f"{prose}: no annual report found in it" in err
    assert f"{missing}: no such file" in err
    assert "Traceback" not in err
    chinese = run("parse", str(missing), str(prose)).stderr  # Chinese by default
    assert f"{missing}: 文件不存在" in chinese and f"{prose}: 文件中未发现年度报告" in chinese


def test_python_api_accepts_path_bytes_and_text():
    by_path = parse(EXAMPLE)
    by_bytes = parse(EXAMPLE.read_bytes(), name="x.txt")
    by_text = parse(EXAMPLE.read_text(encoding="utf-8"))
    assert by_path.requests == by_bytes.requests == by_text.requests
    assert by_path.source.path == str(EXAMPLE) and by_bytes.source.path == "x.txt"
    assert by_path.source.sha256 == by_bytes.source.sha256
    assert by_path.source.media_type == "text/plain"


def test_api_raises_read_error_for_non_reports():
    with pytest.raises(ReadError, match="empty") as empty:
        parse(b"")
    assert empty.value.localized("zh") == "文件为空"
    with pytest.raises(ReadError, match="no annual report"):
        parse("一段文字。\n没有表格。")


def test_gb18030_text_reads_like_utf8():
    text = EXAMPLE.read_text(encoding="utf-8")
    assert parse(text.encode("gb18030")).requests == parse(EXAMPLE).requests


def test_help_lists_commands():
    r = run("--help")
    assert r.returncode == 0 and "parse" in r.stdout
