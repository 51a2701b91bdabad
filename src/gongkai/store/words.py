"""The store's Chinese words, as data: agency-name forms and the parts of the cells' Chinese
headers. (Messages, export and stats headers are English msgids translated through gongkai.i18n;
the template's own labels stay in `gongkai.vocabulary`.)
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
