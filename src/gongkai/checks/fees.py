"""Part 六 on 信息处理费 (information-processing fees) against the request table."""
from __future__ import annotations

from .narrative import evidence, row_total, texts
from .patterns import FEE_AMOUNT_RE, FEE_MENTION_RE, NO_FEE_RE
from .registry import Context, rule


def _part_six(ctx: Context):
    for number, text in texts(ctx):
        if number == 6:
            return text
    return None


@rule("GK501", "fees-statement", severity="warning",
      summary="Under the 2021 template, part 六 says whether 信息处理费 was charged.")
def fees_statement(ctx: Context):
    """国办公开办函〔2021〕30号 asks part 六 to report the information-processing fees charged under the
    《政府信息公开信息处理费管理办法》 (国办函〔2020〕109号), even when there were none. A part 六 that
    never mentions fees leaves the reader unable to tell.

    Example: 六、其他需要报告的事项 无。 in a 2023 report.
    """
    rec = ctx.record
    if rec.template != "2021":
        return
    text = _part_six(ctx)
    if text is None:
        return
    if not FEE_MENTION_RE.search(text):
        yield ctx.finding("part 六 does not say whether 信息处理费 was charged; the 2021 template asks for it "
                          "(state “未收取信息处理费” when none was)", "sections.6",
                          evidence=f"part 六: “{text[:120]}”")


@rule("GK502", "fees-vs-table", severity="warning",
      summary="Part 六's statement on 信息处理费 agrees with （六）2 (逾期未缴纳费用) and with requests granted.")
def fees_vs_table(ctx: Context):
    """Requests dropped because the applicant did not pay (（六）2.申请人逾期未按收费通知要求缴纳费用)
    mean fee notices were sent, so a part 六 saying no fee was charged or arose needs a second look;
    and fees can only be charged for information provided, so fees charged with nothing granted
    (（一）+（二） = 0) do not fit.

    Example: （六）2 总计 3 while part 六 says 本年度没有产生信息公开处理费.
    """
    text = _part_six(ctx)
    if text is None:
        return
    no_fee_rows = [r for r in ("other_no_fee",) if r in ctx.record.requests]
    unpaid = row_total(ctx, *no_fee_rows) if no_fee_rows else None
    if unpaid:
        m = NO_FEE_RE.search(text)
        if m:
            yield ctx.finding(f"（六）2.申请人逾期未按收费通知要求缴纳费用 counts {unpaid} request(s), so fee notices "
                              f"were sent, but part 六 says “{m.group(0)}”", "requests.other_no_fee.total",
                              evidence=evidence(6, text, m))
    granted = row_total(ctx, "granted", "partially_granted")
    for m in FEE_AMOUNT_RE.finditer(text):
        if float(m["n"]) > 0 and granted == 0:
            yield ctx.finding(f"part 六 says “{m.group(0)}”, but no request was granted (（一）予以公开 + （二）部分公开 "
                              f"= 0): a fee is only charged for information provided", "requests.granted.total",
                              evidence=evidence(6, text, m))
