"""`gongkai parse --format table`: the tables readable at 80 columns, on real reports.

Numbers right-aligned, sub-rows with their parent （三）/（四）, column headers whole (never `自 …`),
cells a finding points at marked, findings errors first.
"""
from __future__ import annotations

import io
import re

from click.testing import CliRunner
from rich.cells import cell_len
from rich.console import Console

from gongkai import parse
from gongkai.cli import main
from gongkai.i18n import use_language
from gongkai.render.terminal import print_record, sorted_findings

from conftest import CORPUS, SEEDS, gold_for

HONGZE = CORPUS / "real" / "hongze-district-2023-pdf" / "source.pdf"  # two appeals totals printed wrong


def _printed(record, width: int = 80) -> list[str]:
    out = io.StringIO()
    print_record(record, Console(file=out, width=width, color_system=None, force_terminal=False))
    return out.getvalue().splitlines()


def test_every_line_fits_80_columns_and_headers_are_whole():
    for source in SEEDS + [HONGZE]:
        with use_language("zh"):
            lines = _printed(parse(str(source)))
        assert max(cell_len(line) for line in lines) <= 80, source.name
        text = "\n".join(lines)
        assert "…" not in text, source.name
        assert "自然人" in text and "总计" in text
        header = [line for line in lines if "自然人" in line][0]
        above = lines[lines.index(header) - 2:lines.index(header)]
        # 社会公益组织 and 法律服务机构 wrap over three lines, each piece in its column
        assert "社会" in above[0] and "公益" in above[1] and "组织" in header


def test_numbers_right_aligned_under_their_column():
    gold = gold_for(SEEDS[1])
    record = parse(str(SEEDS[1]))
    lines = _printed(record)
    header = next(line for line in lines if "自然人" in line)
    total_edge = cell_len(header.rstrip())
    row = next(line for line in lines if line.startswith("（七）总计"))
    assert cell_len(row.rstrip()) == total_edge
    assert row.rstrip().endswith(f" {gold['requests']['total']['total']}")
    natural_edge = cell_len(header[:header.index("自然人") + 3])
    cut = next(i for i in range(len(row) + 1) if cell_len(row[:i]) == natural_edge)
    assert row[:cut].rstrip().endswith(str(gold["requests"]["total"]["natural_person"]))


def test_sub_rows_keep_their_parent():
    lines = _printed(parse(str(SEEDS[0])))
    text = "\n".join(lines)
    assert "（三）2.其他法律行政法规禁止公开" in text
    assert "（五）2.重复申请" in text
    assert "（六）3.其他" in text


def test_failing_cells_marked_and_errors_first():
    with use_language("zh"):
        record = parse(str(HONGZE))
        lines = _printed(record)
    rows = {line.split()[0]: line for line in lines if line.startswith(("行政复议", "行政诉讼"))}
    assert rows["行政复议"].rstrip().endswith("0!")
    assert rows["行政诉讼·复议后起诉"].rstrip().endswith("0!")
    assert not rows["行政诉讼·未经复议直接起诉"].rstrip().endswith("!")
    findings_at = lines.index("发现的问题")
    severities = [line.split()[0] for line in lines[findings_at + 1:] if re.match(r"^(错误|警告|提示) ", line)]
    assert severities == sorted(severities, key=["错误", "警告", "提示"].index) and severities[0] == "错误"
    assert [f.severity for f in sorted_findings(reversed(record.findings))][0] == "error"


def test_parse_table_through_the_cli_in_both_languages():
    runner = CliRunner()
    result = runner.invoke(main, ["parse", "--format", "table", str(HONGZE)], env={"GONGKAI_LANG": "zh"})
    assert result.exit_code == 0
    assert "发现的问题" in result.output and "0!" in result.output
    assert max(cell_len(line) for line in result.output.splitlines()) <= 80
    result = runner.invoke(main, ["parse", "--format", "table", str(HONGZE)], env={"GONGKAI_LANG": "en"})
    assert "Findings" in result.output and "error GK201" in result.output
    assert "自然人" in result.output  # the template's labels are data: Chinese in both languages
