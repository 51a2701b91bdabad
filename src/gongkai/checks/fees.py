"""Part 六 on 信息处理费 (information-processing fees) against the request table."""
from __future__ import annotations

from .narrative import evidence, row_total, texts
from .patterns import FEE_AMOUNT_RE, FEE_MENTION_RE, NO_FEE_RE
from ..i18n import N_, lazy
from .registry import Context, rule


def _part_six(ctx: Context):
    for number, text in texts(ctx):
        if number == 6:
            return text
    return None


@rule("GK501", "fees-statement", severity="warning",
      summary=N_("Under the 2021 template, part 六 says whether 信息处理费 was charged."))
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
        yield ctx.finding(lazy("part 六 does not say whether 信息处理费 was charged; the 2021 template asks for it "
                               "(state “未收取信息处理费” when none was)"), "sections.6",
                          evidence=lazy("part {part}: “{sentence}”", part="六", sentence=text[:120]))


@rule("GK502", "fees-vs-table", severity="warning",
      summary=N_("Part 六's statement on 信息处理费 is consistent: no amount charged with nothing granted, no "
              "“none charged” beside an amount."))
def fees_vs_table(ctx: Context):
    """Fees can only be charged for information provided, so fees charged while no request was
    granted (（一）+（二） = 0) do not fit; and a part 六 that says no fee was charged and also states an
    amount charged contradicts itself.

    Requests closed because the applicant did not pay (（六）2.申请人逾期未按收费通知要求缴纳费用) beside
    “未收取信息处理费” are no contradiction: a fee notice was sent and never paid, so nothing was
    charged. That is not reported.

    Example: part 六 says 全年收取信息处理费300元 while （一）予以公开 and （二）部分公开 are both 0.
    English: fees charged although no information was provided.
    """
    text = _part_six(ctx)
    if text is None:
        return
    charged = [m for m in FEE_AMOUNT_RE.finditer(text) if float(m["n"]) > 0]
    granted = row_total(ctx, "granted", "partially_granted")
    for m in charged:
        if granted == 0:
            yield ctx.finding(lazy("part 六 says “{quote}”, but no request was granted (（一）予以公开 + （二）部分公开 "
                                   "= 0): a fee is only charged for information provided", quote=m.group(0)),
                              "requests.granted.total", evidence=evidence(6, text, m))
    none = NO_FEE_RE.search(text) if charged else None  # (the scan only where an amount was stated)
    if none:
        m = charged[0]
        yield ctx.finding(lazy("part 六 says “{none}” and also “{quote}”", none=none.group(0), quote=m.group(0)),
                          "sections.6", evidence=evidence(6, text, m))
