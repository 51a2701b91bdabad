"""The Chinese wording the checks use: short cell names for messages and the narrative patterns.

Every Chinese word the checks match or print lives here (the template's own labels are in
`gongkai.vocabulary`). Narrative text is normalised before matching (`normalize_narrative`):
line breaks and spaces are dropped except between two digits, so `受理政府\\n信息公开申请 17 件`
reads `受理政府信息公开申请17件`.
"""
from __future__ import annotations

import re

from ..vocabulary import APPEAL_FIELD_LABELS, APPEAL_GROUP_LABELS, APPLICANT_COLUMN_LABELS, WORD_ARTEFACT_RE

# --- names of cells in messages ----------------------------------------------------------------
REQUEST_ROW_SHORT: dict[str, str] = {
    "new_received": "一、本年新收政府信息公开申请数量",
    "carried_over": "二、上年结转政府信息公开申请数量",
    "granted": "（一）予以公开",
    "partially_granted": "（二）部分公开",
    "denied_state_secret": "（三）不予公开 1.属于国家秘密",
    "denied_prohibited_by_law": "（三）2.其他法律行政法规禁止公开",
    "denied_security_stability": "（三）3.危及“三安全一稳定”",
    "denied_third_party": "（三）4.保护第三方合法权益",
    "denied_internal_affairs": "（三）5.属于三类内部事务信息",
    "denied_process_info": "（三）6.属于四类过程性信息",
    "denied_enforcement_file": "（三）7.属于行政执法案卷",
    "denied_administrative_inquiry": "（三）8.属于行政查询事项",
    "unavailable_not_held": "（四）无法提供 1.本机关不掌握相关政府信息",
    "unavailable_needs_creation": "（四）2.没有现成信息需要另行制作",
    "unavailable_still_unclear": "（四）3.补正后申请内容仍不明确",
    "not_processed_complaint": "（五）不予处理 1.信访举报投诉类申请",
    "not_processed_duplicate": "（五）2.重复申请",
    "not_processed_publication": "（五）3.要求提供公开出版物",
    "not_processed_excessive": "（五）4.无正当理由大量反复申请",
    "not_processed_confirmation": "（五）5.要求行政机关确认或重新出具已获取信息",
    "other_no_correction": "（六）其他处理 1.逾期不补正",
    "other_no_fee": "（六）2.逾期未缴纳费用",
    "other_other": "（六）3.其他",
    "other": "（六）其他处理",
    "total": "（七）总计",
    "carried_forward": "四、结转下年度继续办理",
}
REQUEST_COLUMN_SHORT: dict[str, str] = {**APPLICANT_COLUMN_LABELS, "other_org": "其他（法人或其他组织）"}
APPEAL_GROUP_SHORT = APPEAL_GROUP_LABELS
APPEAL_FIELD_SHORT = APPEAL_FIELD_LABELS
TABLE_NAMES = {
    "active": "二、主动公开政府信息情况",
    "requests": "三、收到和处理政府信息公开申请情况",
    "appeals": "四、政府信息公开行政复议、行政诉讼情况",
}
SECTION_NUMERALS_CN = {1: "一", 2: "二", 3: "三", 4: "四", 5: "五", 6: "六"}


def cell_name(path: str) -> str:
    """A cell as a reviewer finds it in the printed table, e.g. 「（七）总计 × 商业企业」."""
    from ..vocabulary import ACTIVE_FIELD_LABELS, ALL_REQUEST_ROW_LABELS

    table, row, field = path.split(".")
    if table == "requests":
        r = REQUEST_ROW_SHORT.get(row, ALL_REQUEST_ROW_LABELS.get(row, row))
        return f"「{r} × {REQUEST_COLUMN_SHORT.get(field, field)}」"
    if table == "appeals":
        return f"「{APPEAL_GROUP_SHORT.get(row, row)} {APPEAL_FIELD_SHORT.get(field, field)}」"
    from ..vocabulary import ACTIVE_ROWS_2019, ACTIVE_ROWS_2021

    labels = {s.key: s.label for s in ACTIVE_ROWS_2019 + ACTIVE_ROWS_2021}
    return f"「{labels.get(row, row)} {ACTIVE_FIELD_LABELS.get(field, field)}」"


# --- cells ---------------------------------------------------------------------------------------
# A unit typed into a count or money cell (the template puts units in the header).
UNIT_IN_CELL_RE = re.compile(r"\d\s*(万元|元|件|条|个|项|次|人|%|％)|(万元|元|件|条|个|项|次)\s*$")
# Digits separated by white space inside one cell: `1 0` may be one number or two cells.
SPLIT_DIGITS_RE = re.compile(r"\d\s+\d")
# What a cell printed where the template wants a number (for messages).
BLANK_MARKS = {"": "blank", "/": "“/”", "／": "“／”"}

# --- sections --------------------------------------------------------------------------------------
# Section 五 with nothing to say: empty, 无, 无。, 暂无 …
EMPTY_SECTION_RE = re.compile(r"^[\s。.，,：:]*(无|暂无|没有|无\s*其他\s*需要报告的事项|/|—+|-+)?[\s。.]*$")

# --- fees (section 六) -------------------------------------------------------------------------------
FEE_MENTION_RE = re.compile(r"信息处理费|处理费|收费|收取|费用")
# Section 六 says no information-processing fee was charged.
NO_FEE_RE = re.compile(
    r"(未|没有|无|不|均未|从未)[^。；;]{0,20}?(收取|收费|产生|征收|发生)[^。；;]{0,20}?(费|收费情况)"
    r"|无[^。；;]{0,12}?(收费|处理费)[^。；;]{0,4}?情况"
    r"|(信息处理费|处理费)[^。；;\d]{0,6}?(为)?(0|零)(元|万元)?(?!\.\d*[1-9])"
    r"|收取[^。；;\d]{0,20}?(信息处理费|处理费)[^。；;\d]{0,4}?(0|零)(元|万元)"
)
# Section 六 states an amount of information-processing fees charged.
FEE_AMOUNT_RE = re.compile(
    r"(收取|收费)[^。；;\d]{0,24}?(信息处理费|处理费)[^。；;\d]{0,6}?(共|共计|合计|为)?(?P<n>\d+(?:\.\d+)?)(?P<unit>万元|元)"
)

# --- narrative -----------------------------------------------------------------------------------
_SPACE_RE = re.compile(r"(?<=\D)\s+|\s+(?=\D)")
_MARKUP_RE = re.compile(r"[*#]+")


def normalize_narrative(text: str) -> str:
    """Narrative text for matching: artefacts and markup gone, spaces kept only between digits."""
    text = WORD_ARTEFACT_RE.sub("", text)
    text = _MARKUP_RE.sub("", text)
    text = re.sub(r"\s+", " ", text)
    text = _SPACE_RE.sub("", text)
    return text.replace("(", "（").replace(")", "）").replace(",", "，").replace(";", "；")


# Clause-internal gap: no sentence or clause break and no digits (so a number is never skipped).
_GAP = r"[^。；！？，\d]{0,%d}?"
# A gap before 申请 that cannot pass 复议/诉讼/建议 (收到行政复议申请 is no information request).
_REQ_GAP = r"[^。；！？，\d复诉议]{0,%d}?"
_N = r"(?P<n>\d+)"
_OPT_QTY = r"(?:共计|总计|合计|共|计|数量为|数为|为|达)?"
_APPLICATION = r"(?:政府信息公开申请|信息公开申请|依申请公开事项|依申请公开申请|申请)"


def _re(pattern: str) -> re.Pattern:
    return re.compile(pattern)


# Each narrative pattern: (regex with group n, verb class). The rules decide what the number is
# compared with and how sure the wording is.
RECEIVED_PATTERNS: tuple[tuple[re.Pattern, str], ...] = (
    # 新收 / 收到 / 接到 …申请N件: the year's new applications.
    (_re(r"(?P<verb>新收|收到|接到|接收)" + _REQ_GAP % 30 + _APPLICATION + _OPT_QTY + _N + r"件"), "received"),
    # 受理…申请N件: usually new applications, sometimes new + carried over.
    (_re(r"(?P<verb>受理)" + _REQ_GAP % 30 + _APPLICATION + _OPT_QTY + _N + r"件"), "accepted"),
)
# "No request was received this year."
NO_REQUESTS_RE = _re(r"(?:未|没有|无)(?:收到|接到|受理|新收)(?:任何|过)?" + _GAP % 12 + r"(?:政府信息公开|依申请公开)(?:的)?申请")
CARRIED_OVER_PATTERNS: tuple[re.Pattern, ...] = (
    _re(r"(?:上一?年度?结转|结转上一?年度?|上年度?转入)" + _REQ_GAP % 20 + r"(?:申请)?" + _OPT_QTY + _N + r"件"),
)
HANDLED_PATTERNS: tuple[tuple[re.Pattern, str], ...] = (
    # 办理/办结/答复…申请N件
    (_re(r"(?<!年度)(?<!下年)(?<!继续)(?P<verb>办结|答复|办理)(?:了)?" + _REQ_GAP % 20 + _APPLICATION + _OPT_QTY + _N + r"件"), "handled"),
    # 受理…申请N件，答复N件 (the answer count right after the received count)
    (_re(r"受理" + _REQ_GAP % 30 + _APPLICATION + r"\d+件，(?:已|共|均已)?(?P<verb>答复|办结|办理)" + _OPT_QTY + _N + r"件"),
     "handled"),
)
CARRIED_FORWARD_PATTERNS: tuple[re.Pattern, ...] = (
    _re(r"结转(?:至|到|入)?下一?年度?(?:继续办理|办理|答复)?(?:的)?(?:申请)?" + _OPT_QTY + _N + r"件"),
    _re(_N + r"件(?:申请)?(?:顺延|结转|转入)(?:至|到)?下一?年度?"),
)
# Outcome categories: key -> rows of the request table whose totals the number is compared with.
OUTCOME_PATTERNS: tuple[tuple[re.Pattern, str], ...] = (
    (_re(r"(?:予以公开|同意公开|全部公开)(?:及|和|与|或)部分公开(?:的)?" + _OPT_QTY + _N + r"件"), "granted_or_partial"),
    (_re(r"(?<![不部分])(?:予以公开|同意公开|全部公开)(?:的)?" + _OPT_QTY + _N + r"件"), "granted"),
    (_re(r"(?:部分公开|区分处理后公开|区分处理后予以公开)(?:的)?" + _OPT_QTY + _N + r"件"), "partially_granted"),
    (_re(r"不予公开(?:的)?" + _OPT_QTY + _N + r"件"), "denied"),
    (_re(r"无法提供(?:的)?" + _OPT_QTY + _N + r"件"), "unavailable"),
    (_re(r"不予处理(?:的)?" + _OPT_QTY + _N + r"件"), "not_processed"),
    (_re(r"(?:作|做|予以)?其他处理(?:的)?" + _OPT_QTY + _N + r"件"), "other"),
)
# Words showing a count covers only part of the requests (a channel, a topic): never an error.
SUBSET_WORDS_RE = _re(r"涉及|关于|有关|类|方面|网上|网络|信函|当面|邮寄|传真|电子邮件|其中")
# Words naming one reason within an outcome group (不予公开 because of 国家秘密 is row 1 only).
OUTCOME_REASON_RE = _re(r"国家秘密|法律行政法规|法规禁止|三安全|一稳定|第三方|内部事务|过程性|执法案卷|行政查询|不掌握|"
                        r"另行制作|不明确|信访|举报|投诉|重复|出版物|大量反复|确认|逾期|缴纳|不存在|不属于")
# Appeals. Numbers of reconsiderations / lawsuits, either order.
# (the gap before 行政复议 may not pass 诉讼, nor the one before 行政诉讼 pass 复议)
RECONSIDERATION_PATTERNS: tuple[re.Pattern, ...] = (
    _re(r"行政复议(?:案件|申请|案)?" + _OPT_QTY + _N + r"(?:件|起|宗)"),
    _re(_N + r"(?:件|起|宗)" + r"[^。；！？，\d诉讼]{0,12}?" + r"行政复议(?:案件|案|申请)?"),
)
LITIGATION_PATTERNS: tuple[re.Pattern, ...] = (
    _re(r"(?<!复议后)行政诉讼(?:案件|案)?" + _OPT_QTY + _N + r"(?:件|起|宗)"),
    _re(_N + r"(?:件|起|宗)" + r"[^。；！？，\d复议]{0,12}?" + r"行政诉讼(?:案件|案)?"),
)
# "No reconsideration (or lawsuit)". Guarded against "no reconsideration was corrected" and the like.
NO_APPEAL_RE = _re(
    r"(?:没有|未发生|未出现|未有|无一例|无一起|未收到|未产生|未涉及|未被|无)(?:发生|出现)?"
    r"(?P<span>[^。；！？，无]{0,18}?(?:行政复议|复议)(?P<lit>(?:或|和|及|、|或者)(?:提起)?(?:行政)?诉讼)?)"
)
APPEAL_OUTCOME_WORDS_RE = _re(r"纠错|纠正|败诉|撤销|确认违法|维持")
INFO_DISCLOSURE_RE = _re(r"信息公开|政务公开|依申请")

# Normative documents: verb (if any, close before) + 规范性文件 + number.
NORMATIVE_RE = _re(r"(?P<pre>[^。；！？，\d]{0,12}?)(?:行政)?规范性文件" + _OPT_QTY + _N + r"件")
NORMATIVE_ISSUE_VERBS = ("制发", "印发", "出台", "制定", "新制定", "新出台", "发文")
NORMATIVE_PUBLISH_VERBS = ("公开", "发布", "公布")
NORMATIVE_IN_FORCE_WORDS = ("现行有效",)
NORMATIVE_REPEALED_WORDS = ("废止", "失效")
# Work on documents that is not issuing them: never compared.
NORMATIVE_SKIP_WORDS = ("清理", "备案", "审查", "审核", "合法性", "征求", "解读", "评估", "梳理", "报送", "起草", "修订",
                        "修改", "宣传", "上传", "涉及")

# Licensing / penalty / coercion decisions: only when 决定 is said.
DECISION_PATTERNS: tuple[tuple[re.Pattern, str], ...] = (
    (_re(r"(?P<verb>作出|做出|办理|实施)?" + _GAP % 6 + r"行政许可(?:处理)?决定(?:书)?" + _OPT_QTY + _N + r"(?:件|个|项)"),
     "licensing"),
    (_re(r"(?P<verb>作出|做出|办理|实施)?" + _GAP % 6 + r"行政处罚(?:处理)?决定(?:书)?" + _OPT_QTY + _N + r"(?:件|个|项)"),
     "penalty"),
    (_re(r"(?P<verb>作出|做出|办理|实施)?" + _GAP % 6 + r"行政强制(?:处理)?决定(?:书)?" + _OPT_QTY + _N + r"(?:件|个|项)"),
     "coercion"),
)
DECISION_SURE_VERBS = ("作出", "做出")

# 行政事业性收费 amount in the narrative (template 2021 states it in 万元).
ADMIN_FEE_RE = _re(r"行政事业性收费(?:金额|总额|总金额)?" + _OPT_QTY + r"(?P<n>\d+(?:\.\d+)?)(?P<unit>万元|亿元|元)")

# Known misprints of template labels: see vocabulary.LABEL_TYPOS.


# Words without which a pattern cannot match (and that no match crosses a clause to reach): the
# narrative checks run these patterns only over the clauses holding one.
PATTERN_ANCHORS: dict[re.Pattern, tuple[str, ...]] = {
    NORMATIVE_RE: ("规范性文件",),
    **{regex: ("决定",) for regex, _ in DECISION_PATTERNS},
}
