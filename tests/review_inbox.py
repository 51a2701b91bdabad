"""A reviewer's inbox built from the shared corpus, for the letters and summary tests.

Real reports as they are, an edited copy of a real report (one total changed so its identities
fail), a report of another year, one not on the roster, and a file that is no report; and a roster
CSV naming one body that sent nothing (and one body by its short name, matched by normalisation).
"""
from __future__ import annotations

import shutil
from pathlib import Path

from conftest import CORPUS, SEEDS

YEAR = 2023
# Roster names: the short form of 上海市静安区人力资源和社会保障局 must match it; 黄浦区 sent nothing.
MISSING_BODY = "上海市黄浦区人力资源和社会保障局"
ROSTER = ["静安区人社局", "莆田市涵江区人力资源和社会保障局", "上海市嘉定区人力资源和社会保障局",
          "洪泽区人民政府", "青岛市人力资源和社会保障局", MISSING_BODY]
# The edited copy: 一、本年新收 总计 printed 3 where its row adds up to 0.
EDITED_LINE = 33


def build_inbox(root: Path) -> dict[str, Path]:
    """Write the inbox under `root` (folder `inbox`, file `roster.csv`); returns the named paths."""
    inbox = root / "inbox"
    inbox.mkdir(parents=True)
    seed = {p.name[:3]: p for p in SEEDS}
    paths = {
        "jingan": inbox / "jingan-2023.txt",  # passes
        "hanjiang": inbox / "hanjiang-2023-edited.txt",  # edited: identities fail
        "jiading": inbox / "jiading-2020.txt",  # another year
        "shanghai": inbox / "shanghai-2024.txt",  # not on the roster, another year
        "qingdao": inbox / "qingdao-2023.txt",  # one warning
        "hongze": inbox / "hongze-2023.pdf",  # real PDF, two errors
        "broken": inbox / "broken.pdf",  # no report at all
    }
    shutil.copy(seed["000"], paths["jingan"])
    lines = seed["002"].read_text(encoding="utf-8").split("\n")
    assert lines[EDITED_LINE - 1].startswith("| 一、本年新收政府信息公开申请数量 |") and lines[EDITED_LINE - 1].endswith("| 0 | ||")
    lines[EDITED_LINE - 1] = lines[EDITED_LINE - 1][: -len("| 0 | ||")] + "| 3 | ||"
    paths["hanjiang"].write_text("\n".join(lines), encoding="utf-8")
    shutil.copy(seed["003"], paths["jiading"])
    shutil.copy(seed["001"], paths["shanghai"])
    shutil.copy(seed["004"], paths["qingdao"])
    shutil.copy(CORPUS / "real" / "hongze-district-2023-pdf" / "source.pdf", paths["hongze"])
    paths["broken"].write_bytes(b"%PDF-1.4\n this is not a PDF at all \x00\x01\x02")
    roster = root / "roster.csv"
    roster.write_text("机关,上级,地区\n" + "".join(f"{name},,\n" for name in ROSTER), encoding="utf-8-sig")
    paths["inbox"], paths["roster"] = inbox, roster
    return paths
