"""The store's Chinese words, as data: agency-name forms, export and stats headers, the messages of
the cross-report checks. The template's own labels stay in `gongkai.vocabulary`.
"""
from __future__ import annotations

import re

# --- agency names ------------------------------------------------------------------------------
# Short forms (简称) of bodies' names -> the full form (全称), matched on the part of the name after
# the region (上海市静安区|人社局). Longest first when applied.
BODY_ALIASES: dict[str, str] = {
    "人社局": "人力资源和社会保障局",
    "人力社保局": "人力资源和社会保障局",
    "人社厅": "人力资源和社会保障厅",
    "发改委": "发展和改革委员会",
    "发展改革委": "发展和改革委员会",
    "发改局": "发展和改革局",
    "住建局": "住房和城乡建设局",
    "住建委": "住房和城乡建设委员会",
    "住建厅": "住房和城乡建设厅",
    "市场监管局": "市场监督管理局",
    "卫健委": "卫生健康委员会",
    "卫健局": "卫生健康局",
    "交通局": "交通运输局",
    "教体局": "教育体育局",
    "文旅局": "文化和旅游局",
    "文广旅局": "文化广电和旅游局",
    "应急局": "应急管理局",
    "医保局": "医疗保障局",
    "退役军人局": "退役军人事务局",
    "政数局": "政务服务数据管理局",
    "政务服务局": "政务服务管理局",
    "政府办公室": "人民政府办公室",
    "政府办": "人民政府办公室",
    "府办": "人民政府办公室",
    "管委会": "管理委员会",
}
# What an area's government calls itself; all mean "the government of the region" for linking.
GOVERNMENT_BODIES: frozenset[str] = frozenset({"", "人民政府", "政府", "管理委员会", "管委会"})
GOVERNMENT_BODY = "人民政府"
# A body part that still starts with a level word once the region is cut off (静安区|区人社局).
LEADING_LEVEL_RE = re.compile(r"^(?:省|市|区|县|镇|乡|街道)(?=[^\s]{2,})")
# Parenthesised additions to a name (another name of the same body, a note): dropped for the key.
PARENTHETICAL_RE = re.compile(r"[（(][^（）()]*[）)]")
# Division names that are no real level (cpca's pseudo-cities).
PSEUDO_DIVISIONS: frozenset[str] = frozenset({"市辖区", "县", "省直辖县级行政区划", "自治区直辖县级行政区划",
                                              "省直辖行政区划", "市直辖行政区划"})
# Province-level codes of the four municipalities (直辖市): their districts' city is the municipality.
MUNICIPALITIES: frozenset[str] = frozenset({"11", "12", "31", "50"})
NOTE_AMBIGUOUS = "{name}：同名区划{count}处（{places}），名称和正文都不能确定是哪一处"
NOTE_FROM_TEXT = "{name}：同名区划{count}处，按正文中的“{hint}”定为{place}"
NOTE_SUCCESSOR = "{old}已改为{new}（{date}），按{new}关联各年度"

# --- export headers ------------------------------------------------------------------------------
TABLE_LABELS: dict[str, str] = {"active": "主动公开", "requests": "依申请公开", "appeals": "复议诉讼"}
HEADER_SEPARATOR = "｜"
# Long explanations inside the template's row labels, dropped from column headers.
LABEL_TRIM_RE = re.compile(r"（区分处理的[^）]*）|、行政机关不再处理其政府信息公开申请|\s+")
REPORT_HEADERS: dict[str, str] = {
    "report_id": "报告编号（SHA-256）",
    "agency": "机关名称",
    "agency_key": "机关标识",
    "province": "省",
    "city": "市",
    "county": "县（区）",
    "region_code": "区划代码",
    "year": "年度",
    "template": "模板",
    "source_path": "文件",
    "media_type": "文件类型",
    "n_errors": "错误数",
    "n_warnings": "警告数",
    "parser_version": "解析器版本",
}
CELL_HEADERS: dict[str, str] = {
    "path": "单元格",
    "table_label": "表",
    "row_label": "行",
    "field_label": "列",
    "header": "标题",
    "value": "数值",
    "raw": "原文",
    "location": "位置",
}
FINDING_HEADERS: dict[str, str] = {
    "rule": "规则",
    "severity": "级别",
    "origin": "来源",
    "message": "说明",
    "where_path": "位置",
    "evidence": "依据",
    "scope": "范围",
    "other_report_id": "相关报告",
}
SHEET_NAMES: dict[str, str] = {"wide": "报告", "long": "单元格", "findings": "问题"}

# --- stats -----------------------------------------------------------------------------------------
STATS_HEADERS: dict[str, str] = {
    "year": "年度",
    "region": "地区",
    "reports": "报告",
    "agencies": "机关",
    "with_errors": "有错误的报告",
    "errors": "错误",
    "warnings": "警告",
    "cross_findings": "跨报告问题",
    "new_requests": "新收申请",
    "reconsiderations": "行政复议",
    "lawsuits": "行政诉讼",
}
UNKNOWN_REGION = "（未识别）"

# --- cross-report findings -----------------------------------------------------------------------
MSG_CARRYOVER = ("上年结转（{column}）为 {cur}，与{prev_year}年报告的结转下年度继续办理 {prev} 不一致"
                 "（{agency}）")
MSG_IN_FORCE = ("{row}现行有效件数为 {cur}，按{prev_year}年现行有效 {prev_in_force} + 本年制发 {issued} − "
                "本年废止 {repealed} 应为 {expected}")
MSG_SIMILAR_OTHER_BODY = "正文与{other_agency}{other_year}年报告雷同（相似度 {similarity:.0%}）{more}"
MSG_SIMILAR_OTHER_YEAR = "正文与本机关{other_year}年报告雷同（相似度 {similarity:.0%}）{more}"
MSG_SIMILAR_MORE = "，另有 {count} 份报告与之雷同"
MSG_DUPLICATE = "本机关{year}年另有 {count} 份报告（{ids}）{same}"
MSG_DUPLICATE_SAME = "，表格数据完全相同"
MSG_DUPLICATE_DIFFERENT = "，表格数据不同"
EVIDENCE_SIMILAR = "对照报告：{path}"
EVIDENCE_CELL = "{year}年报告 {location}：“{raw}”"
