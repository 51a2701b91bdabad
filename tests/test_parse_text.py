"""Reading the real text reports of the shared corpus: every seed cell for cell equal to its gold,
the crawler texts with no wrong number and every request/appeals cell right."""
from __future__ import annotations

import pytest

from gongkai import parse
from conftest import CRAWL_TEXTS, SEEDS, cell_of, gold_cells, gold_for, same


def _ids(paths):
    return [p.parent.name if p.name.startswith("source.") else p.stem for p in paths]


@pytest.mark.parametrize("path", SEEDS, ids=_ids(SEEDS))
def test_seed_equals_gold(path, corpus_present):
    gold = gold_for(path)
    record = parse(path).to_dict()
    assert (record["agency"], record["year"], record["template"]) == (gold["agency"], gold["year"], gold["template"])
    wrong = [(p, g, cell_of(record, p)) for p, g in gold_cells(gold) if not same(g, cell_of(record, p))]
    assert wrong == []
    warnings = {(f["rule"], f["where"]) for f in record["findings"]
                if f["origin"] == "extraction" and f["severity"] != "info"}
    # 003's appeals row has 16 cells for 15 columns (seeds/README.md): said, not silently dropped
    assert warnings == (EXPECTED_WARNINGS.get(path.stem, set()))


EXPECTED_WARNINGS = {"003_061bfda461fe7231": {("extra-cells", "appeals")}}


@pytest.mark.parametrize("path", CRAWL_TEXTS, ids=_ids(CRAWL_TEXTS))
def test_crawler_text_never_wrong(path, corpus_present):
    gold = gold_for(path)
    record = parse(path).to_dict()
    assert (record["agency"], record["year"], record["template"]) == (gold["agency"], gold["year"], gold["template"])
    flagged_rows = {f["where"] for f in record["findings"] if f["rule"] == "split-ambiguous"}
    for cell_path, want in gold_cells(gold):
        got = cell_of(record, cell_path)
        if cell_path.startswith(("requests.", "appeals.")):
            assert same(want, got), cell_path
        elif not same(want, got):
            # Article 20 runs the text alone cannot split: null, and a finding names the row
            assert got is None, f"{cell_path}: WRONG {got!r}, gold {want!r}"
            assert cell_path.rsplit(".", 1)[0] in flagged_rows


def test_glued_row_split_is_reported(corpus_present):
    path = next(p for p in CRAWL_TEXTS if "pingtan-2019" in str(p))
    record = parse(path)
    inferred = {f.where: f for f in record.findings if f.rule == "split-inferred"}
    assert record.requests["new_received"] == dict(natural_person=23, commercial=0, research=0, social_welfare=0,
                                                    legal_services=0, other_org=0, total=23)
    assert inferred["requests.new_received"].severity == "info"
    assert "230 000023" in inferred["requests.new_received"].message
    ambiguous = {f.where for f in record.findings if f.rule == "split-ambiguous"}
    assert "active.normative_documents" in ambiguous  # 898989: 89|89|89 or 8|98|989 or …
    assert record.active["normative_documents"] == {"made": None, "published": None, "total_published": None}


def test_every_seed_cell_has_provenance(corpus_present):
    for path in SEEDS:
        record = parse(path)
        lines = path.read_text(encoding="utf-8").split("\n")
        for cell_path, value in record.cells():
            src = record.provenance.get(cell_path)
            assert src is not None, f"{path.name}: {cell_path} has no provenance"
            assert src.line is not None
            if value is not None:
                line = lines[src.line - 1]
                assert line[src.char:src.char + len(src.raw)] == src.raw, (path.name, cell_path, src)
                assert src.label, (path.name, cell_path)


def test_sections_found_in_order(corpus_present):
    for path in SEEDS + CRAWL_TEXTS:
        record = parse(path)
        assert [s.number for s in record.sections] == [1, 2, 3, 4, 5, 6], path


@pytest.mark.parametrize("text, expected", [
    ("## 一、总体情况\n正文", [(1, "总体情况")]),  # a markdown heading: the '#' marks are no part of the title
    ("#\t一 ． 总体情况\n正文", [(1, "总体情况")]),
    ("第一、总体情况\n一、总体情况\n正文", [(1, "总体情况")]),  # 第一 opens no heading; the next line does
    ("十一、主动公开\n二、主动公开政府信息情况\n正文", [(2, "主动公开政府信息情况")]),  # 十一 is no 一
    ("一、总体情况\n2. 主动公开\n三、依申请公开\n四、行政复议\n五、存在问题\n六、其他事项\n",
     [(1, "总体情况"), (2, "主动公开"), (3, "依申请公开"), (4, "行政复议"), (5, "存在问题"), (6, "其他事项")]),
])
def test_section_headings(text, expected):
    from gongkai.extract.metadata import find_sections

    assert [(s.number, s.title) for s in find_sections(text)] == expected


def test_text_table_cells_built_on_demand_match_the_source(corpus_present):
    """A text table keeps (text, line, char) per cell until its Cells are asked for: the Cells then
    made say the same, each text standing at its line and offset, and the atoms read from the
    tuples carry the same places as atoms read from the Cells."""
    from gongkai.document import Cell, TextTable
    from gongkai.extract.atoms import atoms_of
    from gongkai.ingest import read_document

    for path in SEEDS:
        data = path.read_bytes()
        lines = data.decode("utf-8").split("\n")
        lazy_doc, eager_doc = read_document(data, path.name), read_document(data, path.name)
        tables = [b for b in eager_doc.blocks if isinstance(b, TextTable)]
        assert tables and all(t.cells is not None for t in tables)
        tuples = [[list(row) for row in t.cells] for t in tables]
        for table, rows in zip(tables, tuples):
            assert table.rows == [[Cell(text, table.rows[r][c].origin) for c, (text, _, _) in enumerate(row)]
                                  for r, row in enumerate(rows)]
            assert table.cells is None  # the Cells are the table now
            for row, cells in zip(rows, table.rows):
                for (text, line, char), cell in zip(row, cells):
                    assert (cell.origin.line, cell.origin.char) == (line, char)
                    at = lines[line - 1].replace("\u00a0", " ").replace("\u3000", " ")[char:]
                    # (a label wrapped over lines in a one-cell-per-line table goes on below)
                    assert at.startswith(text) or text.startswith(at.rstrip()), (path.name, text, line, char)
        lazy_atoms, eager_atoms = atoms_of(lazy_doc), atoms_of(eager_doc)
        assert [(a.kind, a.text, a.origin, a.row, a.in_grid) for a in lazy_atoms] == \
               [(a.kind, a.text, a.origin, a.row, a.in_grid) for a in eager_atoms]
