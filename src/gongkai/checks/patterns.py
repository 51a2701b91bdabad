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
# A character every match of UNIT_IN_CELL_RE holds (each of its alternatives ends in a unit of these).
UNIT_IN_CELL_CHARS = "元件条个项次人%％"
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


def _squeeze_spaces(text: str) -> str:
    r"""Runs of white space dropped, but one space kept between two digits (`1 0` may be two cells).

    `str.split()` and the regex `\s` take the same characters for white space; a loop over the
    words costs a fraction of a regex callback per run."""
    words = text.split()
    if len(words) < 2:
        return words[0] if words else ""
    out = [words[0]]
    prev = words[0]
    for word in words[1:]:
        if prev[-1].isdecimal() and word[0].isdecimal():
            out.append(" ")
        out.append(word)
        prev = word
    return "".join(out)


def normalize_narrative(text: str) -> str:
    """Narrative text for matching: artefacts and markup gone, spaces kept only between digits."""
    if "[bookmark" in text:
        text = WORD_ARTEFACT_RE.sub("", text)
    if "*" in text or "#" in text:  # (markup marks dropped one by one: what dropping their runs drops)
        text = text.replace("*", "").replace("#", "")
    text = _squeeze_spaces(text)
    return text.replace("(", "（").replace(")", "）").replace(",", "，").replace(";", "；")


# --- narrative statements (see statements.py) ------------------------------------------------------
# A counted quantity: an Arabic or Chinese number, 万/亿, 余/多, a counter. (One character class to
# start with, whole runs only and no backtracking into them, so the scan of a table's glued digits
# stays linear; the approximation words around it are looked at in code.)
# (?<![\d.零…千]) is checked after the number's first character, so that the pattern opens with a
# character class, which the regex engine skips through at C speed.
# A count's parts: a number (digits or numerals, from the start of its run), 万/亿, 余/多, a unit.
# (statements._may_count looks for the same units and number characters before the regex scans)
QUANTITY_NUMERALS = "零〇一二两三四五六七八九十百千"
QUANTITY_UNITS = ("件", "起", "宗", "例", "个", "项", "条", "次", "份", "元")
QUANTITY_RE = re.compile(
    rf"(?P<num>[\d{QUANTITY_NUMERALS}](?<![\d.{QUANTITY_NUMERALS}].)[\d.{QUANTITY_NUMERALS}]*+)"
    rf"(?P<wan>[万亿])?(?P<approx>[余多])?(?P<unit>{'|'.join(QUANTITY_UNITS)})")
ARABIC_RE = re.compile(r"\d+(?:\.\d+)?")
CHINESE_NUMERAL_RE = re.compile(r"[零〇一二两三四五六七八九十百千]+")
# Words before a count that make it approximate or a bound, longest first.
QUANTITY_PREFIXES = ("不少于", "将近", "大约", "超过", "多达", "不足", "不到", "至少", "约", "近", "逾")
QUANTITY_SUFFIXES = ("左右", "以上", "之多")
# Thousands separators inside a number (3,119件).
THOUSANDS_RE = re.compile(r"(?<=\d)，(?=\d{3}(?!\d))")
# (opening with the comma, which the regex engine finds at C speed; a leading \d is tested at every character)
THOUSANDS_HINT_RE = re.compile(r"，(?<=\d，)\d\d\d")
# Before a Chinese numeral, words that make it no count (第一件, 其一, 统一, 唯一, 万一 …).
CHINESE_NUMERAL_BLOCKERS = "第其统唯万之逐同单十百千无每"
# 一起 is mostly "together": a count only right after a case word.
ONE_CASE_CONTEXT_RE = re.compile(r"(?:复议|诉讼|案件?)$")
# Where a sentence ends and a clause ends (quoted and bracketed titles are kept whole).
SENTENCE_ENDS = "。！？；"
CLAUSE_ENDS = "，：:（）"
QUOTE_PAIRS = {"“": "”", "《": "》", "「": "」", "‘": "’"}
# Words joining two counted items of one enumeration.
ITEM_JOINERS_RE = re.compile(r"(?:、|和|及|以及|与|或)")
# What may follow a count and still leave its noun before it (申请15件的, 17件左右).
TRAILING_FILLER_RE = re.compile(r"^(?:的|了|之多|左右|以上|等|等等|次|占[^，]*|共计|合计|总计)*$")
# Words that make a noun phrase the subject of a count (without one, the words before a count are
# only a verb or a time: 收到1件…复议案 counts what follows).
SUBJECT_NOUN_RE = re.compile(r"申请|复议|诉讼|案|文件|决定|公开|提供|处理|结转|顺延|办结|答复|收费|维持|纠正|审结|信息|事项")
# A count followed by 为/系/属于 describes a part (4件为“重复申请”).
BREAKDOWN_RE = re.compile(r"^(?:为|系|属于|属|是)")
# Information disclosure named (so an appeal or a request is about it, not the agency's other work).
INFO_DISCLOSURE_WORDS = ("信息公开", "政务公开", "依申请")
# A request for information (not 复议申请, 建议, 提案, 热线 …).
REQUEST_NOUN_WORD = "申请"  # (依申请公开事项 holds it too)
NOT_A_REQUEST_RE = re.compile(r"复议|诉讼|建议|提案|热线|12345|诉求|咨询|信访件|投诉件|办件|许可|审批|补贴|申领|证照|"
                              r"许可证|证书")
# Request counts by verb.
CARRIED_FORWARD_RE = re.compile(r"结转(?:至|到|入)?下一?年|(?:顺延|转入|转)(?:至|到)?下一?年|下一?年度?(?:继续)?办理")
CARRIED_OVER_RE = re.compile(r"上一?年度?(?:结转|转入|遗留)|结转上一?年|上年度?未办结")
RECEIVED_VERB_RE = re.compile(r"新收|收到|接到|接收")
ACCEPTED_VERB_RE = re.compile(r"受理")
HANDLED_SURE_VERB_RE = re.compile(r"办结|答复|回复")
HANDLED_VERB_RE = re.compile(r"办理")
# Outcome words: (topic, a word every match holds, regex), tried in this order; the first that matches
# decides. Each holds 公开, 处理 or 无法提供: statements.py tries them only on words that do (and a
# regex only on words holding its word, an `in` test at C speed).
OUTCOME_WORDS: tuple[tuple[str, str, re.Pattern], ...] = (
    ("granted_or_partial", "部分公开", re.compile(r"(?:予以公开|同意公开|全部公开)(?:及|和|与|或)部分公开")),
    ("partially_granted", "分", re.compile(r"部分公开|区分处理")),
    ("denied", "不予公开", re.compile(r"不予公开")),
    ("unavailable", "无法提供", re.compile(r"无法提供")),
    ("not_processed", "不予处理", re.compile(r"不予处理")),
    ("other", "其他处理", re.compile(r"其他处理")),
    ("granted", "公开", re.compile(r"(?<![不部分])(?:予以公开|同意公开|全部公开)")),
)
# Words showing a count covers only part of the requests (a channel, a topic): never an error.
SUBSET_WORDS_RE = re.compile(r"涉及|关于|有关|类|方面|网上|网络|信函|当面|邮寄|传真|电子邮件|其中|自然人|法人|企业|组织")
# ... unless the clause says the count is of all kinds.
ALL_KINDS_RE = re.compile(r"各类|各种|全部|所有")
# Words naming one reason within an outcome group (不予公开 because of 国家秘密 is row 1 only).
OUTCOME_REASON_RE = re.compile(r"国家秘密|法律行政法规|法规禁止|三安全|一稳定|第三方|内部事务|过程性|执法|行政查询|不掌握|"
                               r"另行制作|不明确|信访|举报|投诉|重复|出版物|大量反复|确认|逾期|缴纳|不存在|不属于|已主动公开|"
                               r"已经主动公开|主动公开")
# Appeals.
RECONSIDERATION_WORD = "复议"
LITIGATION_WORDS = ("诉讼", "起诉")
LITIGATION_AFTER_RE = re.compile(r"复议后[^，。；、]{0,6}?(?:诉讼|起诉)")
LITIGATION_DIRECT_RE = re.compile(r"未经复议|直接(?:提起)?(?:行政)?(?:诉讼|起诉)")
DISTRIBUTIVE_RE = re.compile(r"各$|分别为?$|均为$")
APPEAL_RESULT_WORDS: tuple[tuple[str, re.Pattern], ...] = (
    ("upheld", re.compile(r"维持")),
    ("corrected", re.compile(r"纠正|纠错|撤销|确认违法|败诉")),
    ("pending", re.compile(r"尚未审结|未审结|未结案|审理中")),
    ("other", re.compile(r"其他结果")),
)
# Counts of appeals that are not the table's (纠错率, 败诉率 are rates; 被纠错 is a result).
APPEAL_NOT_A_COUNT_RE = re.compile(r"率")
APPEAL_OTHER_KIND_RE = re.compile(r"建议|提案|热线|12345|诉求")
# "No request was received this year."
NO_REQUESTS_RE = re.compile(r"(?:未|没有|无)(?:收到|接到|受理|新收)(?:任何|过)?[^。；！？，\d]{0,12}?"
                            r"(?:政府信息公开|依申请公开)(?:的)?申请")
# "No reconsideration (or lawsuit)". Guarded against "no reconsideration was corrected" and the like.
NO_APPEAL_RE = re.compile(
    r"(?:没有|未发生|未出现|未有|无一例|无一起|未收到|未产生|未涉及|未被|无)(?:发生|出现)?"
    r"(?P<span>[^。；！？，无]{0,18}?(?:行政复议|复议)(?P<lit>(?:或|和|及|、|或者)(?:提起)?(?:行政)?诉讼)?)"
)
APPEAL_OUTCOME_WORDS_RE = re.compile(r"纠错|纠正|败诉|撤销|确认违法|维持")
# "All were finished": the year's requests all answered or closed.
ALL_HANDLED_RE = re.compile(r"(?:均|全部|都)(?:已|已经)?(?:按时|按期|依法|及时|按要求|按照要求|在法定期限内|在规定时限内)?"
                            r"(?:办结|办理完毕|办理完成|答复完毕|予以答复|答复|完成答复)")
# "All were made by natural persons."
ALL_NATURAL_PERSONS_RE = re.compile(r"均为自然人|全部为自然人|均由自然人|全部由自然人")
# Words meaning a year in a sentence is not the period the sentence reports on.
OTHER_YEAR_CONTEXT_RE = re.compile(r"以来|以前|之前|同比|相比|比较|较|去年|上年|截至|截止|至今|累计|自|从|起|成立|印发|"
                                   r"出台|施行|实施|发布|制定|规划|计划|要点|方案|意见|通知|办法|条例|规定|将|继续|力争|预计|目标")

# Normative documents: verb (if any, close before) + 规范性文件 + number.
NORMATIVE_NOUN_RE = re.compile(r"(?:行政)?规范性文件")
NORMATIVE_ISSUE_VERBS = ("制发", "印发", "出台", "制定", "新制定", "新出台", "发文")
NORMATIVE_PUBLISH_VERBS = ("公开", "发布", "公布")
NORMATIVE_IN_FORCE_WORDS = ("现行有效",)
NORMATIVE_REPEALED_WORDS = ("废止", "失效")
# Work on documents that is not issuing them: never compared.
NORMATIVE_SKIP_WORDS = ("清理", "备案", "审查", "审核", "合法性", "征求", "解读", "评估", "梳理", "报送", "起草", "修订",
                        "修改", "宣传", "上传", "涉及", "类")

# Licensing / penalty / coercion decisions: only when 决定 is said (statements.py tries them only on
# words holding 决定).
DECISION_WORDS: tuple[tuple[str, re.Pattern], ...] = (
    ("licensing", re.compile(r"行政许可(?:处理)?决定(?:书)?")),
    ("penalty", re.compile(r"行政处罚(?:处理)?决定(?:书)?")),
    ("coercion", re.compile(r"行政强制(?:处理)?决定(?:书)?")),
)
DECISION_SURE_VERBS = ("作出", "做出")
DECISION_UNITS = ("件", "个", "项")

# 行政事业性收费 amount in the narrative (template 2021 states it in 万元).
ADMIN_FEE_NOUN_RE = re.compile(r"行政事业性收费(?:金额|总额|总金额)?")
MONEY_UNITS = {"万元": 1.0, "亿元": 10000.0, "元": 0.0001}

# Known misprints of template labels: see vocabulary.LABEL_TYPOS.

# --- year, title, publication (publication.py) -----------------------------------------------------
TITLE_YEAR_RE = re.compile(r"((?:19|20)\d{2})\s*年度?")
# The report's name in its title (spaces removed): 政府信息公开工作年度报告 and the variants in use.
REPORT_NAME_RE = re.compile(r"政府信息公开(?:工作)?(?:年度)?(?:工作)?(?:年度)?报告")
# A year opening a sentence of part 一 (2023年，本机关…), not a date or a start (自2019年).
# (the "not after 自/从/至/到/止" test is made after 19/20: a pattern that opens with a look-behind
# is tried at every character, one that opens with digits is scanned for them at C speed)
OVERVIEW_YEAR_RE = re.compile(r"((?:19|20)(?<![自从至到止]..)\d{2})年度?，")
# An area's government: 人民政府, 管委会, or a bare region name (平潭综合实验区, 莆田市涵江区).
GOVERNMENT_NAME_RE = re.compile(r"(?:人民政府|政府|管理委员会|管委会)$|"
                                r"^[^局委厅办部院会中心所站队处馆行司社校]*(?:实验区|新区|开发区|示范区|自治区|自治州|"
                                r"自治县|省|市|区|县|旗|盟)$")
# The statistical period: 统计期限自2023年1月1日起…, 统计周期为 2024 年 1 月 1 日至 12 月 31 日.
PERIOD_RE = re.compile(r"统计(?:期限|时限|期间|时间|周期|区间|范围)[^0-9]{0,12}?((?:19|20)\d{2})\s*年\s*1\s*月\s*1\s*日")

# --- across reports (store/cross.py) -------------------------------------------------------------
# A count said of a government's whole area (全区受理…申请21件), not of its own office.
AREA_WIDE_RE = re.compile(r"全(?:省|市|区|县|州|盟|旗|镇|乡)|各级")
# Text of the statutory tables inside a part (headers every report prints): left out of comparisons.
TABLE_TEXT_RE = re.compile(r"本列数据的勾稽关系|第二十条第|结果维持结果纠正|申请人情况|信息内容本年")
# Words comparing a figure with another period's (比2022年增加, 同比下降): the year there is no stale copy.
COMPARISON_RE = re.compile(r"同比|较|比|相比|增长|增加|减少|下降|上升|持平")
# Counts that cover other bodies than the reporting one (全区各部门共收到…): never sure of the table's.
OTHER_BODIES_RE = re.compile(r"各部门|各单位|各级|各地|各镇|各乡|各街道|各县|各区|各市|各委办局|各成员单位|所属单位|下属单位|系统内")
