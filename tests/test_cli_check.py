"""`gongkai check` and `gongkai rules` as a linter: Chinese by default and English on request,
typos refused with the nearest ids, folders and standard input, statistics, configuration, exit
statuses; and every command's help in the reader's language."""
from __future__ import annotations

import ast
import json
import os
import re
import subprocess
import sys
from pathlib import Path

import click
import pytest
from click.testing import CliRunner
from rich.cells import cell_len

from conftest import CORPUS, REPO, SEEDS
from gongkai import parse
from gongkai.checks import REGISTRY
from gongkai.checks.registry import catalogue
from gongkai.cli import main
from gongkai.cli_base import Command, Group, load_config
from gongkai.extraction_rules import EXTRACTION_RULES
from gongkai.i18n import use_language

SEED = SEEDS[0]  # 000: pipe layout
HONGZE = CORPUS / "real" / "hongze-district-2023-pdf" / "source.pdf"
BLANK = CORPUS / "real" / "template-2021-blank-docx" / "source.docx"
GRANTED = "(一)予以公开 | 2 | 0"
CJK = re.compile(r"[\u4e00-\u9fff]")


@pytest.fixture
def changed(tmp_path) -> Path:
    """Seed 000 with one number changed: （一）予以公开 × 自然人 2 -> 3."""
    text = SEED.read_text(encoding="utf-8")
    assert text.count(GRANTED) == 1
    path = tmp_path / "changed.txt"
    path.write_text(text.replace(GRANTED, "(一)予以公开 | 3 | 0"), encoding="utf-8")
    return path


def invoke(*args: str, lang: str = "", stdin: str | None = None, **kw):
    """The CLI in-process, with the language given by GONGKAI_LANG ('' = the default)."""
    runner = CliRunner(env={"GONGKAI_LANG": lang, "NO_COLOR": "1"})
    return runner.invoke(main, list(args), input=stdin, **kw)


def gongkai(*args: str, cwd: Path | None = None, env: dict | None = None, stdin: bytes | None = None):
    exe = Path(sys.executable).with_name("gongkai")
    return subprocess.run([str(exe), *args], capture_output=True, input=stdin, timeout=120, cwd=cwd,
                          env={**os.environ, "GONGKAI_LANG": "", **(env or {})})


# --- languages ---------------------------------------------------------------------------------
def test_text_output_chinese_by_default_english_on_request(changed):
    zh = invoke("check", str(changed))
    assert zh.exit_code == 1, zh.output
    assert "错误（2）" in zh.stdout and "警告（1）" in zh.stdout
    assert "GK101 requests-row-sum  表三 （一）予以公开 行 × 总计 列" in zh.stdout
    assert "第 40 行：" in zh.stdout and "2021年版模板" in zh.stdout
    for en in (invoke("check", str(changed), lang="en"), invoke("--lang", "en", "check", str(changed)),
               invoke("check", "--lang", "en", str(changed))):
        assert en.exit_code == 1
        assert "errors (2)" in en.stdout and "table 三, row （一）予以公开, column 总计" in en.stdout
        assert "line 40:" in en.stdout and "template 2021" in en.stdout
        assert not {"错误（", "第 40 行"} & set(re.findall(r"错误（|第 40 行", en.stdout))


def test_jsonl_messages_follow_the_language(changed):
    """Every converted message and every evidence in jsonl: Chinese by default, English with
    GONGKAI_LANG=en — the same text the finding's Message renders in each language."""
    with use_language("zh"):
        record = parse(changed)
    expected = {(f.rule, f.where): f for f in record.findings}
    runs = {lang: [json.loads(line) for line in invoke("check", "--format", "jsonl", str(changed), lang=lang)
                   .stdout.splitlines()] for lang in ("", "en")}
    assert {(x["rule"], x["where"]) for x in runs[""]} == {("GK101", "requests.granted.total"),
                                                           ("GK102", "requests.total.natural_person"),
                                                           ("GK104", "requests.granted.natural_person")}
    for lang, lines in runs.items():
        for x in lines:
            f = expected[x["rule"], x["where"]]
            for key in ("message", "evidence"):
                text = f.text(key)
                if text is not None:
                    assert x[key] == text.render(lang or "zh"), (lang, key, x)
            assert (CJK.sub("", x["evidence"]) != x["evidence"]) == (lang == ""), x["evidence"]
    assert runs[""][0]["evidence"] == "第 40 行第 47 字：“2”" and runs["en"][0]["evidence"] == 'line 40, col 47: "2"'


def test_click_words_and_errors_in_chinese():
    r = invoke("chek")
    assert r.exit_code == 2 and "错误：没有命令 'chek'" in r.output and "用法：" in r.output
    r = invoke("check", "--format", "xml", str(SEED))
    assert r.exit_code == 2 and "'--format' 的取值无效" in r.output
    assert "Invalid value for '--format'" in invoke("check", "--format", "xml", str(SEED), lang="en").output


def _all_commands(group, prefix=()):
    for name, cmd in sorted(group.commands.items()):
        yield prefix + (name,), cmd
        if isinstance(cmd, click.Group):
            yield from _all_commands(cmd, prefix + (name,))


@pytest.mark.parametrize("names", [n for n, _ in _all_commands(main)], ids=" ".join)
def test_every_command_is_localized(names):
    """Every command and subcommand (other helpers' new ones too) is a cli_base.Command (groups a
    cli_base.Group) with --lang, and its help is Chinese by default, English with --lang en, and fits
    100 columns of a terminal."""
    cmd = dict(_all_commands(main))[names]
    assert isinstance(cmd, Group if isinstance(cmd, click.Group) else Command)
    assert any("--lang" in p.opts for p in cmd.params)
    zh, en = invoke(*names, "--help").output, invoke(*names, "--help", "--lang", "en").output
    assert zh.startswith("用法：") and "选项：" in zh and "显示本帮助并退出。" in zh and CJK.search(zh.split("\n")[2])
    assert en.startswith("Usage:") and "Show this message and exit." in en and "显示" not in en
    assert max(cell_len(line) for line in zh.splitlines()) <= 100, zh


def test_main_help_lists_commands_in_chinese():
    r = invoke("--help")
    assert r.exit_code == 0 and "命令：" in r.output
    assert re.search(r"^  check +检查年度报告", r.output, re.M)


# --- a linter's conventions --------------------------------------------------------------------
def test_select_typo_exits_2_with_the_nearest_rule():
    r = gongkai("check", "--select", "GK1O1", str(SEED))
    assert r.returncode == 2
    err = r.stderr.decode()
    assert "'GK1O1' 不是任何规则" in err and "GK101" in err and r.stdout == b""
    r = invoke("check", "--ignore", "row-not-fond", str(SEED), lang="en")
    assert r.exit_code == 2 and "did you mean row-not-found" in r.stderr


def test_rules_unknown_exits_2():
    r = invoke("rules", "GK9999")
    assert r.exit_code == 2 and "GK9999" in r.stderr and "GK9" in r.stderr


def test_extraction_findings_are_listed_and_selectable():
    data = json.loads(invoke("rules", "--format", "json").stdout)
    codes = [d["code"] for d in data]
    assert codes[:len(REGISTRY)] == sorted(REGISTRY)
    assert {"row-not-found", "unreadable-cell", "split-ambiguous", "year-not-found"} <= set(codes)
    assert all(d["origin"] == "extraction" for d in data if d["code"] in {r.code for r in EXTRACTION_RULES})
    text = invoke("rules").stdout
    assert re.search(r"^row-not-found +警告 +读取 +未找到法定表格中的某一行$", text, re.M)
    r = invoke("check", "--format", "jsonl", "--select", "year-not-found", str(BLANK))
    assert {json.loads(x)["rule"] for x in r.stdout.splitlines()} == {"year-not-found"}
    r = invoke("check", "--format", "jsonl", "--ignore", "year-not-found,template-unknown", str(BLANK))
    assert not {"year-not-found", "template-unknown"} & {json.loads(x)["rule"] for x in r.stdout.splitlines()}


def _ids_in(package: Path) -> set[str]:
    """Rule ids the extraction code gives its findings: the first argument of `finding(...)` and
    `_missing(...)` calls, and `rule=` of `Finding(...)`, where they are literals."""
    found: set[str] = set()
    for path in package.rglob("*.py"):
        for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
            if isinstance(node, ast.Assign) and any(getattr(t, "id", None) == "rule" for t in node.targets):
                value = node.value  # rule = "split-ambiguous", passed on later
                if isinstance(value, ast.Constant) and isinstance(value.value, str):
                    found.add(value.value)
            if not isinstance(node, ast.Call):
                continue
            name = node.func.attr if isinstance(node.func, ast.Attribute) else getattr(node.func, "id", "")
            args = [a for a in node.args[:1] if name in ("finding", "_missing")]
            args += [k.value for k in node.keywords if k.arg == "rule"]
            found |= {a.value for a in args if isinstance(a, ast.Constant) and isinstance(a.value, str)}
    return found


def test_extraction_rules_declared_once_and_complete():
    src = REPO / "src" / "gongkai"
    used = _ids_in(src / "extract") | _ids_in(src / "ingest")
    assert used == {r.code for r in EXTRACTION_RULES}


def test_check_a_folder_skips_what_is_no_report(tmp_path, changed):
    folder = tmp_path / "reports"
    (folder / "sub").mkdir(parents=True)
    (folder / "sub" / "a.txt").write_bytes(SEED.read_bytes())
    (folder / "b.txt").write_bytes(changed.read_bytes())
    (folder / "table.csv").write_text("a,b\n1,2\n", encoding="utf-8")
    (folder / "b.gold.json").write_text("{}")
    r = invoke("check", "--format", "jsonl", str(folder))
    assert r.exit_code == 1
    assert {json.loads(x)["file"] for x in r.stdout.splitlines()} == {os.path.relpath(folder / "b.txt")}
    assert "跳过 2 个不属于可读取报告的路径" in r.stderr and "table.csv（不是报告格式）" in r.stderr
    assert "table.csv" not in invoke("check", "-q", str(folder)).stderr


def test_standard_input(changed):
    r = gongkai("check", "--format", "jsonl", "-", stdin=changed.read_bytes())
    assert r.returncode == 1
    assert {json.loads(x)["file"] for x in r.stdout.decode().splitlines()} == {"-"}
    r = gongkai("check", "--stdin-filename", "report.txt", "-", stdin=SEED.read_bytes())
    assert r.returncode == 0 and r.stdout.decode().startswith("report.txt — 上海市静安区")
    r = gongkai("parse", "--format", "jsonl", "-", stdin=SEED.read_bytes())
    assert r.returncode == 0 and json.loads(r.stdout)["source"]["path"] == "-"


def test_unreadable_file_does_not_hide_errors_elsewhere(tmp_path, changed):
    empty = tmp_path / "empty.txt"
    empty.write_bytes(b"")
    r = invoke("check", str(changed), str(empty), str(tmp_path / "missing.txt"))
    assert r.exit_code == 2
    last = r.stderr.strip().splitlines()[-1]
    assert last == "gongkai: 2 个文件无法读取（退出状态 2）；另有 1 个文件发现错误 2 处"
    assert f"{empty}:" in r.stderr and "missing.txt: 文件或文件夹不存在" in r.stderr
    assert "共检查 1 个文件，发现错误 2 处，2 个文件无法读取" in r.stdout
    r = invoke("check", "--exit-zero", str(changed), str(empty))
    assert r.exit_code == 2  # --exit-zero masks errors found, never unreadable input


def test_exit_codes_quiet_exit_zero_and_severity(changed):
    assert invoke("check", str(SEED)).exit_code == 0
    assert "未发现问题" in invoke("check", str(SEED)).stdout
    assert invoke("check", "-q", str(SEED)).stdout == ""
    r = invoke("check", "--exit-zero", str(changed))
    assert r.exit_code == 0 and "错误（2）" in r.stdout
    assert invoke("check", "--ignore", "GK1", str(changed)).exit_code == 0
    r = invoke("check", "--severity", "error", "--format", "jsonl", str(changed))
    assert {json.loads(x)["severity"] for x in r.stdout.splitlines()} == {"error"}


def test_statistics_and_output_file(tmp_path, changed):
    r = invoke("check", "--statistics", str(changed), str(HONGZE))
    assert r.exit_code == 1
    rows = [line.split() for line in r.stdout.splitlines() if re.match(r"^\s+\d+\s+GK", line)]
    assert rows[0] == ["2", "GK201", "appeals-sum", "错误"]
    assert ["1", "GK101", "requests-row-sum", "错误"] in rows
    stats = json.loads(invoke("check", "--statistics", "--format", "json", str(changed), str(HONGZE)).stdout)
    assert {s["code"]: s["count"] for s in stats}["GK305"] == 2
    out = tmp_path / "findings.jsonl"
    r = invoke("check", "--format", "jsonl", "-o", str(out), str(changed))
    assert r.exit_code == 1 and r.stdout == ""
    assert len(out.read_text(encoding="utf-8").splitlines()) == 3


def test_configuration_in_pyproject_and_gongkai_toml(tmp_path, changed):
    (tmp_path / "pyproject.toml").write_text('[project]\nname = "x"\n\n[tool.gongkai]\nignore = ["GK101"]\n'
                                             'lang = "en"\nseverity = "error"\n', encoding="utf-8")
    r = gongkai("check", str(changed), cwd=tmp_path)
    out = r.stdout.decode()
    assert r.returncode == 1 and "errors (1)" in out and "GK102" in out and "GK101" not in out and "GK104" not in out
    r = gongkai("check", "--lang", "zh", "--select", "GK101", str(changed), cwd=tmp_path)
    assert "GK101" not in r.stdout.decode() and "错误" not in r.stdout.decode()  # ignore from the file still holds
    (tmp_path / "gongkai.toml").write_text('select = ["GK1O1"]\n', encoding="utf-8")
    r = gongkai("check", str(changed), cwd=tmp_path)
    assert r.returncode == 2 and "gongkai.toml" in r.stderr.decode() and "GK101" in r.stderr.decode()
    (tmp_path / "gongkai.toml").write_text('colour = "always"\n', encoding="utf-8")
    r = gongkai("check", str(changed), cwd=tmp_path)
    assert r.returncode == 2 and "colour" in r.stderr.decode() and "Traceback" not in r.stderr.decode()
    assert load_config(REPO).path is None  # the project's own pyproject.toml has no [tool.gongkai]


def test_no_color(monkeypatch):
    from gongkai.checks.cli import _color

    class Terminal:
        def isatty(self):
            return True

    monkeypatch.delenv("NO_COLOR", raising=False)
    assert _color(Terminal())
    monkeypatch.setenv("NO_COLOR", "1")
    assert not _color(Terminal())


# --- what the old tests of test_checks.py held ---------------------------------------------------
def test_check_text_shows_cells_in_words_and_source_positions():
    r = invoke("check", str(SEED), str(HONGZE))
    assert r.exit_code == 1
    out = r.stdout
    assert "错误（2）" in out and "GK201 appeals-sum  表四 行政复议·总计 列" in out
    assert "行政复议 总计" in out and "第 4 页：“0”" in out
    assert out.index(str(SEED)) < out.index(str(HONGZE))
    assert "第 13 行：" in invoke("check", str(SEEDS[1])).stdout and "规范性文件24件" in invoke("check", str(SEEDS[1])).stdout


def test_check_json_and_jsonl():
    data = json.loads(invoke("check", "--format", "json", "--select", "GK2", str(HONGZE)).stdout)
    assert data[0]["file"] == str(HONGZE) and {f["where"] for f in data[0]["findings"]} == {
        "appeals.reconsideration.total", "appeals.litigation_after_reconsideration.total"}
    lines = [json.loads(x) for x in invoke("check", "--format", "jsonl", "--select", "GK201", str(HONGZE),
                                           str(SEED)).stdout.splitlines()]
    assert len(lines) == 2 and all(x["rule"] == "GK201" and x["file"] == str(HONGZE) for x in lines)


def test_rules_lists_every_rule_and_explains_one():
    r = invoke("rules")
    assert r.exit_code == 0
    for rule in catalogue():
        assert rule.code in r.stdout and rule.name in r.stdout
    r = invoke("rules", "GK201")
    assert "洪泽区 2023" in r.stdout and "GK101" not in r.stdout


def test_a_closed_pipe_stops_a_command_quietly(tmp_path):
    """`gongkai … | head`: the reader goes away; no traceback, no 'Broken pipe', exit status 1."""
    import shutil
    import subprocess

    gongkai = shutil.which("gongkai") or str(Path(sys.executable).with_name("gongkai"))
    db = tmp_path / "s.duckdb"
    subprocess.run([gongkai, "ingest", "--progress", "none", "--db", str(db),
                    str(CORPUS / "real" / "hongze-district-2023-pdf" / "source.pdf")], check=True, capture_output=True)
    for argv in ([gongkai, "rules"], [gongkai, "review", "list", "洪泽区", "--db", str(db)]):
        read_end, write_end = os.pipe()
        os.close(read_end)  # the reader has gone before the first line: every write fails with EPIPE
        done = subprocess.run(argv, stdout=write_end, stderr=subprocess.PIPE, timeout=60)
        os.close(write_end)
        err = done.stderr.decode()
        assert done.returncode == 1 and err == "", (argv, done.returncode, err)
