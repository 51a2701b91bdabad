"""Checks across reports: what one report cannot show alone.

They run over the whole store after every ingest and replace the previous cross-report findings
(scope `cross` in the findings table) in one transaction. A finding sits on the report it
questions (for year pairs, the later one) and names the other in `other_report_id`.

Bodies are linked by `agency_key` (see agencies.py), which is derived from names: a wrong link is
possible, which is why the year-chain rules are warnings, not errors.
"""
from __future__ import annotations

import re
from dataclasses import dataclass
from typing import Optional

from .. import vocabulary as v
from ..i18n import Message, N_, gettext, lazy


@dataclass(frozen=True)
class CrossRule:
    code: str
    name: str
    severity: str
    origin: str
    summary_msgid: str  # English; translated by `summary`
    doc: str

    @property
    def family(self) -> str:
        return self.code[:3]

    @property
    def summary(self) -> str:
        """The one-line summary in the current language (Chinese by default)."""
        return gettext(self.summary_msgid)

    def summary_in(self, lang: str) -> str:
        return lazy(self.summary_msgid).render(lang)


CARRYOVER = CrossRule(
    "GK901", "carryover-chain", "warning", "source",
    N_("上年结转 equals last year's 结转下年度继续办理, per applicant column"),
    "Applications still open at the end of a year are this year's 结转下年度继续办理 and next year's "
    "上年结转. 2023: 结转下年度 总计 3; 2024: 上年结转 总计 2 → one application vanished or one report "
    "is wrong.")
IN_FORCE = CrossRule(
    "GK902", "in-force-chain", "warning", "source",
    N_("last year's 现行有效 + 本年制发 − 本年废止 = this year's 现行有效 (规章, 行政规范性文件)"),
    "Documents in force carry over: 2023 现行有效 40, 2024 制发 5, 废止 3 → 2024 现行有效 must be 42. "
    "Template 2019 reports have no 现行有效 column and are not compared.")
SIMILAR = CrossRule(
    "GK903", "narrative-similar", "warning", "source",
    N_("near-identical narrative (内容雷同) between two bodies' reports or two non-consecutive years of one body"),
    "The prose parts (总体情况, 存在的主要问题及改进情况, 其他需要报告的事项), digits removed, share at least "
    "85 % of their 5-character shingles (MinHash estimate) with another body's report or with another "
    "year's report of the same body: copied text, perhaps with only the numbers changed. Consecutive "
    "years of one body are GK908's, which lists the sentences.")
DUPLICATE = CrossRule(
    "GK904", "duplicate-report", "info", "source",
    N_("the store holds more than one current report of the same body for the same year"),
    "Two different files (different bytes) are both kept as the 2023 report of one body (`gongkai ingest "
    "--keep-both`; otherwise the later version supersedes the earlier, which is kept as history): a "
    "re-publication, a corrected version, or a copy in another format. Names the other files and the body, "
    "and says whether their tables agree.")
JUMP = CrossRule(
    "GK905", "year-over-year-jump", "warning", "source",
    N_("a total five times last year's, or a fifth of it, on enough volume"),
    "A body's 一、本年新收 总计 or 行政复议 总计 that grows or shrinks fivefold from one year to the next "
    "(at least 20 in one of the two years) is either a real change worth a sentence in the report, or a "
    "misprint, a cell read from the wrong column, a report of another body. Example: 2023 本年新收 12, "
    "2024 本年新收 120. English: the year's new requests went from 12 to 120.")
ALL_ZERO = CrossRule(
    "GK906", "all-zero-after-busy-year", "warning", "source",
    N_("the request table is all zeros in a year after one with requests"),
    "A body that received 10 or more requests last year and reports a request table of zeros (or blanks) "
    "this year may have filled the template with 0 instead of its figures. Example: 2023 本年新收 35, "
    "2024 every cell 0. English: all zeros after a year with 35 new requests.")
PARENT = CrossRule(
    "GK907", "parent-vs-departments", "warning", "source",
    N_("a government's area-wide count of requests is no smaller than its departments' together"),
    "When a government's report counts the requests of its whole area (全区受理政府信息公开申请21件) and "
    "the same year's reports of its own departments are stored, their new requests cannot add up to "
    "more. Only flagged, never failed: departments may count differently. Example: 全区受理21件, while "
    "the district's 公安局 and 人社局 report 15 and 12. English: the area-wide count is below the "
    "departments' sum.")
COPIED = CrossRule(
    "GK908", "copied-from-last-year", "warning", "source",
    N_("half or more of the sentences are word for word last year's report of the same body (内容雷同)"),
    "Reviews count a report whose text repeats last year's as 内容雷同. Sentences are compared with the "
    "digits removed (a sentence with only this year's numbers changed is still a copy); the finding gives "
    "the share and lists the sentences. Example: 2024 repeats 14 of its 20 sentences from 2023. "
    "English: 70 % of the sentences are last year's.")
CROSS_RULES: tuple[CrossRule, ...] = (CARRYOVER, IN_FORCE, SIMILAR, DUPLICATE, JUMP, ALL_ZERO, PARENT, COPIED)

SIMILARITY_THRESHOLD = 0.85
# buckets holding more reports than this (mass copies) are compared star-wise, not pairwise
MAX_BUCKET = 200

_DOC_ROWS = {s.key: s.label for s in v.ACTIVE_ROWS_2021 if "in_force" in s.fields}


def _prepare(con) -> None:
    """The year pairs, and the few cells of the paired reports the year rules compare, as temporary
    tables. The cells are a view over Parquet files (shards.py), whose sizes the planner can only
    guess: joined there directly, a pair of cell sets could be joined on their row alone, a product
    of millions of rows. Tables of what is compared have exact sizes."""
    con.execute("CREATE OR REPLACE TEMP TABLE _links AS SELECT * FROM year_links")
    con.execute("""
        CREATE OR REPLACE TEMP TABLE _linked_cells AS
        SELECT report_id, path, table_key, row_key, field_key, value, raw, location FROM cells
        WHERE report_id IN (SELECT report_id FROM _links UNION SELECT prev_report_id FROM _links)
          AND ((table_key = 'requests' AND row_key IN ('carried_forward', 'carried_over'))
               OR (table_key = 'active' AND row_key IN ('regulations', 'normative_documents'))
               OR path IN (SELECT unnest(?::VARCHAR[])))""", [list(JUMP_PATHS)])
    con.execute("""
        CREATE OR REPLACE TEMP TABLE _request_counts AS
        SELECT report_id, count(*) FILTER (WHERE value IS NOT NULL) AS numbers,
               count(*) FILTER (WHERE value <> 0) AS nonzero
        FROM cells WHERE table_key = 'requests' AND report_id IN (SELECT report_id FROM _links)
        GROUP BY report_id""")
    con.execute("""
        CREATE OR REPLACE TEMP TABLE _new_received AS
        SELECT report_id, value FROM cells WHERE path = 'requests.new_received.total' AND value IS NOT NULL""")


def run(store) -> list[tuple]:
    """All cross-report findings of the store, as findings-table rows."""
    con = store.con
    _prepare(con)
    rows: list[tuple] = []
    rows += _carryover(con)
    rows += _in_force(con)
    rows += _similar(con)
    rows += _duplicates(con)
    rows += _jumps(con)
    rows += _all_zero(con)
    rows += _parent_vs_departments(con)
    rows += _copied(con)
    return rows


def check_and_store(store) -> int:
    rows = run(store)
    store.replace_cross_findings(rows)
    return len(rows)


def _finding(report_id: str, seq: int, rule: CrossRule, message: Message, where: Optional[str],
             evidence: Optional[Message], other: Optional[str]) -> tuple:
    """A findings-table row: the message rendered now, and its data so it can be shown in either language."""
    import json

    def data(m):
        return json.dumps(m.to_data(), ensure_ascii=False, default=str) if isinstance(m, Message) else None

    return (report_id, seq, rule.code, rule.severity, rule.origin, str(message), where,
            str(evidence) if evidence is not None else None, "cross", other, data(message), data(evidence))


def _evidence(year, raw, location) -> Optional[Message]:
    if location is None:
        return None
    return lazy("{year} report, {location}: “{raw}”", year=year, location=location, raw=raw)


def _joined(parts) -> Optional[Message]:
    parts = [p for p in parts if p is not None]
    if not parts:
        return None
    if len(parts) == 1:
        return parts[0]
    return lazy("{first}; {second}", first=parts[0], second=parts[1])


def _carryover(con) -> list[tuple]:
    pairs = con.execute("""
        SELECT l.report_id, l.prev_report_id, l.prev_year, l.year, l.prev_agency_name, c.field_key,
               p.value, c.value, p.raw, p.location, c.raw, c.location
        FROM _links l
        JOIN _linked_cells p ON p.report_id = l.prev_report_id AND p.table_key = 'requests' AND p.row_key = 'carried_forward'
        JOIN _linked_cells c ON c.report_id = l.report_id AND c.table_key = 'requests' AND c.row_key = 'carried_over'
                    AND c.field_key = p.field_key
        WHERE p.value IS NOT NULL AND c.value IS NOT NULL
        ORDER BY l.report_id, c.field_key, l.prev_report_id
    """).fetchall()
    groups: dict[tuple[str, str], list] = {}
    for row in pairs:
        groups.setdefault((row[0], row[5]), []).append(row)
    out = []
    for (rid, field_key), rows in groups.items():
        if any(r[6] == r[7] for r in rows):
            continue  # one of last year's reports agrees
        (_, prev_id, prev_year, year, prev_agency, _, prev_v, cur_v, p_raw, p_loc, c_raw, c_loc) = rows[0]
        column = v.APPLICANT_COLUMN_LABELS.get(field_key, field_key)
        message = lazy("上年结转 ({column}) is {cur}, but the {prev_year} report's 结转下年度继续办理 is {prev} "
                       "({agency})", column=column, cur=_num(cur_v), prev_year=prev_year, prev=_num(prev_v),
                       agency=prev_agency or "")
        evidence = _joined((_evidence(year, c_raw, c_loc), _evidence(prev_year, p_raw, p_loc)))
        out.append(_finding(rid, len(out), CARRYOVER, message, f"requests.carried_over.{field_key}", evidence,
                            prev_id))
    return out


def _in_force(con) -> list[tuple]:
    rows = con.execute("""
        WITH a AS (
            SELECT report_id, row_key,
                   max(value) FILTER (WHERE field_key = 'issued') AS issued,
                   max(value) FILTER (WHERE field_key = 'repealed') AS repealed,
                   max(value) FILTER (WHERE field_key = 'in_force') AS in_force,
                   max(raw) FILTER (WHERE field_key = 'in_force') AS in_force_raw,
                   max(location) FILTER (WHERE field_key = 'in_force') AS in_force_location
            FROM _linked_cells
            WHERE table_key = 'active' AND row_key IN ('regulations', 'normative_documents')
            GROUP BY report_id, row_key)
        SELECT l.report_id, l.prev_report_id, l.prev_year, l.year, c.row_key,
               p.in_force, c.issued, c.repealed, c.in_force,
               p.in_force_raw, p.in_force_location, c.in_force_raw, c.in_force_location
        FROM _links l
        JOIN a p ON p.report_id = l.prev_report_id
        JOIN a c ON c.report_id = l.report_id AND c.row_key = p.row_key
        WHERE p.in_force IS NOT NULL AND c.issued IS NOT NULL AND c.repealed IS NOT NULL AND c.in_force IS NOT NULL
        ORDER BY l.report_id, c.row_key, l.prev_report_id
    """).fetchall()
    groups: dict[tuple[str, str], list] = {}
    for row in rows:
        groups.setdefault((row[0], row[4]), []).append(row)
    out = []
    for (rid, row_key), rows in groups.items():
        if any(abs(r[5] + r[6] - r[7] - r[8]) < 1e-9 for r in rows):
            continue
        (_, prev_id, prev_year, year, _, prev_in_force, issued, repealed, in_force, p_raw, p_loc, c_raw, c_loc) = rows[0]
        expected = prev_in_force + issued - repealed
        message = lazy("{row} 现行有效件数 is {cur}; from {prev_year}'s 现行有效 {prev_in_force} + 本年制发 {issued} − "
                       "本年废止 {repealed} it should be {expected}", row=_DOC_ROWS.get(row_key, row_key),
                       cur=_num(in_force), prev_year=prev_year, prev_in_force=_num(prev_in_force),
                       issued=_num(issued), repealed=_num(repealed), expected=_num(expected))
        evidence = _joined((_evidence(year, c_raw, c_loc), _evidence(prev_year, p_raw, p_loc)))
        out.append(_finding(rid, len(out), IN_FORCE, message, f"active.{row_key}.in_force", evidence, prev_id))
    return out


def _similar(con) -> list[tuple]:
    import numpy as np

    candidates = con.execute(f"""
        WITH narrative_bands AS (  -- current reports only: superseded versions keep theirs for a restore
            SELECT * FROM main.narrative_bands WHERE report_id IN (SELECT report_id FROM reports)),
        sizes AS (SELECT band, bucket, count(*) AS n, min(report_id) AS first_id
                       FROM narrative_bands GROUP BY band, bucket HAVING count(*) > 1),
        small AS (
            SELECT a.report_id AS a, b.report_id AS b
            FROM narrative_bands a JOIN sizes s USING (band, bucket)
            JOIN narrative_bands b ON b.band = a.band AND b.bucket = a.bucket AND a.report_id < b.report_id
            WHERE s.n <= {MAX_BUCKET}),
        big AS (
            SELECT s.first_id AS a, m.report_id AS b
            FROM sizes s JOIN narrative_bands m USING (band, bucket)
            WHERE s.n > {MAX_BUCKET} AND m.report_id <> s.first_id)
        SELECT DISTINCT a, b FROM (SELECT * FROM small UNION ALL SELECT * FROM big)
    """).fetchall()
    if not candidates:
        return []
    ids = sorted({x for pair in candidates for x in pair})
    meta = {}
    sigs = {}
    paths = {}
    for rid, sig, key, year, name, path in con.execute("""
            SELECT n.report_id, n.signature, r.agency_key, r.year, r.agency_name, r.source_path
            FROM narratives n JOIN reports r USING (report_id)
            WHERE n.report_id IN (SELECT unnest(?::VARCHAR[]))""", [ids]).fetchall():
        sigs[rid] = np.asarray(sig, dtype=np.uint32)
        meta[rid] = (key, year, name)
        paths[rid] = path
    best: dict[str, list] = {}  # report -> [similarity, other, count]
    for a, b in candidates:
        if a not in sigs or b not in sigs:
            continue
        (ka, ya, _), (kb, yb, _) = meta[a], meta[b]
        if ka is not None and ka == kb and ya == yb:
            continue  # the same body's report of the same year: GK904's business
        if ka is not None and ka == kb and ya is not None and yb is not None and abs(ya - yb) == 1:
            continue  # the same body's consecutive years: GK908 lists the sentences copied
        sim = float(np.mean(sigs[a] == sigs[b]))
        if sim < SIMILARITY_THRESHOLD:
            continue
        for x, y in ((a, b), (b, a)):
            entry = best.setdefault(x, [0.0, None, 0])
            entry[2] += 1
            if sim > entry[0] or (sim == entry[0] and (entry[1] is None or y < entry[1])):
                entry[0], entry[1] = sim, y
    out = []
    for rid in sorted(best):
        sim, other, count = best[rid]
        key, _, _ = meta[rid]
        okey, oyear, oname = meta[other]
        more = lazy("; {count} more reports are nearly identical to it", count=count - 1) if count > 1 else ""
        if key is not None and key == okey:
            message = lazy("the narrative is nearly identical to this body's {other_year} report (similarity "
                           "{similarity:.0%}){more}", other_year=oyear, similarity=sim, more=more)
        else:
            message = lazy("the narrative is nearly identical to the {other_year} report of {other_agency} "
                           "(similarity {similarity:.0%}){more}", other_agency=oname or "", other_year=oyear or "",
                           similarity=sim, more=more)
        out.append(_finding(rid, len(out), SIMILAR, message, "sections",
                            lazy("compared with: {path}", path=paths.get(other)), other))
    return out


def _duplicates(con) -> list[tuple]:
    """Two current reports of one body and year: only when one was stored with --keep-both (a later
    version otherwise supersedes the earlier), or both arrived in a way no order decides."""
    rows = con.execute("""
        WITH r AS (
            SELECT report_id, agency_key, year, coalesce(cells_digest, '') AS d, agency_name, source_path
            FROM reports WHERE agency_key IS NOT NULL AND agency_key NOT LIKE '?%' AND year IS NOT NULL),
        g AS (SELECT agency_key, year FROM r GROUP BY agency_key, year HAVING count(*) > 1)
        SELECT r.report_id, r.agency_key, r.year, r.d, r.agency_name, r.source_path FROM r JOIN g USING (agency_key, year)
        ORDER BY r.agency_key, r.year, r.source_path, r.report_id
    """).fetchall()
    groups: dict[tuple, list] = {}
    for rid, key, year, d, name, path in rows:
        groups.setdefault((key, year), []).append((rid, d, name, path))
    out = []
    for (key, year), members in groups.items():
        for rid, d, name, path in members:
            others = [o for o in members if o[0] != rid]
            same = (lazy("; their tables are identical") if all(o[1] == d for o in others)
                    else lazy("; their tables differ"))
            files = "、".join(f"{o[3]}（{o[2] or key}）" for o in others[:3]) + ("…" if len(others) > 3 else "")
            message = lazy("{agency} has {count} other report(s) for {year} in the store: {files}{same}",
                           agency=name or key, count=len(others), year=year, files=files, same=same)
            out.append(_finding(rid, len(out), DUPLICATE, message, None, lazy("this file: {path}", path=path),
                                others[0][0]))
    return out


def _num(x) -> str:
    if x is None:
        return "—"
    return str(int(x)) if float(x).is_integer() else f"{x:g}"


# --- GK905–GK908 ----------------------------------------------------------------------------------
# Totals compared year over year, and how much volume makes a fivefold change worth a look.
JUMP_PATHS = ("requests.new_received.total", "appeals.reconsideration.total")
JUMP_FACTOR = 5
JUMP_MIN_VOLUME = 20
# Requests last year that make a table of zeros this year worth a look.
BUSY_YEAR = 10
# Share of a report's sentences found word for word in last year's, and the fewest that count.
COPIED_SHARE = 0.5
COPIED_MIN_SENTENCES = 5
# Sentences shorter than this (digits removed) say too little to call a copy.
SENTENCE_MIN_CHARS = 12


def _label(path: str) -> str:
    from ..checks.patterns import cell_name

    return cell_name(path)


def _jumps(con) -> list[tuple]:
    rows = con.execute("""
        SELECT l.report_id, l.prev_report_id, l.prev_year, l.year, c.path, p.value, c.value, p.raw, p.location,
               c.raw, c.location
        FROM _links l
        JOIN _linked_cells p ON p.report_id = l.prev_report_id
        JOIN _linked_cells c ON c.report_id = l.report_id AND c.path = p.path
        WHERE c.path IN (SELECT unnest(?::VARCHAR[])) AND p.value IS NOT NULL AND c.value IS NOT NULL
          AND greatest(p.value, c.value) >= ?
          AND (c.value >= ? * p.value OR p.value >= ? * c.value)
        ORDER BY l.report_id, c.path, l.prev_report_id
    """, [list(JUMP_PATHS), JUMP_MIN_VOLUME, JUMP_FACTOR, JUMP_FACTOR]).fetchall()
    out, seen = [], set()
    for rid, prev_id, prev_year, year, path, prev, cur, p_raw, p_loc, c_raw, c_loc in rows:
        if (rid, path) in seen:
            continue
        seen.add((rid, path))
        message = lazy("{cell} went from {prev} in {prev_year} to {cur} in {year}: check both reports' figures",
                       cell=_label(path), prev=_num(prev), prev_year=prev_year, cur=_num(cur), year=year)
        evidence = _joined([_evidence(year, c_raw, c_loc), _evidence(prev_year, p_raw, p_loc)])
        out.append(_finding(rid, len(out), JUMP, message, path, evidence, prev_id))
    return out


def _all_zero(con) -> list[tuple]:
    rows = con.execute("""
        SELECT l.report_id, l.prev_report_id, l.prev_year, l.year, p.value
        FROM _links l
        JOIN _request_counts t ON t.report_id = l.report_id
        JOIN _linked_cells p ON p.report_id = l.prev_report_id AND p.path = 'requests.new_received.total'
        WHERE t.numbers > 0 AND t.nonzero = 0 AND p.value >= ?
        ORDER BY l.report_id, l.prev_report_id
    """, [BUSY_YEAR]).fetchall()
    out, seen = [], set()
    for rid, prev_id, prev_year, year, prev in rows:
        if rid in seen:
            continue
        seen.add(rid)
        message = lazy("every number of the {year} request table is 0, but {prev_year}'s report counted {prev} new "
                       "requests: check the table was filled in", year=year, prev_year=prev_year, prev=_num(prev))
        out.append(_finding(rid, len(out), ALL_ZERO, message, "requests", None, prev_id))
    return out


def _area_count(sections: list[tuple[int, str]]) -> Optional[tuple[float, str]]:
    """(count, sentence) of the requests a government's report says its whole area received."""
    from ..checks import statements
    from ..checks.patterns import AREA_WIDE_RE, normalize_narrative

    reading = statements.read([(n, normalize_narrative(t or "")) for n, t in sections])
    for st in reading.about("received", "accepted"):
        if st.exact and not st.partial and AREA_WIDE_RE.search(st.sentence[:st.end]):
            return st.value, st.sentence
    return None


def _parent_vs_departments(con) -> list[tuple]:
    parents = con.execute("""
        SELECT r.report_id, r.region_code, r.year,
               (SELECT sum(c.value) FROM reports d JOIN _new_received c ON c.report_id = d.report_id
                WHERE d.region_code = r.region_code AND d.year = r.year AND d.agency_key <> r.agency_key
                  AND d.agency_body NOT IN ('人民政府')) AS departments,
               (SELECT count(*) FROM reports d JOIN _new_received c ON c.report_id = d.report_id
                WHERE d.region_code = r.region_code AND d.year = r.year AND d.agency_key <> r.agency_key
                  AND d.agency_body NOT IN ('人民政府')) AS n
        FROM reports r
        WHERE r.agency_body = '人民政府' AND r.region_code IS NOT NULL AND r.year IS NOT NULL
          AND r.agency_key NOT LIKE '?%'
        ORDER BY r.report_id
    """).fetchall()
    out: list[tuple] = []
    parents = [p for p in parents if p[4] and p[3] is not None]
    for start in range(0, len(parents), SECTIONS_AT_ONCE):
        part = parents[start:start + SECTIONS_AT_ONCE]
        texts = _sections(con, [p[0] for p in part])
        for rid, _region, year, departments, n in part:
            stated = _area_count(texts.get(rid, []))
            if stated is None or stated[0] >= departments:
                continue
            value, sentence = stated
            message = lazy("the report counts {value} requests for its whole area, but the {n} reports of its "
                           "departments for {year} in the store count {departments} new requests together",
                           value=_num(value), n=n, year=year, departments=_num(departments))
            out.append(_finding(rid, len(out), PARENT, message, "requests.new_received.total",
                                str(lazy("part {part}: “{sentence}”", part="一", sentence=sentence[:160])), None))
    return out


def _sentences(sections: list[tuple[int, str]]) -> list[str]:
    """The report's sentences for comparison: digits and spaces gone, tables' text and short ones left out."""
    from ..checks.patterns import TABLE_TEXT_RE, normalize_narrative
    from ..checks.statements import sentences_of

    out = []
    for _number, text in sections:
        for sentence in sentences_of(normalize_narrative(text or "")):
            if TABLE_TEXT_RE.search(sentence):
                continue
            bare = _DIGITS_RE.sub("", sentence).strip("。；！？，、 ")
            if len(bare) >= SENTENCE_MIN_CHARS:
                out.append(bare)
    return out


_DIGITS_RE = re.compile(r"[\d.．%％]+")


def _sections(con, report_ids: list[str]) -> dict[str, list[tuple[int, str]]]:
    """{report id: its sections' (number, text)}, read from the reports' own files (the sections
    view would scan every file of the store for each report)."""
    from . import shards

    out: dict[str, list[tuple[int, str]]] = {}
    for start in range(0, len(report_ids), SECTIONS_AT_ONCE):
        pairs = shards.files_of(con, report_ids[start:start + SECTIONS_AT_ONCE])
        for rid, number, text in shards.read(con, shards.folder_of(con, "sections"), pairs,
                                             "c.report_id, c.number, c.text", order="c.report_id, c.seq"):
            out.setdefault(rid, []).append((number, text))
    return out


# reports whose sections are read at once (their text: some 20 KB each)
SECTIONS_AT_ONCE = 500


def _copied(con) -> list[tuple]:
    links = con.execute("SELECT report_id, prev_report_id, prev_year, year FROM year_links "
                        "ORDER BY report_id, prev_report_id").fetchall()
    out, seen = [], set()
    for start in range(0, len(links), SECTIONS_AT_ONCE):
        part = links[start:start + SECTIONS_AT_ONCE]
        texts = _sections(con, sorted({l[0] for l in part} | {l[1] for l in part}))
        for link in part:
            _copied_pair(link, texts, seen, out)
    return out


def _copied_pair(link: tuple, texts: dict[str, list[tuple[int, str]]], seen: set, out: list) -> None:
    rid, prev_id, prev_year, year = link
    if rid in seen:
        return
    cur = _sentences(texts.get(rid, []))
    prev = set(_sentences(texts.get(prev_id, [])))
    same = [s for s in cur if s in prev]
    if not cur or len(same) < COPIED_MIN_SENTENCES or len(same) / len(cur) < COPIED_SHARE:
        return
    seen.add(rid)
    share = "{:.0%}".format(len(same) / len(cur))
    message = lazy("{same} of its {total} sentences ({share}) are word for word those of the body's {prev_year} "
                   "report (numbers aside): 内容雷同", same=len(same), total=len(cur), share=share,
                   prev_year=prev_year)
    listed = "；".join(f"“{s[:60]}{'…' if len(s) > 60 else ''}”" for s in same[:5])
    evidence = lazy("the same sentences: {sentences}{more}", sentences=listed,
                    more=lazy(" (and {n} more)", n=len(same) - 5) if len(same) > 5 else "")
    out.append(_finding(rid, len(out), COPIED, message, "sections", evidence, prev_id))
