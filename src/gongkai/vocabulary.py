"""Every Chinese label of the national templates, as data.

国办公开办函〔2021〕30号 (template "2021", reports for 2021 on) and 国办公开办函〔2019〕60号
(template "2019", reports for 2019 and 2020). Code elsewhere refers to rows and columns by their
English keys; the Chinese words live only here.

A row is recognised by *cues*: short, distinctive substrings of its label that survive the typos,
stray spaces and truncations real reports contain (e.g. 其他法律行政止公开 still contains 其他法律).
Cues are matched against labels with spaces and punctuation removed (see `normalize_label`).
"""
from __future__ import annotations

import re
from functools import lru_cache
from dataclasses import dataclass

TEMPLATE_2021 = "2021"
TEMPLATE_2019 = "2019"


@dataclass(frozen=True)
class RowSpec:
    key: str
    label: str  # the template's own wording
    cues: tuple[str, ...]
    fields: tuple[str, ...] = ()
    # fields that may hold decimals (money); all others are integer counts
    decimal_fields: tuple[str, ...] = ()
    # fields that may be negative (本年增/减)
    signed_fields: tuple[str, ...] = ()


# --- 三、收到和处理政府信息公开申请情况 ------------------------------------------------------
APPLICANT_COLUMNS: tuple[str, ...] = (
    "natural_person", "commercial", "research", "social_welfare", "legal_services", "other_org", "total",
)
APPLICANT_COLUMN_LABELS: dict[str, str] = {
    "natural_person": "自然人",
    "commercial": "商业企业",
    "research": "科研机构",
    "social_welfare": "社会公益组织",
    "legal_services": "法律服务机构",
    "other_org": "其他",
    "total": "总计",
}

_R = APPLICANT_COLUMNS


def _req(key: str, label: str, *cues: str) -> RowSpec:
    return RowSpec(key, label, cues, _R)


REQUEST_ROWS_HEAD: tuple[RowSpec, ...] = (
    _req("new_received", "一、本年新收政府信息公开申请数量", "本年新收", "新收政府信息"),
    _req("carried_over", "二、上年结转政府信息公开申请数量", "上年结转", "上年度结转"),
    _req("granted", "三、本年度办理结果（一）予以公开", "予以公开"),
    _req("partially_granted", "（二）部分公开（区分处理的，只计这一情形，不计其他情形）", "部分公开"),
    _req("denied_state_secret", "（三）不予公开 1.属于国家秘密", "国家秘密"),
    _req("denied_prohibited_by_law", "2.其他法律行政法规禁止公开", "其他法律", "法规禁止", "行政法规"),
    _req("denied_security_stability", "3.危及“三安全一稳定”", "三安全", "一稳定"),
    _req("denied_third_party", "4.保护第三方合法权益", "第三方"),
    _req("denied_internal_affairs", "5.属于三类内部事务信息", "内部事务"),
    _req("denied_process_info", "6.属于四类过程性信息", "过程性"),
    _req("denied_enforcement_file", "7.属于行政执法案卷", "执法案卷"),
    _req("denied_administrative_inquiry", "8.属于行政查询事项", "行政查询", "查询事项"),
    _req("unavailable_not_held", "（四）无法提供 1.本机关不掌握相关政府信息", "不掌握"),
    _req("unavailable_needs_creation", "2.没有现成信息需要另行制作", "另行制作", "没有现成"),
    _req("unavailable_still_unclear", "3.补正后申请内容仍不明确", "仍不明确", "补正后"),
    _req("not_processed_complaint", "（五）不予处理 1.信访举报投诉类申请", "信访", "举报投诉"),
    _req("not_processed_duplicate", "2.重复申请", "重复申请"),
    _req("not_processed_publication", "3.要求提供公开出版物", "出版物"),
    _req("not_processed_excessive", "4.无正当理由大量反复申请", "大量反复"),
    _req("not_processed_confirmation", "5.要求行政机关确认或重新出具已获取信息", "重新出具", "确认或"),
)
REQUEST_ROWS_OTHER_2021: tuple[RowSpec, ...] = (
    _req("other_no_correction", "（六）其他处理 1.申请人无正当理由逾期不补正、行政机关不再处理其政府信息公开申请",
         "逾期不补正", "不补正"),
    _req("other_no_fee", "2.申请人逾期未按收费通知要求缴纳费用、行政机关不再处理其政府信息公开申请",
         "缴纳费用", "收费通知"),
    _req("other_other", "3.其他", "3其他"),
)
REQUEST_ROW_OTHER_SINGLE = _req("other", "（六）其他处理", "其他处理")
REQUEST_ROWS_TAIL: tuple[RowSpec, ...] = (
    _req("total", "（七）总计", "总计"),
    _req("carried_forward", "四、结转下年度继续办理", "结转下年", "下年度继续"),
)
REQUEST_ROWS_2021 = REQUEST_ROWS_HEAD + REQUEST_ROWS_OTHER_2021 + REQUEST_ROWS_TAIL
REQUEST_ROWS_2019 = REQUEST_ROWS_HEAD + (REQUEST_ROW_OTHER_SINGLE,) + REQUEST_ROWS_TAIL
# Rows whose sum (per column) is （七）总计.
OUTCOME_ROWS_2021 = tuple(r.key for r in REQUEST_ROWS_HEAD[2:] + REQUEST_ROWS_OTHER_2021)
OUTCOME_ROWS_SINGLE_OTHER = tuple(r.key for r in REQUEST_ROWS_HEAD[2:]) + ("other",)
ALL_REQUEST_ROW_LABELS: dict[str, str] = {
    r.key: r.label for r in REQUEST_ROWS_2021 + (REQUEST_ROW_OTHER_SINGLE,)
}

REQUESTS_TABLE_CUES = ("勾稽关系", "申请人情况")
# Words that announce one of the statutory tables (the Article 20 table's header first).
TABLE_START_CUES = ("第二十条", "信息内容", "勾稽关系", "申请人情况", "本年新收")

# --- 四、政府信息公开行政复议、行政诉讼情况 -------------------------------------------------
APPEAL_GROUPS: tuple[str, ...] = ("reconsideration", "litigation_direct", "litigation_after_reconsideration")
APPEAL_GROUP_LABELS: dict[str, str] = {
    "reconsideration": "行政复议",
    "litigation_direct": "行政诉讼·未经复议直接起诉",
    "litigation_after_reconsideration": "行政诉讼·复议后起诉",
}
APPEAL_FIELDS: tuple[str, ...] = ("upheld", "corrected", "other", "pending", "total")
APPEAL_FIELD_LABELS: dict[str, str] = {
    "upheld": "结果维持", "corrected": "结果纠正", "other": "其他结果", "pending": "尚未审结", "total": "总计",
}
APPEALS_HEADER_CUES = ("结果维持", "尚未审结", "复议后起诉", "直接起诉")

# --- 二、主动公开政府信息情况 (Article 20) --------------------------------------------------
_DOC3_2021 = ("issued", "repealed", "in_force")
_DOC3_2019 = ("made", "published", "total_published")
_ITEMS3 = ("previous_items", "change", "decisions")

ACTIVE_ROWS_2021: tuple[RowSpec, ...] = (
    RowSpec("regulations", "规章", ("规章",), _DOC3_2021),
    RowSpec("normative_documents", "行政规范性文件", ("规范性文件",), _DOC3_2021),
    RowSpec("licensing", "行政许可", ("行政许可",), ("decisions",)),
    RowSpec("penalty", "行政处罚", ("行政处罚",), ("decisions",)),
    RowSpec("coercion", "行政强制", ("行政强制",), ("decisions",)),
    RowSpec("fees", "行政事业性收费", ("事业性收费",), ("amount",), decimal_fields=("amount",)),
)
ACTIVE_ROWS_2019: tuple[RowSpec, ...] = (
    RowSpec("regulations", "规章", ("规章",), _DOC3_2019),
    RowSpec("normative_documents", "规范性文件", ("规范性文件",), _DOC3_2019),
    RowSpec("licensing", "行政许可", ("行政许可",), _ITEMS3, signed_fields=("change",)),
    RowSpec("other_services", "其他对外管理服务事项", ("对外管理服务",), _ITEMS3, signed_fields=("change",)),
    RowSpec("penalty", "行政处罚", ("行政处罚",), _ITEMS3, signed_fields=("change",)),
    RowSpec("coercion", "行政强制", ("行政强制",), _ITEMS3, signed_fields=("change",)),
    RowSpec("fees", "行政事业性收费", ("事业性收费",), ("previous_items", "change"), signed_fields=("change",)),
    RowSpec("procurement", "政府集中采购", ("集中采购",), ("items", "amount"), decimal_fields=("amount",)),
)
ACTIVE_FIELD_LABELS: dict[str, str] = {
    "issued": "本年制发件数", "repealed": "本年废止件数", "in_force": "现行有效件数",
    "made": "本年新制作数量", "published": "本年新公开数量", "total_published": "对外公开总数量",
    "decisions": "处理决定数量", "previous_items": "上一年项目数量", "change": "本年增/减",
    "amount": "金额", "items": "采购项目数量",
}

# Column headers that only one template has: they decide which template a report follows.
TEMPLATE_2021_MARKERS = ("本年制发件数", "本年废止件数", "现行有效件数", "本年收费金额", "逾期不补正", "缴纳费用")
TEMPLATE_2019_MARKERS = ("本年新制作数量", "本年新公开数量", "对外公开总数量", "上一年项目数量", "集中采购",
                         "对外管理服务事项")

# What a report's text says about Article 20 cells (制发规范性文件9件，废止7件，现行有效253件): the
# subject naming the row, and the verbs before a field's count. Used only to choose among the
# splits of a glued run the table prints (see extract/narrative.py).
NARRATIVE_ROW_SUBJECTS: dict[str, tuple[str, ...]] = {
    "regulations": ("规章",), "normative_documents": ("规范性文件",), "licensing": ("行政许可",),
    "penalty": ("行政处罚",), "coercion": ("行政强制",),
}
NARRATIVE_FIELD_VERBS: dict[tuple[str, str], tuple[str, ...]] = {
    ("*", "issued"): ("制发", "印发", "出台", "制定"),
    ("*", "repealed"): ("废止",),
    ("*", "in_force"): ("现行有效",),
    ("*", "made"): ("新制作", "制发", "制定", "印发"),
    ("*", "published"): ("新公开",),
    ("*", "total_published"): ("对外公开总数",),
    ("*", "decisions"): ("决定",),
}

# Known misprints of the template's labels, reported as warnings by the checks.
LABEL_TYPOS: dict[str, str] = {
    "本年度止件数": "本年废止件数",
    "其他法律行政止公开": "其他法律行政法规禁止公开",
}

# --- sections --------------------------------------------------------------------------------
SECTION_TITLES: tuple[tuple[int, str, tuple[str, ...]], ...] = (
    (1, "总体情况", ("总体情况",)),
    (2, "主动公开政府信息情况", ("主动公开政府信息",)),
    (3, "收到和处理政府信息公开申请情况", ("收到和处理政府信息公开申请", "处理政府信息公开申请情况")),
    (4, "政府信息公开行政复议、行政诉讼情况", ("行政复议、行政诉讼", "行政复议和行政诉讼", "行政复议、提起行政诉讼",
                                         "行政复议和提起行政诉讼", "行政复议、行政诉讼情况")),
    (5, "存在的主要问题及改进情况", ("存在的主要问题",)),
    (6, "其他需要报告的事项", ("其他需要报告",)),
)
SECTION_NUMERALS = {"一": 1, "二": 2, "三": 3, "四": 4, "五": 5, "六": 6,
                    "1": 1, "2": 2, "3": 3, "4": 4, "5": 5, "6": 6}

# --- metadata --------------------------------------------------------------------------------
REPORT_TITLE_RE = re.compile(
    r"政府\s*信息\s*公开\s*(?:工作\s*)?(?:年度\s*)?(?:工作\s*)?(?:年度\s*)?报\s*告"
)
AGENCY_SUFFIXES = (
    "人民政府", "政府", "局", "委员会", "委", "办公室", "办公厅", "厅", "部", "署", "院", "会", "中心", "所", "站",
    "队", "处", "馆", "办", "行", "集团", "公司", "街道办事处", "管委会", "管理委员会", "实验区", "新区", "开发区",
    "区", "县", "市", "旗", "镇", "乡", "街道", "监狱", "法院", "检察院", "海关", "支队", "大队", "总队", "学校", "大学",
    # 供销合作总社, 农村信用合作联社, 报社; 第一中学, 实验小学, 职业学院
    "社", "中学", "小学", "学院", "幼儿园",
)
# The opening names the body that wrote the report: 本报告由…编制 / …编制了本报告 / 现将…年度报告…公布.
AGENCY_OPENING_RES = (
    re.compile(r"(?:本|此|该)?(?:年度)?报告由(?P<name>[^，,。；;：:“”（）()]{2,40}?)(?:负责)?(?:编制|编写|制作|发布|公布)"),
    re.compile(r"现将(?P<name>[^，,。；;：:“”（）()\d]{2,40}?)(?:19|20)\d{2}\s*年度?"),
)
# What a portal appends to a page title after the report's name: 标题-沭阳县发改局, 标题_某某网.
TITLE_SITE_SUFFIX_RE = re.compile(r"\s*[-－—–_|｜]+\s*[^-－—–_|｜]{2,40}$")
STATISTICS_PERIOD_RE = re.compile(r"(?:统计期限|统计时限|统计期间|统计时间)[^0-9]{0,12}(\d{4})\s*年\s*1\s*月\s*1\s*日")

# Generic column headers some tools write over a table instead of the template's (数据1 … 数据6,
# 列2, 第3栏): words with a column number, never a value.
GENERIC_COLUMN_HEADER_RE = re.compile(r"^(?:数据|数值|列|栏|栏目|字段|第)\s*[0-9]{1,2}\s*(?:列|栏)?$")

# Dash-like cells meaning "not applicable" -> null.
NULL_MARKERS = frozenset({"—", "——", "———", "————", "-", "--", "---", "/", "／", "无", "－", "―", "─", "x", "X", "╱", "\\"})
UNITS = ("万元", "元", "件", "条", "个", "项", "次")

# Word / web leftovers to drop from text before reading.
WORD_ARTEFACT_RE = re.compile(r"\[bookmark:[^\]]*\]")

_PUNCT_RE = re.compile(r"[\s\u3000·•“”\"'‘’「」『』《》<>〈〉（）()\[\]【】{}、，,。.．:：;；!！?？|_\-—―/／*#]+")


@lru_cache(maxsize=16384)
def normalize_label(text: str) -> str:
    """A label reduced to its words: no spaces, punctuation or bracket numbering marks (cached: the
    readers normalise the same labels again and again while they look for tables and rows)."""
    return _PUNCT_RE.sub("", text)


# Explanations inside the template's row labels that a short name of the row leaves out.
LABEL_EXPLANATIONS_RE = re.compile(r"（区分处理的[^）]*）|、行政机关不再处理其政府信息公开申请")
# A row label that opens with the heading of its group of rows (三、本年度办理结果（一）予以公开).
ROW_GROUP_HEADING_RE = re.compile(r"^[一二三四五六七八九十]、[^（]*(?=（)")
