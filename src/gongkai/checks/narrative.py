"""Numbers the report's text states, compared with the cells of its own tables.

The text is read once per record into statements (see statements.py): a count tied to the cell
(or sum of cells) its words name, with whether the words leave another reading. A disagreement is
an error only when the statement is sure and exact and the cell was read without doubt; wording
that may count something else (受理 may include carried-over requests, 公开 规范性文件 may differ
from those 制发, 二十余件 is no exact number) gives a warning that names the other reading, or
nothing.
"""
from __future__ import annotations

from typing import Iterator, Optional

from ..i18n import Message, N_, lazy
from ..record import Finding
from . import statements as S
from .patterns import CARRIED_FORWARD_RE, COMPARISON_RE, SECTION_NUMERALS_CN, cell_name, normalize_narrative
from .registry import Context, rule
from .tables import outcome_rows


def texts(ctx: Context) -> list[tuple[int, str]]:
    """(part number, normalised text) of every part, cached."""
    if "narrative" not in ctx.cache:
        ctx.cache["narrative"] = [(s.number, normalize_narrative(s.text or "")) for s in ctx.record.sections]
    return ctx.cache["narrative"]


def reading(ctx: Context) -> S.Reading:
    """What the text states, read once per record."""
    if "reading" not in ctx.cache:
        ctx.cache["reading"] = S.read(texts(ctx))
    return ctx.cache["reading"]


def current(ctx: Context, *topics: str) -> Iterator[S.Statement]:
    """The statements of `topics` about the report's own year: a figure headed by another year
    (2022年收到申请10件, a comparison or a stale copy) is not the table's (GK410 speaks of those)."""
    read = reading(ctx)
    if "topics" not in ctx.cache:  # the topics stated at all (most rules ask for some the text never states)
        ctx.cache["topics"] = {st.topic for st in read.statements}
    if ctx.cache["topics"].isdisjoint(topics):
        return iter(())
    year = ctx.record.year
    return (st for st in read.about(*topics) if st.year is None or year is None or st.year == year)


def excerpt(sentence: str, start: int = 0) -> str:
    """The sentence, or 160 characters of it around `start` when it is long."""
    if len(sentence) <= 160:
        return sentence
    a = max(start - 60, 0)
    return ("…" if a else "") + sentence[a:a + 160] + "…"


def part_evidence(part: int, sentence: str, start: int = 0) -> Message:
    return lazy("part {part}: “{sentence}”", part=SECTION_NUMERALS_CN.get(part, part),
                sentence=excerpt(sentence, start))


def evidence(number: int, text: str, m) -> Message:
    """Evidence for a regex match in a part's text: the sentence around it."""
    ends = "。；"
    start = max(text.rfind(c, 0, m.start()) for c in ends) + 1
    stops = [i for i in (text.find(c, m.end()) for c in ends) if i >= 0]
    end = min(stops) + 1 if stops else len(text)
    return part_evidence(number, text[start:end], m.start() - start)


def row_total(ctx: Context, *rows: str) -> Optional[float]:
    """Sum of the 总计 cells of `rows`, or None when any is missing."""
    total = 0
    for r in rows:
        v = ctx.record.requests.get(r, {}).get("total")
        if v is None:
            return None
        total += v
    return total


def _fmt(v) -> str:
    if isinstance(v, float) and v.is_integer():
        v = int(v)
    return str(v)


def _said(st: S.Statement) -> Message:
    """What the text says, as quoted in a message: the words and the number (or range) they give."""
    if st.exact:
        return lazy("the text says “{quote}” ({n})", quote=st.quote, n=_fmt(st.value))
    if st.high is None:
        return lazy("the text says “{quote}” (at least {n})", quote=st.quote, n=_fmt(round(st.low, 2)))
    return lazy("the text says “{quote}” (about {low}–{high})", quote=st.quote, low=_fmt(round(st.low, 2)), high=_fmt(round(st.high, 2)))


def _finding(ctx: Context, st: S.Statement, message: Message, where: str, sure: bool) -> Finding:
    """An error when the statement is sure and exact and the cell was read without doubt."""
    severity = "error" if sure and st.exact and st.sure else "warning"
    if severity == "error":
        doubt = ctx.uncertain(where)
        if doubt is not None:
            severity = "warning"
            message = lazy("{message}; but {cell} was read with doubt ({rule}), so check the reading first",
                           message=message, cell=doubt.where, rule=doubt.rule)
    return ctx.finding(message, where, severity=severity, evidence=part_evidence(st.part, st.sentence, st.start))


def _joined(items: list[Message]) -> Message:
    return items[0] if len(items) == 1 else lazy("{first} and {second}", first=items[0], second=items[1])


@rule("GK401", "narrative-received",
      summary=N_("Requests the text says were received (收到/新收/受理 …申请N件) match 一、本年新收 总计."))
def narrative_received(ctx: Context):
    """The text's count of requests received should be the table's 一、本年新收政府信息公开申请数量.
    收到/新收 leave no doubt (an error when they disagree); 受理 is sometimes used for new plus
    carried-over requests, so a disagreement there is a warning that names the other reading. A
    part (其中网上申请14件), a range (二十余件) or a count whose noun is unclear is never an error.

    Example: 全年共受理信息公开申请579件 against 一、本年新收 总计 579 (quiet); 受理依申请公开事项46件
    against 44 new + 2 carried over (warning: 46 = 一 + 二).
    """
    new = row_total(ctx, "new_received")
    if new is None:
        return
    carried = row_total(ctx, "carried_over") or 0
    handled = row_total(ctx, "total")
    where = "requests.new_received.total"
    for st in current(ctx, "received", "accepted"):
        if st.partial or st.admits(new):
            continue
        said = _said(st)
        if not st.exact:
            yield _finding(ctx, st, lazy("{said}, but {cell} reads {value}", said=said, cell=cell_name(where),
                                         value=_fmt(new)), where, False)
            continue
        n = st.value
        alts: list[Message] = []
        if carried and n == new + carried:
            if "结转" in st.sentence:
                continue  # the text itself says the number includes those carried over
            alts.append(lazy("一 + 二 = {new} + {carried} (new plus carried over)", new=_fmt(new),
                             carried=_fmt(carried)))
        if handled is not None and n == handled and handled != new and handled != new + carried:
            alts.append(lazy("（七）总计 {handled} (requests handled)", handled=_fmt(handled)))
        message = lazy("{said}, but {cell} reads {value}", said=said, cell=cell_name(where), value=_fmt(new))
        if alts:
            message = lazy("{message}; {n} equals {alternatives}, so the text may count those", message=message,
                           n=_fmt(n), alternatives=_joined(alts))
        elif st.topic == "accepted":
            message = lazy("{message}; 受理 may include requests carried over, but no such reading gives {n}",
                           message=message, n=_fmt(n))
        yield _finding(ctx, st, message, where, st.topic == "received" and not alts)


def _total_stated(ctx: Context, row: str, topic: str) -> Iterator[Finding]:
    """Each number the text states for a request row against that row's 总计."""
    value = row_total(ctx, row)
    if value is None:
        return
    where = f"requests.{row}.total"
    for st in current(ctx, topic):
        if st.partial or st.admits(value):
            continue
        yield _finding(ctx, st, lazy("{said}, but {cell} reads {value}", said=_said(st), cell=cell_name(where),
                                     value=_fmt(value)), where, True)


@rule("GK402", "narrative-carried-over",
      summary=N_("Requests the text says were carried over from last year match 二、上年结转 总计."))
def narrative_carried_over(ctx: Context):
    """上年结转 requests are a table row of their own; the text's number must be that row's 总计.

    Example: 答复3050件（含上年度结转申请34件…） against 二、上年结转 总计 34 (quiet).
    """
    yield from _total_stated(ctx, "carried_over", "carried_over")


@rule("GK403", "narrative-handled",
      summary=N_("Requests the text says were answered or handled (答复/办结/办理 …N件) match （七）总计."))
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
    where = "requests.total.total"
    for st in current(ctx, "handled"):
        if st.partial or st.admits(total):
            continue
        n = st.value
        if st.exact and any(o.sentence == st.sentence and o.topic in ("received", "accepted") and o.exact
                            and o.value == n for o in reading(ctx).statements):
            continue  # 收到15件，办结15件: those received were all finished
        alts: list[Message] = []
        if st.exact and new is not None and n == new:
            alts.append(lazy("一、本年新收 {new}", new=_fmt(new)))
        if st.exact and new is not None and carried and n == new + carried:
            alts.append(lazy("一 + 二 = {sum}", sum=_fmt(new + carried)))
        message = lazy("{said}, but {cell} reads {value}", said=_said(st), cell=cell_name(where), value=_fmt(total))
        if alts:
            message = lazy("{message}; {n} equals {alternatives}, so the text may mean requests received",
                           message=message, n=_fmt(n), alternatives=_joined(alts))
        yield _finding(ctx, st, message, where, not alts)


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


def _outcome_rows(ctx: Context, topic: str) -> tuple[str, ...]:
    if topic in _OUTCOME_ROWS:
        return _OUTCOME_ROWS[topic]
    prefix = {"denied": "denied_", "unavailable": "unavailable_", "not_processed": "not_processed_",
              "other": "other"}[topic]
    return tuple(r for r in outcome_rows(ctx.record) if r.startswith(prefix))


@rule("GK404", "narrative-outcomes",
      summary=N_("Outcome counts in the text (予以公开/部分公开/不予公开/无法提供/不予处理/其他处理 N件) match their rows."))
def narrative_outcomes(ctx: Context):
    """The text often repeats the handling outcomes; each must equal the 总计 of its row (or the sum
    of a group's sub-rows: 不予公开 = （三）1–8, 无法提供 = （四）1–3 …). When requests were carried over
    the text may count only this year's, so a disagreement is then a warning; a count for one reason
    (因属于国家秘密不予公开2件) or a breakdown (4件为“重复申请”) is a part and not compared.

    Example: 予以公开及部分公开269件 against 255 + 14 (quiet); 无法提供142件 against 105 + 36 + 1
    (quiet).
    """
    carried = row_total(ctx, "carried_over")
    for st in current(ctx, *S.OUTCOME_TOPICS):
        if st.partial:
            continue
        rows = _outcome_rows(ctx, st.topic)
        value = row_total(ctx, *rows) if rows else None
        if value is None or st.admits(value):
            continue
        where = f"requests.{rows[0]}.total"
        if len(rows) == 1:
            message = lazy("{said}, but {rows} in the 总计 column reads {value}", said=_said(st),
                           rows=_OUTCOME_NAMES[st.topic], value=_fmt(value))
        else:
            message = lazy("{said}, but {rows} in the 总计 column adds up to {value} ({parts})", said=_said(st),
                           rows=_OUTCOME_NAMES[st.topic], value=_fmt(value),
                           parts=" + ".join(_fmt(row_total(ctx, r)) for r in rows))
        if carried != 0:
            message = lazy("{message}; the text may count only this year's new requests", message=message)
        yield _finding(ctx, st, message, where, carried == 0)


@rule("GK405", "narrative-carried-forward",
      summary=N_("Requests the text says were carried forward to next year match 四、结转下年度继续办理 总计."))
def narrative_carried_forward(ctx: Context):
    """Requests still open at year end are 四、结转下年度继续办理; the text's number must be that row's 总计.

    Example: 另有103件顺延到下年度答复 against 四、结转下年度继续办理 总计 103 (quiet).
    """
    yield from _total_stated(ctx, "carried_forward", "carried_forward")


def _group_count(ctx: Context, group: str, field: str = "total") -> Optional[float]:
    cells = ctx.record.appeals.get(group)
    if not cells:
        return None
    return cells.get(field)


def _group_any(ctx: Context, group: str) -> bool:
    cells = ctx.record.appeals.get(group) or {}
    return any(v for v in cells.values() if v)


_LAWSUITS = ("litigation_direct", "litigation_after_reconsideration")
_APPEAL_GROUPS = {
    "reconsideration": ("reconsideration",),
    "litigation": _LAWSUITS,
    "litigation_direct": ("litigation_direct",),
    "litigation_after": ("litigation_after_reconsideration",),
    "appeals": ("reconsideration",) + _LAWSUITS,
}


@rule("GK406", "narrative-appeals",
      summary=N_("Reconsiderations and lawsuits the text counts (行政复议N件, 行政诉讼N件, 结果维持N件) match table 四."))
def narrative_appeals(ctx: Context):
    """Table 四 counts the administrative reconsiderations and lawsuits about information disclosure.
    The text's 行政复议N件 must be 行政复议 总计; 行政诉讼N件 the two lawsuit groups together (直接起诉 +
    复议后起诉); 其中结果维持N件 after either, that group's 结果维持. Error when the clause (or the sentence's
    first count) names information disclosure, warning otherwise (it may speak of all the agency's
    cases). Statements that there were none are narrative-contradiction's (GK410).

    Example: 收到1件政府信息公开事务行政复议案、1件行政诉讼案 against 行政复议 总计 1 and 0 + 1 lawsuits
    (quiet); 共有行政诉讼案件1件、行政复议案件2件 reads 2 reconsiderations and 1 lawsuit, not the reverse.
    """
    rec = ctx.record
    if not rec.appeals:
        return
    for st in current(ctx, *S.APPEAL_TOPICS):
        if st.partial:
            continue
        groups = _APPEAL_GROUPS[st.topic]
        field = st.detail or "total"
        values = [_group_count(ctx, g, field) for g in groups]
        if any(v is None for v in values):
            continue
        total = sum(values)
        if st.admits(total):
            continue
        where = f"appeals.{groups[0]}.{field}"
        said = _said(st)
        if len(groups) == 1:
            message = lazy("{said}, but {cell} reads {value}", said=said, cell=cell_name(where), value=_fmt(total))
            alt = False
        else:
            parts = " + ".join(f"{cell_name(f'appeals.{g}.{field}')} {_fmt(v)}" for g, v in zip(groups, values))
            message = lazy("{said}, but table 四 adds up to {value} ({parts})", said=said, value=_fmt(total),
                           parts=parts)
            alt = st.exact and st.value in values
            if alt:
                message = lazy("{message}; {n} matches one of the groups only", message=message, n=_fmt(st.value))
        yield _finding(ctx, st, message, where, not alt)


@rule("GK407", "narrative-normative-documents",
      summary=N_("Normative documents the text counts (规范性文件N件) match 行政规范性文件 in table 二."))
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
    for st in current(ctx, "normative_documents"):
        if st.partial:
            continue
        if st.detail == "in_force":
            fields = ("total_published",) if t2019 else ("in_force",)
        elif st.detail == "repealed":
            if t2019:
                continue
            fields = ("repealed",)
        else:
            fields = ("made", "published") if t2019 else ("issued",)
        values = [row.get(f) for f in fields if row.get(f) is not None]
        if not values or any(st.admits(v) for v in values):
            continue
        path = f"active.normative_documents.{fields[0]}"
        message = lazy("{said}, but {cell} reads {value}", said=_said(st), cell=cell_name(path), value=_fmt(values[0]))
        if not st.sure:
            message = lazy("{message}; the text may count documents published rather than issued this year",
                           message=message)
        yield _finding(ctx, st, message, path, True)


@rule("GK408", "narrative-decisions",
      summary=N_("Licensing, penalty and coercion decisions the text counts (…决定N件) match table 二."))
def narrative_decisions(ctx: Context):
    """作出行政许可决定N件 / 行政处罚决定N件 restate 本年处理决定数量 of table 二 (template 2021;
    处理决定数量 in 2019). With 作出 the wording is unambiguous (error); otherwise it may count cases or
    applications (warning).

    Example: 全年作出行政处罚决定12件 against 行政处罚 本年处理决定数量 8.
    """
    rec = ctx.record
    for st in current(ctx, "decisions"):
        value = (rec.active.get(st.detail) or {}).get("decisions")
        if value is None or st.partial or st.admits(value):
            continue
        path = f"active.{st.detail}.decisions"
        yield _finding(ctx, st, lazy("{said}, but {cell} reads {value}", said=_said(st), cell=cell_name(path),
                                     value=_fmt(value)), path, True)


@rule("GK409", "narrative-admin-fees", severity="warning",
      summary=N_("An amount of 行政事业性收费 stated in the text matches 本年收费金额 (万元)."))
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
    tolerance = 0.005 * max(1, abs(value))
    for st in current(ctx, "admin_fees"):
        high = st.high if st.high is not None else float("inf")
        if st.low - tolerance <= value <= high + tolerance:
            continue
        yield ctx.finding(lazy("the text says “{quote}” ({amount} 万元), but {cell} reads {value} 万元", quote=st.quote,
                               amount=_fmt(round(st.value, 6)), cell=cell_name("active.fees.amount"),
                               value=_fmt(value)),
                          "active.fees.amount", evidence=part_evidence(st.part, st.sentence, st.start))


@rule("GK410", "narrative-contradiction",
      summary=N_("What the text says of none or all (未收到申请, 无行政复议, 均已办结, 均为自然人) and the years "
              "it reports on agree with the tables."))
def narrative_contradiction(ctx: Context):
    """A statement of none or all contradicts a table that counts some: 未收到政府信息公开申请 while
    一、本年新收 counts requests; 无一例被行政复议或诉讼 while table 四 counts cases; 均已办结 while
    requests were carried forward (and the text never mentions them); 均为自然人提交 while other
    applicants are counted. And the table's figures stated under a year that is neither the
    report's nor the next (2022年，本机关共收到…申请 in a 2023 report) are a copied sentence or a
    report filed for the wrong year. Error when a statement of none names information disclosure;
    warning otherwise.

    Example: seed 002 says 本年度未收到政府信息公开申请 over a table of zeros (quiet); with one new
    request in the table it is an error. English: "no requests received" while the table counts one.
    """
    rec = ctx.record
    read = reading(ctx)
    new = row_total(ctx, "new_received")
    for c in read.claims:
        ev = part_evidence(c.part, c.sentence, c.start)
        if c.kind == "no_requests" and new:
            where = "requests.new_received.total"
            yield ctx.finding(lazy("the text says “{quote}”, but {cell} reads {value}", quote=c.quote,
                                   cell=cell_name(where), value=_fmt(new)), where, evidence=ev)
        elif c.kind == "no_appeals" and rec.appeals:
            groups = ["reconsideration"] + (list(_LAWSUITS) if c.lawsuits else [])
            for g in groups:
                if not _group_any(ctx, g):
                    continue
                yield ctx.finding(
                    lazy("the text says there were none (“{quote}”), but table 四 counts {cell} {value} "
                         "(results {results})", quote=c.quote, cell=cell_name(f"appeals.{g}.total"),
                         value=_fmt(rec.appeals[g].get("total")),
                         results=", ".join(_fmt(v) for v in rec.appeals[g].values())),
                    f"appeals.{g}.total", severity="error" if c.qualified else "warning", evidence=ev)
        elif c.kind == "all_handled":
            forward = row_total(ctx, "carried_forward")
            if not forward or c.after not in ("received", "accepted", "handled"):
                continue
            if CARRIED_FORWARD_RE.search(read.part_text(c.part)):
                continue  # the text states the carry-forward too: 均 speaks of those answered
            where = "requests.carried_forward.total"
            yield ctx.finding(lazy("the text says “{quote}”, but {cell} reads {value}: requests are still open",
                                   quote=c.quote, cell=cell_name(where), value=_fmt(forward)),
                              where, severity="warning", evidence=ev)
        elif c.kind == "all_natural_persons":
            row = rec.requests.get("new_received") or {}
            others = [(k, v) for k, v in row.items() if k not in ("natural_person", "total") and v]
            if not others:
                continue
            where = f"requests.new_received.{others[0][0]}"
            listing = "、".join(f"{cell_name(f'requests.new_received.{k}')} {_fmt(v)}" for k, v in others)
            yield ctx.finding(lazy("the text says “{quote}”, but the new requests count other applicants: {cells}",
                                   quote=c.quote, cells=listing), where, severity="warning", evidence=ev)
    if rec.year is None:
        return
    seen: set[str] = set()
    for st in read.statements:
        if st.year is None or st.year in (rec.year, rec.year + 1) or st.topic not in S.TABLE_TOPICS:
            continue
        if st.sentence in seen or COMPARISON_RE.search(st.sentence) or any(
                o.sentence == st.sentence and o.year == rec.year for o in read.statements):
            continue  # a comparison with another year, or a sentence that also gives this year's figures
        seen.add(st.sentence)
        yield ctx.finding(lazy("the text gives the tables' figures for {stated}, but the report is for {year}: "
                               "“{quote}”", stated=st.year, year=rec.year, quote=st.quote),
                          f"sections.{st.part}", severity="warning",
                          evidence=part_evidence(st.part, st.sentence, st.start))
