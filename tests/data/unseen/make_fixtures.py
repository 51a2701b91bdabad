"""Writes the issue-9 fixtures of this folder by editing real documents of ../shared/corpus.

Run from the checkout: `python tests/data/unseen/make_fixtures.py`. Each fixture keeps its real
source's gold (the edits change the layout, not the numbers, unless the fixture says so).

- ocr-markdown-000.md: seed 000 (上海市静安区人社局 2023) as a vision-OCR tool writes a scanned report:
  each row group its own small Markdown table under a `###` heading, generic column headers
  (| 类别 | 数据1 | … | 数据6 | 总计 |), a wrong header over the last rows, the appeals table as
  three small tables, one per group, each with its own 结果维持…总计 header.
"""
from __future__ import annotations

from pathlib import Path

HERE = Path(__file__).resolve().parent
CORPUS = HERE.parents[3] / "shared" / "corpus"

GENERIC = "| 类别 | 数据1 | 数据2 | 数据3 | 数据4 | 数据5 | 数据6 | 总计 |\n|---|---|---|---|---|---|---|---|"
WRONG = ("| 项目 | 本年新收件数 | 上年结转件数 | 予以公开 | 部分公开 | 不予公开 | 无法提供 | 不予处理 |\n"
         "|---|---|---|---|---|---|---|---|")
APPEAL_HEADER = "| 类别 | 结果维持 | 结果纠正 | 其他结果 | 尚未审结 | 总计 |\n|---|---|---|---|---|---|"


def ocr_markdown() -> str:
    lines = (CORPUS / "seeds" / "000_e36cf77514eb609c.txt").read_text(encoding="utf-8").split("\n")
    start = lines.index("三、收到和处理政府信息公开申请情况")
    end = lines.index("五、存在的主要问题及改进情况")
    rows = {}
    for line in lines[start:end]:
        cells = [c.strip() for c in line.split("|")]
        values = [c for c in cells if c.isdigit()]
        labels = [c for c in cells if c and not c.isdigit()]
        if len(values) in (7, 15) and labels:
            rows[labels[-1]] = values
        elif len(values) == 15:
            rows["appeals"] = values

    def table(*labels: str, header: str = GENERIC) -> list[str]:
        out = [header]
        for label in labels:
            out.append("| " + label + " | " + " | ".join(rows[label]) + " |")
        return out + [""]

    r = list(rows)
    md = ["## 三、收到和处理政府信息公开申请情况", "", "### 一、二 本年新收及上年结转", ""]
    md += table(r[0], r[1])
    md += ["### 三、本年度办理结果（一）（二）", ""] + table(r[2], r[3])
    md += ["### （三）不予公开", ""] + table(*r[4:12])
    md += ["### （四）无法提供", ""] + table(*r[12:15])
    md += ["### （五）不予处理", ""] + table(*r[15:20])
    md += ["### （六）其他处理", ""] + table(*r[20:23])
    md += ["### （七）总计及结转", ""] + table(r[23], r[24], header=WRONG)
    md += ["## 四、政府信息公开行政复议、行政诉讼情况", ""]
    appeals = rows["appeals"]
    for k, name in enumerate(("行政复议", "行政诉讼·未经复议直接起诉", "行政诉讼·复议后起诉")):
        md += [f"### {name}", "", APPEAL_HEADER, f"| {name} | " + " | ".join(appeals[5 * k:5 * k + 5]) + " |", ""]
    return "\n".join(lines[:start] + md + lines[end:])


if __name__ == "__main__":
    (HERE / "ocr-markdown-000.md").write_text(ocr_markdown(), encoding="utf-8")


def predates_templates() -> str:
    """seed 000 as a report for 2012: the template's tables replaced by the kind of table county
    reports printed before the national templates (2019)."""
    text = (CORPUS / "seeds" / "000_e36cf77514eb609c.txt").read_text(encoding="utf-8")
    lines = text.replace("2023", "2012").split("\n")
    start = lines.index("二、主动公开政府信息情况")
    end = lines.index("五、存在的主要问题及改进情况")
    old = ["二、主动公开政府信息情况", "| 指标名称 | 单位 | 数量 |", "| 主动公开政府信息数 | 条 | 1469 |",
           "| 其中：主动公开规范性文件数 | 条 | 2 |", "| 制发规范性文件总数 | 件 | 2 |",
           "三、依申请公开政府信息情况", "| 收到申请数 | 件 | 15 |", "| 其中：当面申请数 | 件 | 0 |",
           "| 对申请的答复总数 | 件 | 15 |", "| 同意公开答复数 | 件 | 2 |",
           "四、因政府信息公开申请行政复议、提起行政诉讼的情况", "| 行政复议数 | 件 | 1 |", "| 行政诉讼数 | 件 | 1 |"]
    return "\n".join(lines[:start] + old + lines[end:])


if __name__ == "__main__":
    (HERE / "predates-2012.txt").write_text(predates_templates(), encoding="utf-8")
