"""Numbers the report's text states, compared with the cells of its own tables.

Conservative by design: a number is only compared when a field-specific pattern ties it to one
cell (or one sum of cells). The result is an error only when the wording leaves no other reading;
wording that may count something else (受理 may include carried-over requests, 公开 规范性文件 may
differ from those 制发) gives a warning that names the other reading.
"""
from __future__ import annotations

import re
from typing import Iterator, Optional

from .patterns import (
    PATTERN_ANCHORS, ADMIN_FEE_RE, APPEAL_OUTCOME_WORDS_RE, CARRIED_FORWARD_PATTERNS, CARRIED_OVER_PATTERNS, DECISION_PATTERNS,
    DECISION_SURE_VERBS, HANDLED_PATTERNS, INFO_DISCLOSURE_RE, LITIGATION_PATTERNS, NO_APPEAL_RE, NO_REQUESTS_RE,
    NORMATIVE_IN_FORCE_WORDS, NORMATIVE_ISSUE_VERBS, NORMATIVE_RE, NORMATIVE_REPEALED_WORDS, NORMATIVE_SKIP_WORDS,
    OUTCOME_PATTERNS, OUTCOME_REASON_RE, RECEIVED_PATTERNS, RECONSIDERATION_PATTERNS, SECTION_NUMERALS_CN,
    SUBSET_WORDS_RE, cell_name, normalize_narrative,
)
from ..record import Finding
from .registry import Context, rule
from .tables import outcome_rows


def texts(ctx: Context) -> list[tuple[int, str]]:
    """(part number, normalised text) of every part, cached."""
    if "narrative" not in ctx.cache:
        ctx.cache["narrative"] = [(s.number, normalize_narrative(s.text or "")) for s in ctx.record.sections]
    return ctx.cache["narrative"]


def sentence(text: str, m: re.Match) -> str:
    start = max(text.rfind("。", 0, m.start()), text.rfind("；", 0, m.start())) + 1
    ends = [i for i in (text.find("。", m.end()), text.find("；", m.end())) if i >= 0]
    end = min(ends) + 1 if ends else len(text)
    s = text[start:end]
    if len(s) > 160:  # keep the evidence readable: the match and some context
        a = max(m.start() - start - 60, 0)
        s = ("…" if a else "") + s[a:a + 160] + "…"
    return s


def clause(text: str, m: re.Match) -> str:
    """The clause (between commas or stops) around a match."""
    marks = "。；！？，"
    start = max(text.rfind(c, 0, m.start()) for c in marks) + 1
    ends = [i for i in (text.find(c, m.end()) for c in marks) if i >= 0]
    return text[start:min(ends) if ends else len(text)]


def clause_before(text: str, m: re.Match) -> str:
    """The words of the match's clause that stand before it."""
    start = max(text.rfind(c, 0, m.start()) for c in "。；！？，") + 1
    return text[start:m.start()]


def subset(text: str, m: re.Match) -> bool:
    """Whether the count may cover only some requests (其中…, 网上…, 涉及…类…)."""
    return bool(SUBSET_WORDS_RE.search(clause_before(text, m) + m.group(0)))


def evidence(number: int, text: str, m: re.Match) -> str:
    return f"part {SECTION_NUMERALS_CN.get(number, number)}: “{sentence(text, m)}”"


def row_total(ctx: Context, *rows: str) -> Optional[float]:
    """Sum of the 总计 cells of `rows`, or None when any is missing."""
    total = 0
    for r in rows:
        v = ctx.record.requests.get(r, {}).get("total")
        if v is None:
            return None
        total += v
    return total


def quote(m: re.Match) -> str:
    """The matched words, without the context a pattern looked at before them."""
    text = m.group(0)
    if "pre" in m.re.groupindex and m["pre"]:
        text = text[len(m["pre"]):]
    return text


def _fmt(v) -> str:
    if isinstance(v, float) and v.is_integer():
        v = int(v)
    return str(v)


def _matches(ctx: Context, patterns) -> Iterator[tuple[int, str, re.Match, object]]:
    """Every match of `patterns` ((regex, tag) pairs or bare regexes) in every part, overlaps dropped
    in favour of the earlier pattern."""
    for number, text in texts(ctx):
        taken: list[tuple[int, int]] = []
        for item in patterns:
            regex, tag = item if isinstance(item, tuple) else (item, None)
            for m in _finditer(regex, text):
                span = m.span("n") if "n" in regex.groupindex else m.span()
                if any(a < span[1] and span[0] < b for a, b in taken):
                    continue
                taken.append(span)
                yield number, text, m, tag


_CLAUSE_RE = re.compile(r"[^。；！？\n]+")


def _finditer(regex: re.Pattern, text: str) -> Iterator[re.Match]:
    """regex.finditer, but for patterns with an anchor word only over the clauses that hold it:
    their leading lazy gaps make a scan of the whole part slow, and no match crosses a clause."""
    anchors = PATTERN_ANCHORS.get(regex)
    if anchors is None:
        yield from regex.finditer(text)
        return
    if not any(a in text for a in anchors):
        return
    for clause in _CLAUSE_RE.finditer(text):
        start, end = clause.span()
        if any(a in text[start:end] for a in anchors):
            yield from regex.finditer(text, start, end)


@rule("GK401", "narrative-received",
      summary="Requests the text says were received (收到/新收/受理 …申请N件) match 一、本年新收 总计.")
def narrative_received(ctx: Context):
    """The text's count of requests received should be the table's 一、本年新收政府信息公开申请数量.
    收到/新收 leave no doubt (an error when they disagree); 受理 is sometimes used for new plus
    carried-over requests, so a disagreement there is a warning that names the other reading.

    A statement that no request was received (未收到政府信息公开申请) must meet a 总计 of 0.

    Example: 全年共受理信息公开申请579件 against 一、本年新收 总计 579 (quiet); 受理依申请公开事项46件
    against 44 new + 2 carried over (warning: 46 = 一 + 二).
    """
    new = row_total(ctx, "new_received")
    if new is None:
        return
    if new:
        for number, text, m, _ in _matches(ctx, [NO_REQUESTS_RE]):
            yield ctx.finding(f"the text says “{quote(m)}”, but {cell_name('requests.new_received.total')} reads "
                              f"{_fmt(new)}", "requests.new_received.total", evidence=evidence(number, text, m))
    carried = row_total(ctx, "carried_over") or 0
    handled = row_total(ctx, "total")
    for number, text, m, kind in _matches(ctx, RECEIVED_PATTERNS):
        n = int(m["n"])
        if n == new:
            continue
        alts = []
        if carried and n == new + carried:
            if "结转" in sentence(text, m):
                continue  # the text itself says the number includes those carried over
            alts.append(f"一 + 二 = {_fmt(new)} + {_fmt(carried)} (new plus carried over)")
        if handled is not None and n == handled and handled != new and handled != new + carried:
            alts.append(f"（七）总计 {_fmt(handled)} (requests handled)")
        if subset(text, m):
            continue  # a channel or topic (其中网上申请…, 涉及征地的申请…) is part of the requests only
        sure = kind == "received" and not alts
        msg = (f"the text says “{quote(m)}” ({n}), but {cell_name('requests.new_received.total')} reads {_fmt(new)}")
        if alts:
            msg += f"; {n} equals {' and '.join(alts)}, so the text may count those"
        elif not sure:
            msg += "; 受理 may include requests carried over, but no such reading gives " + str(n)
        yield ctx.finding(msg, "requests.new_received.total", severity="error" if sure else "warning",
                          evidence=evidence(number, text, m))


def _total_stated(ctx: Context, row: str, patterns) -> Iterator[Finding]:
    """Each number the text states for a request row (by `patterns`) against that row's 总计."""
    value = row_total(ctx, row)
    if value is None:
        return
    where = f"requests.{row}.total"
    for number, text, m, _ in _matches(ctx, patterns):
        n = int(m["n"])
        if n != value:
            yield ctx.finding(f"the text says “{quote(m)}” ({n}), but {cell_name(where)} reads {_fmt(value)}",
                              where, evidence=evidence(number, text, m))


@rule("GK402", "narrative-carried-over",
      summary="Requests the text says were carried over from last year match 二、上年结转 总计.")
def narrative_carried_over(ctx: Context):
    """上年结转 requests are a table row of their own; the text's number must be that row's 总计.

    Example: 答复3050件（含上年度结转申请34件…） against 二、上年结转 总计 34 (quiet).
    """
    yield from _total_stated(ctx, "carried_over", CARRIED_OVER_PATTERNS)


@rule("GK403", "narrative-handled",
      summary="Requests the text says were answered or handled (答复/办结/办理 …N件) match （七）总计.")
def narrative_handled(ctx: Context):
    """（七）总计 counts the requests the agency finished this year. 答复/办结 N件 should equal it;
    办理 is also used for requests received, so a disagreement that matches 一 or 一 + 二 is a warning.

    Example: 受理政府信息公开申请3119件，答复3050件 against （七）总计 3050 (quiet).
    """
    total = row_total(ctx, "total")
    if total is None:
        return
    new = row_total(ctx, "new_received")
    carried = row_total(ctx, "carried_over") or 0
    for number, text, m, _ in _matches(ctx, HANDLED_PATTERNS):
        n = int(m["n"])
        if n == total:
            continue
        alts = []
        if new is not None and n == new:
            alts.append(f"一、本年新收 {_fmt(new)}")
        if new is not None and carried and n == new + carried:
            alts.append(f"一 + 二 = {_fmt(new + carried)}")
        if subset(text, m):
            continue
        verb = m["verb"]
        sure = verb in ("答复", "办结") and not alts
        msg = f"the text says “{quote(m)}” ({n}), but {cell_name('requests.total.total')} reads {_fmt(total)}"
        if alts:
            msg += f"; {n} equals {' and '.join(alts)}, so the text may mean requests received"
        yield ctx.finding(msg, "requests.total.total", severity="error" if sure else "warning",
                          evidence=evidence(number, text, m))


_OUTCOME_ROWS = {
    "granted": ("granted",),
    "partially_granted": ("partially_granted",),
    "granted_or_partial": ("granted", "partially_granted"),
}
_OUTCOME_NAMES = {
    "granted": "（一）予以公开", "partially_granted": "（二）部分公开", "granted_or_partial": "（一）+（二）",
    "denied": "（三）不予公开 1–8", "unavailable": "（四）无法提供 1–3", "not_processed": "（五）不予处理 1–5",
    "other": "（六）其他处理",
}


def _outcome_rows(ctx: Context, tag: str) -> tuple[str, ...]:
    if tag in _OUTCOME_ROWS:
        return _OUTCOME_ROWS[tag]
    prefix = {"denied": "denied_", "unavailable": "unavailable_", "not_processed": "not_processed_",
              "other": "other"}[tag]
    return tuple(r for r in outcome_rows(ctx.record) if r.startswith(prefix))


@rule("GK404", "narrative-outcomes",
      summary="Outcome counts in the text (予以公开/部分公开/不予公开/无法提供/不予处理/其他处理 N件) match their rows.")
def narrative_outcomes(ctx: Context):
    """The text often repeats the handling outcomes; each must equal the 总计 of its row (or the sum
    of a group's sub-rows: 不予公开 = （三）1–8, 无法提供 = （四）1–3 …). When requests were carried over
    the text may count only this year's, so a disagreement is then a warning.

    Example: 予以公开及部分公开269件 against 255 + 14 (quiet); 无法提供142件 against 105 + 36 + 1
    (quiet).
    """
    carried = row_total(ctx, "carried_over")
    for number, text, m, tag in _matches(ctx, OUTCOME_PATTERNS):
        if tag in ("denied", "unavailable", "not_processed", "other") and OUTCOME_REASON_RE.search(
                clause_before(text, m)):
            continue  # the count is for one reason of the group (因属于国家秘密不予公开2件), not the group
        rows = _outcome_rows(ctx, tag)
        value = row_total(ctx, *rows) if rows else None
        if value is None:
            continue
        n = int(m["n"])
        if n == value:
            continue
        where = f"requests.{rows[0]}.total"
        sure = carried == 0
        msg = (f"the text says “{quote(m)}” ({n}), but {_OUTCOME_NAMES[tag]} in the 总计 column "
               + (f"reads {_fmt(value)}" if len(rows) == 1 else
                  f"adds up to {_fmt(value)} ({' + '.join(_fmt(row_total(ctx, r)) for r in rows)})"))
        if not sure:
            msg += "; the text may count only this year's new requests"
        yield ctx.finding(msg, where, severity="error" if sure else "warning", evidence=evidence(number, text, m))


@rule("GK405", "narrative-carried-forward",
      summary="Requests the text says were carried forward to next year match 四、结转下年度继续办理 总计.")
def narrative_carried_forward(ctx: Context):
    """Requests still open at year end are 四、结转下年度继续办理; the text's number must be that row's 总计.

    Example: 另有103件顺延到下年度答复 against 四、结转下年度继续办理 总计 103 (quiet).
    """
    yield from _total_stated(ctx, "carried_forward", CARRIED_FORWARD_PATTERNS)


def _group_count(ctx: Context, group: str) -> Optional[float]:
    cells = ctx.record.appeals.get(group)
    if not cells or cells.get("total") is None:
        return None
    return cells["total"]


def _group_any(ctx: Context, group: str) -> bool:
    cells = ctx.record.appeals.get(group) or {}
    return any(v for v in cells.values() if v)


@rule("GK406", "narrative-appeals",
      summary="Reconsiderations and lawsuits the text mentions (N件, or none) match table 四.")
def narrative_appeals(ctx: Context):
    """Table 四 counts the administrative reconsiderations and lawsuits about information disclosure.
    The text's 行政复议N件 must be 行政复议 总计; 行政诉讼N件 the two lawsuit groups together (直接起诉 +
    复议后起诉); a statement that there were none must meet a table of zeros. Error when the clause
    (for "none": the sentence) names information disclosure, warning otherwise (it may speak of all
    the agency's cases).

    Example: 收到1件政府信息公开事务行政复议案、1件行政诉讼案 against 行政复议 总计 1 and 0 + 1 lawsuits
    (quiet); 无一例被行政复议或诉讼 against a table of zeros (quiet).
    """
    rec = ctx.record
    if not rec.appeals:
        return
    recon = _group_count(ctx, "reconsideration")
    direct = _group_count(ctx, "litigation_direct")
    after = _group_count(ctx, "litigation_after_reconsideration")
    for number, text, m, _ in _matches(ctx, [(NO_APPEAL_RE, "none")]):
        s = sentence(text, m)
        tail = text[m.end():m.end() + 6]
        if APPEAL_OUTCOME_WORDS_RE.search(m["span"]) or APPEAL_OUTCOME_WORDS_RE.search(tail):
            continue
        sev = "error" if INFO_DISCLOSURE_RE.search(s) else "warning"
        groups = ["reconsideration"] + (["litigation_direct", "litigation_after_reconsideration"] if m["lit"] else [])
        nonzero = [g for g in groups if _group_any(ctx, g)]
        for g in nonzero:
            yield ctx.finding(f"the text says there were none (“{quote(m)}”), but table 四 counts "
                              f"{cell_name(f'appeals.{g}.total')} {_fmt(rec.appeals[g].get('total'))} "
                              f"(results {', '.join(_fmt(v) for v in rec.appeals[g].values())})",
                              f"appeals.{g}.total", severity=sev, evidence=evidence(number, text, m))
    if recon is not None:
        for number, text, m, _ in _matches(ctx, RECONSIDERATION_PATTERNS):
            n = int(m["n"])
            if n == recon:
                continue
            sev = "error" if INFO_DISCLOSURE_RE.search(clause(text, m)) else "warning"
            yield ctx.finding(f"the text says “{quote(m)}” ({n}), but {cell_name('appeals.reconsideration.total')} "
                              f"reads {_fmt(recon)}", "appeals.reconsideration.total", severity=sev,
                              evidence=evidence(number, text, m))
    if direct is not None and after is not None:
        both = direct + after
        for number, text, m, _ in _matches(ctx, LITIGATION_PATTERNS):
            n = int(m["n"])
            if n == both:
                continue
            alt = n in (direct, after)
            sev = "error" if INFO_DISCLOSURE_RE.search(clause(text, m)) and not alt else "warning"
            msg = (f"the text says “{quote(m)}” ({n}), but the lawsuits in table 四 add up to {_fmt(both)} "
                   f"(未经复议直接起诉 总计 {_fmt(direct)} + 复议后起诉 总计 {_fmt(after)})")
            if alt:
                msg += f"; {n} matches one of the two groups only"
            yield ctx.finding(msg, "appeals.litigation_direct.total", severity=sev, evidence=evidence(number, text, m))


@rule("GK407", "narrative-normative-documents",
      summary="Normative documents the text counts (规范性文件N件) match 行政规范性文件 in table 二.")
def narrative_normative_documents(ctx: Context):
    """The number of 规范性文件 issued is one of the few Article-20 figures the text repeats. With
    制发/印发/出台/制定 it must equal 本年制发件数 (2021 template; 本年新制作数量 in 2019) — an error
    when not; with 公开/发布 or no verb it may count documents published rather than issued, so a
    warning. 现行有效/废止 are compared with their own columns.

    Example (seed 001): 主动公开政策文件112件（规范性文件24件…） against 行政规范性文件 本年制发件数 25:
    warning.
    """
    rec = ctx.record
    row = rec.active.get("normative_documents")
    if not row:
        return
    t2019 = rec.template == "2019"
    for number, text, m, _ in _matches(ctx, [NORMATIVE_RE]):
        pre = m["pre"]
        if any(w in pre for w in NORMATIVE_SKIP_WORDS):
            continue
        n = int(m["n"])
        if any(w in pre for w in NORMATIVE_IN_FORCE_WORDS):
            fields, sure = (("total_published",) if t2019 else ("in_force",)), True
        elif any(w in pre for w in NORMATIVE_REPEALED_WORDS):
            if t2019:
                continue
            fields, sure = ("repealed",), True
        else:
            sure = any(v in pre for v in NORMATIVE_ISSUE_VERBS)
            fields = (("made", "published") if t2019 else ("issued",))
        values = [row.get(f) for f in fields if row.get(f) is not None]
        if not values or n in values:
            continue
        path = f"active.normative_documents.{fields[0]}"
        msg = f"the text says “{quote(m)}” ({n}), but {cell_name(path)} reads {_fmt(values[0])}"
        if not sure:
            msg += "; the text may count documents published rather than issued this year"
        yield ctx.finding(msg, path, severity="error" if sure else "warning", evidence=evidence(number, text, m))


@rule("GK408", "narrative-decisions",
      summary="Licensing, penalty and coercion decisions the text counts (…决定N件) match table 二.")
def narrative_decisions(ctx: Context):
    """作出行政许可决定N件 / 行政处罚决定N件 restate 本年处理决定数量 of table 二 (template 2021;
    处理决定数量 in 2019). With 作出 the wording is unambiguous (error); otherwise it may count cases or
    applications (warning).

    Example: 全年作出行政处罚决定12件 against 行政处罚 本年处理决定数量 8.
    """
    rec = ctx.record
    for number, text, m, key in _matches(ctx, DECISION_PATTERNS):
        value = (rec.active.get(key) or {}).get("decisions")
        if value is None:
            continue
        n = int(m["n"])
        if n == value:
            continue
        sure = (m["verb"] or "") in DECISION_SURE_VERBS
        path = f"active.{key}.decisions"
        yield ctx.finding(f"the text says “{quote(m)}” ({n}), but {cell_name(path)} reads {_fmt(value)}", path,
                          severity="error" if sure else "warning", evidence=evidence(number, text, m))


@rule("GK409", "narrative-admin-fees", severity="warning",
      summary="An amount of 行政事业性收费 stated in the text matches 本年收费金额 (万元).")
def narrative_admin_fees(ctx: Context):
    """Table 二 reports 行政事业性收费 in 万元 (template 2021). A different amount in the text is
    usually a unit slip (元 against 万元) or a stale figure; a warning, since the text may cover a
    different scope.

    Example: 全年行政事业性收费52.29万元 against 本年收费金额 52.29 (quiet).
    """
    rec = ctx.record
    value = (rec.active.get("fees") or {}).get("amount")
    if value is None or rec.template != "2021":
        return
    for number, text, m, _ in _matches(ctx, [ADMIN_FEE_RE]):
        n = float(m["n"])
        n_wan = {"万元": n, "亿元": n * 10000, "元": n / 10000}[m["unit"]]
        if abs(n_wan - value) <= 0.005 * max(1, abs(value)):
            continue
        yield ctx.finding(f"the text says “{quote(m)}” ({_fmt(n_wan)} 万元), but {cell_name('active.fees.amount')} "
                          f"reads {_fmt(value)} 万元", "active.fees.amount", evidence=evidence(number, text, m))
