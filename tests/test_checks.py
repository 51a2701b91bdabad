"""The checks (gongkai.checks): on the real corpus, on variants of real documents, and on every
single-number change of every seed's request and appeals tables."""
from __future__ import annotations

import copy
import re
from pathlib import Path

import pytest

from gongkai import parse
from gongkai.checks import run_checks, rules
from gongkai.record import Finding, Record
from gongkai.vocabulary import WORD_ARTEFACT_RE

from conftest import CORPUS, SEEDS, gold_for

REAL = sorted(CORPUS.glob("real/*/source.*"))
ALL_DOCS = SEEDS + REAL


def _name(path: Path) -> str:
    return path.parent.name if path.name.startswith("source.") else path.name.split("_")[0]


@pytest.fixture(scope="session")
def parsed(corpus_present) -> dict[str, Record]:
    return {_name(p): parse(str(p), check=False) for p in ALL_DOCS}


def en(finding: Finding) -> str:
    """A finding's message in English (messages are Chinese by default; the tests read the msgids)."""
    return finding.localized("en").message


def source_findings(record: Record, **kw) -> set[tuple[str, str, str]]:
    return {(f.rule, f.severity, f.where) for f in run_checks(record, **kw) if f.origin == "source"}


# --- the corpus: exactly the known defects, nothing else ----------------------------------------
# What each real document gets. Errors: only 洪泽区 2023's appeals totals (printed 0 against
# non-zero parts). Warnings: the oddities the gold notes record in the source itself.
EXPECTED = {
    "000": set(),
    "001": {("GK305", "warning", "active"),  # header typo 本年度止件数
            ("GK407", "warning", "active.normative_documents.issued")},  # text 规范性文件24件 vs 25
    "002": set(),
    "003": {("GK306", "warning", "requests.unavailable_still_unclear.commercial")},  # blank cell
    "004": {("GK401", "warning", "requests.new_received.total")},  # 受理46件 = 44 new + 2 carried over
    "hongze-district-2023-pdf": {
        ("GK201", "error", "appeals.reconsideration.total"),
        ("GK201", "error", "appeals.litigation_after_reconsideration.total"),
        ("GK305", "warning", "requests"),  # 2.其他法律行政止公开
        ("GK305", "warning", "requests.other"),  # single （六） row in a 2021 table
    },
    "hongze-district-2024-pdf": {
        ("GK305", "warning", "requests"),
        ("GK305", "warning", "requests.other"),
        ("GK401", "warning", "requests.new_received.total"),  # 受理17件 vs 95 in the table
    },
    "huaian-city-2024-pdf": set(),
    "pingtan-2019-crawltext": set(),
    "pingtan-2024-crawltext": set(),
    "pingtan-police-2024-crawltext": set(),
    "pingtan-transport-2022-crawltext": set(),
}


@pytest.mark.parametrize("doc", sorted(EXPECTED))
def test_corpus_findings_are_exactly_the_known_defects(parsed, doc):
    assert source_findings(parsed[doc]) == EXPECTED[doc]


def test_seeds_have_no_errors(parsed):
    for doc in ("000", "001", "002", "003", "004"):
        record = parsed[doc]
        assert [f for f in record.findings + run_checks(record) if f.severity == "error"] == [], doc


def test_hongze_2023_appeals_message_names_cells_and_numbers(parsed):
    found = {f.where: f for f in run_checks(parsed["hongze-district-2023-pdf"], select=["GK201"])}
    recon = found["appeals.reconsideration.total"]
    assert "行政复议 总计 reads 0" in en(recon) and "= 11" in en(recon)
    assert "结果维持 10" in en(recon) and "结果纠正 1" in en(recon)
    assert recon.localized("en").evidence.startswith("page ")
    assert recon.localized("zh").message.startswith("行政复议 总计为0，但结果维持 10")
    after = found["appeals.litigation_after_reconsideration.total"]
    assert "复议后起诉 总计 reads 0" in en(after) and "= 5" in en(after)


@pytest.mark.parametrize("source", ALL_DOCS, ids=_name)
def test_gold_records_only_break_where_the_report_does(source):
    gold = gold_for(source)
    record = Record.model_validate({**gold, "source": {"path": str(source), "sha256": "x", "media_type": "text/plain"}})
    errors = {(f.rule, f.where) for f in run_checks(record) if f.severity == "error"}
    if _name(source) == "hongze-district-2023-pdf":
        assert errors == {("GK201", "appeals.reconsideration.total"),
                          ("GK201", "appeals.litigation_after_reconsideration.total")}
    else:
        assert errors == set()


@pytest.mark.parametrize("source", ALL_DOCS, ids=_name)
def test_same_verdict_on_the_tables_rendered_as_html(tmp_path, source):
    """The gold tables laid out as the template's HTML page: errors only where the report has them,
    cited by table, row and column as a person counts them (the DOM path stays in the provenance)."""
    from gongkai.render.html import render_html

    page = tmp_path / "report.html"
    page.write_bytes(render_html(gold_for(source)))
    record = parse(str(page), check=False)
    errors = {(f.rule, f.where): f for f in run_checks(record) if f.severity == "error"}
    if _name(source) == "hongze-district-2023-pdf":
        assert set(errors) == {("GK201", "appeals.reconsideration.total"),
                               ("GK201", "appeals.litigation_after_reconsideration.total")}
        assert errors["GK201", "appeals.reconsideration.total"].evidence == "第三张表 第4行第5列：“0”"
    else:
        assert errors == {}


def test_checks_never_change_the_record(parsed):
    for record in parsed.values():
        before = copy.deepcopy(record.to_dict())
        run_checks(record)
        assert record.to_dict() == before


def test_a_rule_registered_or_removed_later_is_run_or_not(parsed):
    """`rules()` keeps the registry sorted between runs: a rule that joins after a run is run by
    the next one, in its place by code, and one taken out is not."""
    from gongkai.checks import REGISTRY, rule

    record = parsed["000"]
    before = [r.code for r in rules()]
    assert "GK299" not in {f.rule for f in run_checks(record)}

    @rule("GK299", "test-late-rule", summary="A rule registered after the first run.")
    def late(ctx):
        """Reports part 一, to be seen."""
        yield ctx.finding("late", "sections.1")

    try:
        assert [r.code for r in rules()] == sorted(before + ["GK299"])
        assert "GK299" in {f.rule for f in run_checks(record)}
    finally:
        del REGISTRY["GK299"]
    assert [r.code for r in rules()] == before
    assert "GK299" not in {f.rule for f in run_checks(record)}


# --- every single-number change of a seed's tables is an error on that table --------------------
_NUM = re.compile(r"\d+")


def _cell_spans(line: str) -> list[tuple[int, int]]:
    sep = "\t" if "\t" in line else ("|" if "|" in line else None)
    if sep is None:
        return [(0, len(line))]
    spans, start = [], 0
    for i, ch in enumerate(line):
        if ch == sep:
            spans.append((start, i))
            start = i + 1
    spans.append((start, len(line)))
    return spans


def locate(record: Record, lines: list[str], path: str) -> tuple[int, int, int]:
    """(line, start, end) of the cell `path` in the source: provenance gives the line, and the
    raw texts of the cells read from that line pin down which of its cells it is."""
    src = record.provenance[path]
    line = lines[src.line - 1]
    table, row, _ = path.split(".")
    prefix = f"{table}.{row}." if table == "requests" else "appeals."
    siblings = [p for p, s in record.provenance.items() if p.startswith(prefix) and s.line == src.line]
    spans = _cell_spans(line)
    texts = [WORD_ARTEFACT_RE.sub("", line[a:b]).strip() for a, b in spans]
    raws = [record.provenance[p].raw.strip() for p in siblings]
    for k in range(len(texts) - len(raws) + 1):
        if texts[k:k + len(raws)] == raws:
            return src.line, *spans[k + siblings.index(path)]
    raise LookupError(f"{path}: cells {raws} not found on line {src.line}: {texts}")


def _seed_cells():
    for seed in SEEDS:
        gold = gold_for(seed)
        for table in ("requests", "appeals"):
            for row, fields in gold[table].items():
                for field, value in fields.items():
                    if value is not None:  # a blank cell has no number to change
                        yield pytest.param(seed, f"{table}.{row}.{field}", id=f"{_name(seed)}:{table}.{row}.{field}")


@pytest.fixture(scope="module")
def seed_records(corpus_present):
    return {seed: parse(str(seed), check=False) for seed in SEEDS}


@pytest.mark.parametrize("seed,path", list(_seed_cells()))
def test_changing_any_table_number_is_an_error_on_that_table(seed_records, tmp_path, seed, path):
    record = seed_records[seed]
    lines = seed.read_text(encoding="utf-8").split("\n")
    lineno, a, b = locate(record, lines, path)
    line = lines[lineno - 1]
    m = list(_NUM.finditer(line[a:b]))[-1]
    lines[lineno - 1] = line[:a + m.start()] + str(int(m.group()) + 1) + line[a + m.end():]
    mutated = tmp_path / seed.name
    mutated.write_text("\n".join(lines), encoding="utf-8")
    changed = parse(str(mutated), check=False)
    assert changed.cell(path) == record.cell(path) + 1, "the change should be read back"
    table = path.split(".")[0]
    errors = [f for f in run_checks(changed) if f.severity == "error" and (f.where or "").startswith(table)]
    assert errors, f"changing {path} from {record.cell(path)} to {record.cell(path) + 1} went unreported"


# --- every rule fires on a variant of a real document --------------------------------------------
def variant(tmp_path: Path, source: Path, *edits: tuple[str, str], count: int = 1) -> Record:
    """The document with each (old, new) replacement made (old must occur); parsed, not checked."""
    text = source.read_text(encoding="utf-8")
    for old, new in edits:
        assert old in text, f"{old!r} not in {source.name}"
        text = text.replace(old, new, count)
    path = tmp_path / source.name
    path.write_text(text, encoding="utf-8")
    return parse(str(path), check=False)


def seed(n: str) -> Path:
    return next(p for p in SEEDS if p.name.startswith(n))


def real(slug: str) -> Path:
    return next(CORPUS.glob(f"real/{slug}/source.*"))


def fired(record: Record, code: str) -> list:
    return [f for f in run_checks(record, select=[code])]


# Seed 000 (pipe layout), its rows as printed.
R000_GRANTED = "| (一)予以公开 | 2 | 0 | 0 | 0 | 0 | 0 | 2 |"
R000_NEW = "一、本年新收政府信息公开申请数量 | 15 | 0 | 0 | 0 | 0 | 0 | 15 |"
R000_TOTAL = "(七)总计 | 17 | 0 | 0 | 0 | 0 | 0 | 17 |"


def test_gk101_row_sum(tmp_path):
    rec = variant(tmp_path, seed("000"), (R000_GRANTED, R000_GRANTED.replace("| 2 | 0 | 0 |", "| 2 | 1 | 0 |")))
    found = fired(rec, "GK101")
    assert [(f.severity, f.where) for f in found] == [("error", "requests.granted.total")]
    assert "reads 2" in en(found[0]) and "add up to 3" in en(found[0])
    assert found[0].localized("en").evidence.startswith("line ")


def test_gk102_outcome_sum(tmp_path):
    # 予以公开 3 | … | 3: the row adds up, but the outcome rows now exceed （七）总计 17.
    rec = variant(tmp_path, seed("000"), (R000_GRANTED, R000_GRANTED.replace("| 2 |", "| 3 |")))
    wheres = {f.where for f in fired(rec, "GK102")}
    assert wheres == {"requests.total.natural_person", "requests.total.total"}
    assert not fired(rec, "GK101")


def test_gk103_balance(tmp_path):
    rec = variant(tmp_path, seed("000"), (R000_NEW, R000_NEW.replace("15", "16")))
    found = fired(rec, "GK103")
    assert {f.where for f in found} == {"requests.total.natural_person", "requests.total.total"}
    assert "一 + 二 = 16 + 2 = 18" in found[0].message  # the same words in both languages


def test_gk104_suspect_cell(tmp_path):
    rec = variant(tmp_path, seed("001"), ("\t240\t8\t0\t2\t0\t5\t255", "\t240\t9\t0\t2\t0\t5\t255"))
    found = fired(rec, "GK104")
    assert [(f.where, f.severity) for f in found] == [("requests.granted.commercial", "warning")]
    assert "reads 9; 8 would balance" in en(found[0])


def test_gk105_split_digits(tmp_path):
    # 本机关不掌握 102 printed as 10: the identities expect 102 = "10" + its neighbour's "2".
    rec = variant(tmp_path, seed("001"), ("\t102\t2\t0\t0\t1\t0\t105", "\t10\t2\t0\t0\t1\t0\t105"))
    found = fired(rec, "GK105")
    assert [f.where for f in found] == ["requests.unavailable_not_held.natural_person"]
    assert "split in two" in en(found[0])


def test_gk106_misclassified(tmp_path):
    # One request moved from 商业企业 to 自然人 in （一）予以公开: rows add up, two columns are off by ±1.
    rec = variant(tmp_path, seed("001"), ("\t240\t8\t0\t2\t0\t5\t255", "\t241\t7\t0\t2\t0\t5\t255"))
    found = fired(rec, "GK106")
    assert len(found) == 1 and "wrong applicant type" in en(found[0])
    assert not fired(rec, "GK104")


def test_gk107_counts_non_negative(tmp_path):
    rec = variant(tmp_path, seed("000"), ("行政处罚 | 8 |", "行政处罚 | -8 |"))
    if rec.cell("active.penalty.decisions") != -8:  # the reader may refuse a negative count
        rec = rec.model_copy(deep=True)
        rec.active["penalty"]["decisions"] = -8
    found = fired(rec, "GK107")
    assert [f.where for f in found] == ["active.penalty.decisions"]


def test_identities_with_partial_data_and_rows_read_with_doubt(tmp_path):
    """An identity is checked whenever its own cells were read: 上海市科委's extraction leaves a cell
    of its 四、结转下年度 row unread, yet a changed number elsewhere is an error; and a row the reader
    flags as read with doubt (here: an extra-cells warning on （一）予以公开, as a reader gives for a row
    with surplus cells) still gives an error on the cells read as printed, with the doubt named."""
    src = real("shanghai-stcsm-2024-pdfmd")
    original = parse(str(src), check=False)
    assert original.cell("requests.carried_forward.total") is None
    rec = variant(tmp_path, src, ("| 一、本年新收政府信息公开申请数量 | 32 | 2 |", "| 一、本年新收政府信息公开申请数量 | 33 | 2 |"))
    assert ("error", "requests.new_received.total") in {(f.severity, f.where) for f in fired(rec, "GK101")}
    rec = variant(tmp_path, src, ("| （一）予以公开 | 9 | 0 |", "| （一）予以公开 | 10 | 0 |"))
    rec.findings = rec.findings + [Finding(rule="extra-cells", severity="warning", origin="extraction",
                                           message="?", where="requests.granted")]
    found = [f for f in fired(rec, "GK101") if f.where == "requests.granted.total"]
    assert [f.severity for f in found] == ["error"]
    assert "requests.granted was read with doubt, extra-cells" in en(found[0])
    # a cell the reader itself doubts is never blamed on the report: a warning that says so
    doubtful = rec.model_copy(deep=True)
    doubtful.findings = doubtful.findings + [Finding(rule="unreadable-cell", severity="warning", origin="extraction",
                                                     message="?", where="requests.granted.natural_person")]
    found = [f for f in fired(doubtful, "GK101") if f.where == "requests.granted.total"]
    assert [f.severity for f in found] == ["warning"] and "check the reading first" in en(found[0])


def test_failures_are_the_identities_evaluate_breaks(parsed):
    """`failures` sums the sides of every identity at once when all their cells are whole numbers:
    on the corpus's records, and on copies with cells changed to other whole numbers, decimals,
    blanks, booleans or taken away (seeded, so a failure repeats), it finds exactly the identities
    `evaluate` breaks, one by one, with the same residuals."""
    import random

    from gongkai.checks.registry import Context
    from gongkai.checks.tables import _compile, _shape, evaluate, failures

    rng = random.Random(101)
    records = list(parsed.values())
    for _ in range(300):
        rec = rng.choice(records).model_copy(deep=True)
        for _ in range(rng.choice((0, 1, 1, 2, 5))):
            table = rng.choice((rec.requests, rec.requests, rec.appeals))
            if not table:
                continue
            fields = table[rng.choice(list(table))]
            field = rng.choice(list(fields))
            change = rng.choice(("int", "int", "float", "blank", "bool", "gone"))
            if change == "gone":
                del fields[field]
            else:
                fields[field] = {"int": rng.randint(0, 30), "float": rng.choice((0.5, 2.0, 1e-17)), "blank": None,
                                 "bool": True}[change]
        ctx = Context(rec)
        req, app = _compile(*_shape(rec))
        expected = [(i, r) for i in req + app if (r := evaluate(ctx.values, i)) is not None]
        found = failures(ctx)
        assert found == expected
        assert [type(r) for _, r in found] == [type(r) for _, r in expected]


def test_gk201_appeals_sum(parsed, tmp_path):
    assert {f.where for f in fired(parsed["hongze-district-2023-pdf"], "GK201")} == {
        "appeals.reconsideration.total", "appeals.litigation_after_reconsideration.total"}
    rec = variant(tmp_path, seed("000"), ("\n1 | 0 | 0 | 0 | 1 | 0 | 0 | 0 | 0 | 0 | 1 | 0 | 0 | 0 | 1 |",
                                           "\n1 | 0 | 0 | 0 | 2 | 0 | 0 | 0 | 0 | 0 | 1 | 0 | 0 | 0 | 1 |"))
    assert [f.where for f in fired(rec, "GK201")] == ["appeals.reconsideration.total"]


FIVE_000 = ("五、存在的主要问题及改进情况\n一是政务公开业务水平有待进一步加强。进一步加强政务公开队伍建设，"
            "增强全局上下政务公开意识，强化制度培训和工作实务指导，切实提高依法行政能力。\n"
            "二是政务公开监督机制有待进一步完善。进一步完善局系统政务公开工作监督机制，建立问题台账，"
            "强化问题整改，落实责任担当，提升监督质效。\n")


def _five_000() -> str:
    text = seed("000").read_text(encoding="utf-8")
    start = text.index("五、存在的主要问题及改进情况")
    return text[start:text.index("六、其他需要报告的事项")]


def test_gk301_sections_present(tmp_path):
    rec = variant(tmp_path, seed("000"), (_five_000(), ""))
    assert [f.where for f in fired(rec, "GK301")] == ["sections.5"]


def test_gk303_a_retitled_part_is_found_and_only_its_title_warned(tmp_path):
    rec = variant(tmp_path, seed("000"), ("五、存在的主要问题及改进情况", "五、下一步工作打算"))
    assert not fired(rec, "GK301")
    found = fired(rec, "GK303")
    assert [(f.severity, f.where) for f in found] == [("warning", "sections.5")]
    assert "下一步工作打算" in found[0].message


def test_gk302_sections_order(tmp_path):
    # seed 000 with its parts 五 and 六 printed in the wrong order
    text = seed("000").read_text(encoding="utf-8")
    i5, i6, end = text.index("五、存在的主要问题及改进情况"), text.index("六、其他需要报告的事项"), text.index("留言咨询")
    path = tmp_path / "swapped.txt"
    path.write_text(text[:i5] + text[i6:end] + text[i5:i6] + text[end:], encoding="utf-8")
    rec = parse(str(path), check=False)
    found = fired(rec, "GK302")
    assert [(f.severity, f.where) for f in found] == [("error", "sections.5")]
    assert not fired(rec, "GK301")


def test_gk304_template_year(tmp_path):
    # Seed 003 (2019 template) presented as a 2022 report.
    rec = variant(tmp_path, seed("003"), ("2020", "2022"), count=-1)
    assert rec.year == 2022 and rec.template == "2019"
    found = fired(rec, "GK304")
    assert [f.severity for f in found] == ["error"] and "2019 template" in en(found[0])


def test_gk305_template_labels(parsed):
    assert {f.where for f in fired(parsed["001"], "GK305")} == {"active"}
    assert "本年度止件数" in fired(parsed["001"], "GK305")[0].message
    assert {f.where for f in fired(parsed["hongze-district-2023-pdf"], "GK305")} == {"requests", "requests.other"}


def test_gk306_blank_cells(parsed, tmp_path):
    found = fired(parsed["003"], "GK306")
    assert [f.where for f in found] == ["requests.unavailable_still_unclear.commercial"]
    rec = variant(tmp_path, seed("000"), ("2.重复申请 | 2 | 0 | 0 |", "2.重复申请 | 2 | / | 0 |"))
    assert [f.where for f in fired(rec, "GK306")] == ["requests.not_processed_duplicate.commercial"]


def test_gk306_reads_every_cell_at_once_as_row_by_row(parsed, monkeypatch):
    """blank-cells passes over a report with a number in every cell it looks at after one read of
    them all: on the corpus's records and on copies with cells blanked or taken away, rows or table
    四 taken away (seeded), it reports what the row-by-row look reports."""
    import random

    from gongkai.checks import structure

    rng = random.Random(306)
    records = list(parsed.values())
    changed = []
    for _ in range(200):
        rec = rng.choice(records).model_copy(deep=True)
        for _ in range(rng.choice((0, 1, 2))):
            change = rng.choice(("blank", "gone", "row", "appeals"))
            table = rng.choice((rec.requests, rec.appeals))
            if change == "appeals":
                rec.appeals = {}
            elif table:
                row = rng.choice(list(table))
                if change == "row":
                    del table[row]
                elif table[row]:
                    field = rng.choice(list(table[row]))
                    if change == "blank":
                        table[row][field] = None
                    else:
                        del table[row][field]
        changed.append(rec)

    def found():
        return [[(f.where, f.message) for f in fired(rec, "GK306")] for rec in changed]

    at_once = found()
    monkeypatch.setattr(structure, "_cells_looked_at", lambda rows, appeals: None)
    assert at_once == found()
    assert sum(map(bool, at_once)) > 50  # (the copies do have blanks)


def test_gk307_units_in_cells(tmp_path):
    rec = variant(tmp_path, seed("000"), ("行政许可 | 47 |", "行政许可 | 47件 |"))
    assert rec.cell("active.licensing.decisions") == 47
    assert [f.where for f in fired(rec, "GK307")] == ["active.licensing.decisions"]
    # a source without its raw text (a record built by hand) is passed over, the unit still found
    rec.provenance["requests.total.total"].raw = None
    assert [f.where for f in fired(rec, "GK307")] == ["active.licensing.decisions"]


def test_every_unit_in_a_cell_holds_one_of_the_characters_looked_for():
    """units-in-cells passes over a report none of whose cells holds a character of
    UNIT_IN_CELL_CHARS: every match of UNIT_IN_CELL_RE must hold one."""
    import random

    from gongkai.checks.patterns import UNIT_IN_CELL_CHARS, UNIT_IN_CELL_RE

    rng = random.Random(7)
    pieces = ["1", "0", "75394432.52", " ", "\u3000", "万元", "元", "件", "条", "个", "项", "次", "人", "%", "％", "万",
              "-", "/", "余", "a"]
    found = 0
    for _ in range(20000):
        raw = "".join(rng.choice(pieces) for _ in range(rng.randint(1, 6)))
        for m in UNIT_IN_CELL_RE.finditer(raw):
            found += 1
            assert any(c in m.group() for c in UNIT_IN_CELL_CHARS), (raw, m.group())
    assert found > 1000


def test_gk308_section_five_empty(tmp_path):
    rec = variant(tmp_path, seed("000"), (_five_000(), "五、存在的主要问题及改进情况\n无。\n"))
    assert [f.where for f in fired(rec, "GK308")] == ["sections.5"]


def test_gk401_received(parsed, tmp_path):
    assert [f.severity for f in fired(parsed["004"], "GK401")] == ["warning"]
    assert [f.severity for f in fired(parsed["hongze-district-2024-pdf"], "GK401")] == ["warning"]
    rec = variant(tmp_path, seed("003"), ("共收到政府信息公开申请5件", "共收到政府信息公开申请6件"))
    found = fired(rec, "GK401")
    assert [(f.severity, f.where) for f in found] == [("error", "requests.new_received.total")]
    assert found[0].localized("en").evidence.startswith("part 一")
    assert found[0].localized("zh").evidence.startswith("第一部分：“")
    # a number in Chinese numerals is read too; a range (二十余件) is never an error
    rec = variant(tmp_path, seed("003"), ("共收到政府信息公开申请5件", "共收到政府信息公开申请六件"))
    assert [(f.severity, f.where) for f in fired(rec, "GK401")] == [("error", "requests.new_received.total")]
    rec = variant(tmp_path, seed("003"), ("共收到政府信息公开申请5件", "共收到政府信息公开申请二十余件"))
    assert [f.severity for f in fired(rec, "GK401")] == ["warning"]
    rec = variant(tmp_path, seed("003"), ("共收到政府信息公开申请5件", "共收到政府信息公开申请近十件"))
    assert [f.severity for f in fired(rec, "GK401")] == ["warning"]  # about 7–10, not 5
    for agreeing in ("五件", "近五件", "5件左右"):
        rec = variant(tmp_path, seed("003"), ("共收到政府信息公开申请5件", "共收到政府信息公开申请" + agreeing))
        assert fired(rec, "GK401") == [], agreeing


def test_gk402_carried_over(tmp_path):
    rec = variant(tmp_path, seed("000"), ("结转上年度政府信息公开申请2件", "结转上年度政府信息公开申请3件"))
    assert [(f.severity, f.where) for f in fired(rec, "GK402")] == [("error", "requests.carried_over.total")]


def test_gk403_handled(tmp_path):
    src = real("pingtan-2024-crawltext")
    rec = variant(tmp_path, src, ("全年办理政府信息公开申请218件", "全年办理政府信息公开申请219件"))
    assert [f.severity for f in fired(rec, "GK403")] == ["warning"]  # 办理 may mean received
    rec = variant(tmp_path, src, ("全年办理政府信息公开申请218件", "全年答复政府信息公开申请219件"))
    assert [(f.severity, f.where) for f in fired(rec, "GK403")] == [("error", "requests.total.total")]


def test_gk404_outcomes(tmp_path):
    rec = variant(tmp_path, seed("001"), ("不予公开4件", "不予公开5件"))
    found = fired(rec, "GK404")
    assert [(f.severity, f.where) for f in found] == [("error", "requests.denied_state_secret.total")]
    assert "2 + 0 + 0 + 0 + 2" in found[0].message


def test_gk405_carried_forward(tmp_path):
    rec = variant(tmp_path, seed("000"), ("均已答复。1件为", "均已答复，结转下年度继续办理1件。1件为"))
    assert [(f.severity, f.where) for f in fired(rec, "GK405")] == [("error", "requests.carried_forward.total")]


def test_gk406_appeals(tmp_path):
    rec = variant(tmp_path, seed("000"), ("收到1件政府信息公开事务行政复议案", "收到2件政府信息公开事务行政复议案"))
    assert [(f.severity, f.where) for f in fired(rec, "GK406")] == [("error", "appeals.reconsideration.total")]
    # The wording of the issue-13 report: the number after the noun, not before it. Seed 000 counts
    # 1 reconsideration and 1 lawsuit, so only the reconsideration disagrees.
    sentence = "收到1件政府信息公开事务行政复议案、1件行政诉讼案"
    rec = variant(tmp_path, seed("000"), (sentence, "共有政府信息公开行政诉讼案件1件、行政复议案件2件"))
    found = fired(rec, "GK406")
    assert [(f.severity, f.where) for f in found] == [("error", "appeals.reconsideration.total")]
    assert "“行政复议案件2件” (2)" in en(found[0])
    rec = variant(tmp_path, seed("000"), (sentence, "共有政府信息公开行政诉讼案件1件、行政复议案件1件"))
    assert fired(rec, "GK406") == []
    # 其中结果维持N件 after a group's count: that group's 结果维持 (huaian-city-2024's wording)
    huaian = parse(str(real("huaian-city-2024-pdf")), check=False)
    assert fired(huaian, "GK406") == []
    changed = huaian.model_copy(deep=True)
    changed.appeals["reconsideration"]["upheld"] = 73
    assert ("error", "appeals.reconsideration.upheld") in {(f.severity, f.where) for f in fired(changed, "GK406")}


def test_gk407_normative_documents(parsed, tmp_path):
    found = fired(parsed["001"], "GK407")
    assert [(f.severity, f.where) for f in found] == [("warning", "active.normative_documents.issued")]
    assert "“规范性文件24件” (24)" in en(found[0]) and "reads 25" in en(found[0])
    rec = variant(tmp_path, seed("003"), ("（包括行政规范性文件 4 件）", "（其中印发行政规范性文件 5 件）"))
    assert [(f.severity, f.where) for f in fired(rec, "GK407")] == [("error", "active.normative_documents.made")]


def test_gk408_decisions(tmp_path):
    rec = variant(tmp_path, seed("000"), ("2023年,主动公开信息1469条。", "2023年,主动公开信息1469条，作出行政处罚决定9件。"))
    assert [(f.severity, f.where) for f in fired(rec, "GK408")] == [("error", "active.penalty.decisions")]


def test_gk409_admin_fees(tmp_path):
    rec = variant(tmp_path, seed("000"), ("2023年,主动公开信息1469条。", "2023年,主动公开信息1469条，行政事业性收费60万元。"))
    assert [(f.severity, f.where) for f in fired(rec, "GK409")] == [("warning", "active.fees.amount")]


def test_gk501_fees_statement(tmp_path):
    rec = variant(tmp_path, seed("000"), ("2023年本机关未依据《政府信息公开信息处理费管理办法》收取过信息处理费。", "无。"))
    assert [f.where for f in fired(rec, "GK501")] == ["sections.6"]


def test_gk502_fees_vs_table(tmp_path):
    # One request moves from （五）4 to （六）2 (an unpaid fee notice) while part 六 says no fee was
    # charged: that is what happens when an applicant does not pay — no finding (issue 13, item 7).
    rec = variant(tmp_path, seed("000"),
                  ("4.无正当理由大量反复申请 | 4 | 0 | 0 | 0 | 0 | 0 | 4 |", "4.无正当理由大量反复申请 | 3 | 0 | 0 | 0 | 0 | 0 | 3 |"),
                  ("缴纳费用、行政机关不再处理其政府信息公开申请 | 0 | 0 | 0 | 0 | 0 | 0 | 0 |",
                   "缴纳费用、行政机关不再处理其政府信息公开申请 | 1 | 0 | 0 | 0 | 0 | 0 | 1 |"))
    assert rec.cell("requests.other_no_fee.total") == 1
    assert fired(rec, "GK502") == []
    # Seed 002 granted nothing; a fee charged anyway does not fit.
    rec = variant(tmp_path, seed("002"), ("2023年,我局未收取任何政府信息公开处理费。", "2023年,我局收取信息处理费300元。"))
    found = fired(rec, "GK502")
    assert [(f.severity, f.where) for f in found] == [("warning", "requests.granted.total")]
    assert "收取信息处理费300元" in found[0].message
    # Seed 000 (3 granted) saying it charged nothing and then an amount contradicts itself.
    rec = variant(tmp_path, seed("000"), ("收取过信息处理费。", "收取过信息处理费。全年收取信息处理费120元。"))
    assert [(f.severity, f.where) for f in fired(rec, "GK502")] == [("warning", "sections.6")]


def test_gk410_narrative_contradiction(tmp_path):
    # 002 says 未收到政府信息公开申请 over a table of zeros; give it one request.
    rec = variant(tmp_path, seed("002"),
                  ("| 一、本年新收政府信息公开申请数量 | 0 | 0 | 0 | 0 | 0 | 0 | 0 |", "| 一、本年新收政府信息公开申请数量 | 1 | 0 | 0 | 0 | 0 | 0 | 1 |"))
    found = fired(rec, "GK410")
    assert [(f.severity, f.where) for f in found] == [("error", "requests.new_received.total")]
    assert "未收到政府信息公开申请" in found[0].message
    # 004 says 无一例被行政复议或诉讼; give its table one upheld reconsideration.
    rec = variant(tmp_path, seed("004"), ("\t尚未审结\n\t总计\n\n\t0\n", "\t尚未审结\n\t总计\n\n\t1\n"))
    assert rec.cell("appeals.reconsideration.upheld") == 1
    assert ("error", "appeals.reconsideration.total") in {(f.severity, f.where) for f in fired(rec, "GK410")}
    # 003 says its 5 requests were 已全部按时办结; with one carried forward (and the text silent on it)
    rec = variant(tmp_path, seed("003"), ("四、结转下年度继续办理\t\t0\t0\t0\t0\t0\t0\t0", "四、结转下年度继续办理\t\t1\t0\t0\t0\t0\t0\t1"))
    assert rec.cell("requests.carried_forward.total") == 1
    assert [(f.severity, f.where) for f in fired(rec, "GK410")] == [("warning", "requests.carried_forward.total")]
    # 000's 15 new requests 均为自然人提交; one from a company contradicts it
    rec = variant(tmp_path, seed("000"), (R000_NEW, R000_NEW.replace("| 15 | 0 |", "| 14 | 1 |")))
    assert [(f.severity, f.where) for f in fired(rec, "GK410")] == [("warning", "requests.new_received.commercial")]
    # the year heading the figures is another year's: a sentence copied from last year's report
    rec = variant(tmp_path, seed("000"), ("本部门2023年共受理政府信息公开申请15件", "本部门2022年共受理政府信息公开申请15件"))
    found = fired(rec, "GK410")
    assert [(f.severity, f.where) for f in found] == [("warning", "sections.1")]
    assert "2022" in en(found[0]) and "report is for 2023" in en(found[0])


def test_gk601_year_consistency(tmp_path):
    # Seed 003 (2020) with the statistical period of 2019: filed for another year.
    rec = variant(tmp_path, seed("003"), ("统计期限自 2020 年 1 月 1 日", "统计期限自 2019 年 1 月 1 日"))
    found = fired(rec, "GK601")
    assert [(f.severity, f.where) for f in found] == [("error", "year")]
    assert "statistical period is 2019" in en(found[0])
    # ... and with an overview that opens on 2019 and never on 2020
    rec = variant(tmp_path, seed("003"), ("2020 年，我局以", "2019 年，我局以"), ("2020年，我局共收到", "2019年，我局共收到"))
    assert [(f.severity, f.where) for f in fired(rec, "GK601")] == [("warning", "sections.1")]


def test_the_overviews_years_are_the_patterns_matches(parsed):
    """year-consistency finds the years heading part 一 from their 年，/年度， (publication._heading_years):
    the same years, in the same order, as a scan of OVERVIEW_YEAR_RE, on every overview of the
    corpus and on random texts dense in years, dates and the words before them."""
    import random

    from gongkai.checks.patterns import OVERVIEW_YEAR_RE, normalize_narrative
    from gongkai.checks.publication import _heading_years

    rng = random.Random(601)
    pieces = ["2023", "2022", "1999", "19", "20", "0", "１", "年", "年度", "，", "自", "从", "至", "止", "本机关", "月",
              "12", "2", "2023年，", "2021年度，", "自2022年，"]
    texts = ["".join(rng.choice(pieces) for _ in range(rng.randint(0, 40))) for _ in range(20000)]
    texts += [normalize_narrative(s.text) for rec in parsed.values() for s in rec.sections if s.number == 1]
    found = 0
    for text in texts:
        scanned = [int(m.group(1)) for m in OVERVIEW_YEAR_RE.finditer(text)]
        assert _heading_years(text) == scanned, text
        found += len(scanned)
    assert found > 5000


def test_gk602_title_format(tmp_path):
    # Seed 004's title, 青岛市人力资源和社会保障局 / 2023年政府信息公开工作年度报告, without its year
    rec = variant(tmp_path, seed("004"), ("\n2023年政府信息公开工作年度报告", "\n政府信息公开工作年度报告"))
    found = fired(rec, "GK602")
    assert [(f.severity, f.where) for f in found] == [("warning", "title")]
    assert "no year" in en(found[0])
    rec = variant(tmp_path, seed("004"), ("\n2023年政府信息公开工作年度报告", "\n2023年政府信息公开工作报告"))
    assert ["年度报告" in en(f) for f in fired(rec, "GK602")] == [True]
    # the blank template's title names neither a body nor a year (its body line is absent)
    blank = parse(str(real("template-2021-blank-docx")), check=False)
    assert {f.where for f in fired(blank, "GK602")} == {"title"}


def test_gk603_publication_deadline(tmp_path):
    # The 公安局's report (a department) published 2025-01-20: in time; on 2025-02-10: late.
    police = real("pingtan-police-2024-crawltext")
    assert fired(parse(str(police), check=False), "GK603") == []
    rec = variant(tmp_path, police, ("发布时间: 2025-01-20", "发布时间: 2025-02-10"))
    found = fired(rec, "GK603")
    assert [(f.severity, f.where) for f in found] == [("warning", "published")]
    assert "2025-01-31" in found[0].message
    # 平潭综合实验区 itself (a government): 2025-03-10 is in time, 2025-04-02 is late
    area = real("pingtan-2024-crawltext")
    assert fired(parse(str(area), check=False), "GK603") == []
    rec = variant(tmp_path, area, ("发布时间: 2025-03-10", "发布时间: 2025-04-02"))
    assert "2025-03-31" in fired(rec, "GK603")[0].message
    # a date given by the user (an ingest list, --published-on) overrides the document's
    signed = parse(str(seed("002")), check=False)
    assert signed.published == "2024-01-08" and fired(signed, "GK603") == []
    late = parse(str(seed("002")), check=False, published="2024年2月5日")
    assert late.published == "2024-02-05" and [f.where for f in fired(late, "GK603")] == ["published"]
    early = parse(str(seed("002")), check=False, published="2023-06-01")
    assert "before its year ended" in en(fired(early, "GK603")[0])
    # no date, no finding
    assert parse(str(seed("000")), check=False).published is None


NEW_RULES = ("GK410", "GK601", "GK602", "GK603")


@pytest.mark.parametrize("doc", ["000", "001", "002", "003", "004"])
def test_new_rules_are_silent_on_the_seeds(parsed, doc):
    assert [(f.rule, f.message) for f in run_checks(parsed[doc], select=list(NEW_RULES))] == []


def test_no_error_on_the_corpus_but_its_known_misprints(parsed):
    """`gongkai check` on every document: an error only where the gold notes describe one."""
    errors = {(doc, f.rule, f.where) for doc, record in parsed.items() for f in run_checks(record)
              if f.severity == "error"}
    assert errors == {("hongze-district-2023-pdf", "GK201", "appeals.reconsideration.total"),
                      ("hongze-district-2023-pdf", "GK201", "appeals.litigation_after_reconsideration.total")}


# Wordings seen in reports that agree with seed 000's tables (15 new + 2 carried over = 17 handled;
# 予以公开 2, 部分公开 1, 不予公开 3, 无法提供 5, 不予处理 6; one reconsideration, one lawsuit), or
# that count something else: none of them may be reported.
QUIET_WORDINGS = [
    "共收到政府信息公开申请17件（含上年结转2件）。",
    "本年度新收政府信息公开申请15件，上年结转2件，共办理17件。",
    "全年共办理政府信息公开申请17件，其中新收15件。",
    "收到申请15件，其中自然人申请15件，法人或其他组织申请0件。",
    "其中，网上收到申请14件，信函申请1件。",
    "收到涉及征地拆迁的政府信息公开申请10件。",
    "予以公开2件，部分公开1件，不予公开3件，无法提供5件，不予处理6件。",
    "因属于三类内部事务信息不予公开2件，涉及国家秘密不予公开的0件。",
    "无因政府信息公开工作被申请行政复议被纠错的情况。",
    "未发生因政府信息公开工作被行政复议决定撤销或行政诉讼败诉的情况。",
    "本年度清理规范性文件30件，现行有效规范性文件2件。",
    "政策、规范性文件类信息68条。",
    "办理人大建议15件、政协提案8件，受理12345热线工单1200件。",
    "全年行政复议案件纠错率为0。依申请公开答复率100%，收到行政复议申请1件。",
    "结转下一年度办理的申请0件。",
    "共收到政府信息公开申请15件，办结15件。",
    # issue 13: enumerations, numerals, ranges, comparisons with other years
    "本年度共有政府信息公开行政诉讼案件1件、行政复议案件1件。",
    "共收到政府信息公开申请十五件，其中，予以公开两件、部分公开一件。",
    "全年共收到政府信息公开申请十余件。",
    "2022年共收到政府信息公开申请10件，2023年共收到政府信息公开申请15件，同比增长50%。",
    "全年共收到政府信息公开申请17件（含上年结转2件），均已办结。",
    "其中，当年办结13件。",
    "本年度行政复议和行政诉讼共2件。",
    "因政府信息公开被申请行政复议后又提起行政诉讼1件。",
    "4件为“无正当理由大量反复申请，不予处理”，2件为“重复申请”。",
]


@pytest.mark.parametrize("wording", QUIET_WORDINGS)
def test_narrative_quiet_on_agreeing_or_unrelated_wording(parsed, wording):
    from gongkai.record import Section

    rec = parsed["000"].model_copy(deep=True)
    rec.sections[0] = Section(number=1, title="总体情况", text=wording)
    assert [(f.rule, f.message) for f in run_checks(rec, select=["GK4", "GK5"])] == []


def test_narrative_other_scope_is_only_a_warning(parsed):
    from gongkai.record import Section

    rec = parsed["000"].model_copy(deep=True)
    rec.sections[0] = Section(number=1, title="总体情况", text="全市受理行政复议案件356件，其中涉及政府信息公开的1件。")
    assert [f.severity for f in run_checks(rec, select=["GK4"])] == ["warning"]


def test_every_rule_has_a_variant_test():
    tested = set(re.findall(r"def test_(gk\d{3})_", Path(__file__).read_text(encoding="utf-8")))
    assert {r.code.lower() for r in rules()} <= tested


# --- registry, selection, CLI ----------------------------------------------------------------------
def test_registry_is_complete_and_documented():
    codes = [r.code for r in rules()]
    assert codes == sorted(set(codes))
    for r in rules():
        assert re.fullmatch(r"GK\d{3}", r.code) and re.fullmatch(r"[a-z0-9-]+", r.name)
        assert r.summary and r.severity in ("error", "warning", "info") and r.origin == "source"
        assert "Example" in r.doc, r.code


def test_select_and_ignore(parsed):
    rec = parsed["hongze-district-2023-pdf"]
    assert {f.rule for f in run_checks(rec, select=["GK2"])} == {"GK201"}
    assert {f.rule for f in run_checks(rec, select=["appeals-sum"])} == {"GK201"}
    assert "GK201" not in {f.rule for f in run_checks(rec, ignore=["GK201"])}
    assert {f.rule for f in run_checks(rec, select=["GK3"], ignore=["template-labels"])} == set()


def test_parse_records_carry_the_findings():
    record = parse(str(real("hongze-district-2023-pdf")))
    assert {"GK201"} <= {f.rule for f in record.findings}


# The command line (gongkai check, gongkai rules): tests/test_cli_check.py
