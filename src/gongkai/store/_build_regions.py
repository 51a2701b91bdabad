"""Build `regions_data.py`: the overlay that brings cpca's division table up to date.

cpca (0.5.5, the last release) ships a GB/T 2260 table of about 2016: it knows 会理县 but not
会理市, 蓬莱市 but not 蓬莱区, nothing of 莱芜区 or 西沙区. Reports from 2019 on name the newer
divisions, so the store adds what cpca lacks. The newer names come from jionlp's
`china_location.txt` (PyPI `jionlp`, Apache-2.0; it follows the statistics bureau's division
list, which also gives development zones county-level codes such as 苏州工业园区 320571).
jionlp keeps the *old* code for several divisions that changed status after 2019 (it lists
会理市 as 513425, the code of 会理县); `CODE_FIXES` puts the published codes in their place.
`ADDITIONS` covers divisions jionlp lacks, `SPECIAL` names that are no division at all but stand
for one (平潭综合实验区 administers 平潭县's territory).

Run (needs the jionlp wheel, not installed at run time):

    pip download --no-deps jionlp==1.5.31 -d /tmp/jionlp
    python -m gongkai.store._build_regions /tmp/jionlp/jionlp-1.5.31-py2.py3-none-any.whl
"""
from __future__ import annotations

import csv
import io
import re
import sys
import zipfile
from pathlib import Path

# (name, code jionlp gives) -> published code, for divisions that changed status 2019–2021.
# Source: the Ministry of Civil Affairs' division change notices as published; review against
# the MCA list when updating.
CODE_FIXES: dict[tuple[str, str], str] = {
    ("会理市", "513425"): "513402",
    ("偃师区", "410381"): "410307",
    ("孟津区", "410322"): "410308",
    ("龙海区", "350681"): "350604",
    ("沙县区", "350427"): "350405",
    ("水城区", "520221"): "520204",
    ("黔西市", "520522"): "520581",
    ("监利市", "421023"): "421088",
    ("祁阳市", "431121"): "431181",
    ("旬阳市", "610928"): "610981",
    ("同仁市", "632321"): "632301",
    ("沙湾市", "654223"): "654203",
    ("库车市", "652923"): "652902",
    ("横州市", "450127"): "450181",
    ("禄丰市", "532331"): "532302",
    ("龙南市", "360727"): "360783",
    ("繁昌区", "340222"): "340212",
    ("湾沚区", "340221"): "340210",
    ("海门区", "320684"): "320614",
    ("蓬莱区", "370684"): "370614",
    ("任泽区", "130526"): "130505",
    ("南和区", "130527"): "130506",
    ("新津区", "510132"): "510118",
}
# jionlp lists 凤翔 as a 市; it became 凤翔区 (2021).
NAME_FIXES: dict[tuple[str, str], tuple[str, str]] = {("凤翔市", "610322"): ("凤翔区", "610305")}
# Divisions jionlp lacks.
ADDITIONS: tuple[tuple[str, str], ...] = (
    ("630106", "湟中区"),
    ("220184", "公主岭市"),  # moved from 四平市 to 长春市 (2020)
)
# Names that stand for a division without being one: (name, code of the division it covers).
SPECIAL: tuple[tuple[str, str], ...] = (
    ("平潭综合实验区", "350128"),
    ("平潭综合试验区", "350128"),
)
_SKIP_NAMES = {"省直辖行政区划", "市直辖行政区划", "县", "市辖区"}


def _jionlp_rows(wheel: Path) -> list[tuple[int, str, str]]:
    """(level 0/1/2, name, code) of every province, city and county in jionlp's table."""
    with zipfile.ZipFile(wheel) as z:
        inner = z.read("jionlp/dictionary/china_location.zip")
    with zipfile.ZipFile(io.BytesIO(inner)) as z:
        text = z.read("china_location.txt").decode("utf-8")
    rows = []
    for line in text.split("\n"):
        if not line.strip():
            continue
        depth = len(line) - len(line.lstrip("\t"))
        parts = line.strip("\t").split("\t")
        if depth > 2 or len(parts) < 2 or not re.fullmatch(r"\d{6}", parts[1]):
            continue
        if parts[1][:2] in ("71", "81", "82") or parts[0] in _SKIP_NAMES:
            continue  # cpca covers 香港/澳门/台湾 at province level; their districts carry no codes
        rows.append((depth, parts[0], parts[1]))
    return rows


def _jionlp_changes(wheel: Path) -> list[tuple[str, list[str], list[str]]]:
    with zipfile.ZipFile(wheel) as z:
        text = z.read("jionlp/dictionary/china_location_change.txt").decode("utf-8")
    out = []
    for line in text.split("\n"):
        if "=>" not in line:
            continue
        left, right = line.split("=>")
        cols = left.split("\t")
        out.append((cols[0], cols[2:], right.split("\t")))
    return out


def _cpca_table() -> dict[str, str]:
    import importlib.resources

    with importlib.resources.files("cpca.resources").joinpath("adcodes.csv").open(encoding="utf-8") as f:
        return {r["adcode"][:6]: r["name"] for r in csv.DictReader(f)}


def _stem(name: str) -> str:
    return re.sub(r"(县|市|区|自治县|林区)$", "", name)


def build(wheel: Path) -> str:
    cpca = _cpca_table()
    cpca_pairs = {(code, name) for code, name in cpca.items()}
    entries: dict[tuple[str, str], None] = {}
    for _, name, code in _jionlp_rows(wheel):
        name, code = NAME_FIXES.get((name, code), (name, code))
        code = CODE_FIXES.get((name, code), code)
        if (code, name) not in cpca_pairs:
            entries[(code, name)] = None
    for code, name in ADDITIONS:
        if (code, name) not in cpca_pairs:
            entries[(code, name)] = None
    current = {name_code[1]: name_code[0] for name_code in entries}  # name -> code (overlay)

    # Successors: a county that changed status or name but kept its territory (会理县 -> 会理市,
    # 盘县 -> 盘州市) is the same body's area across years; a county merged into another
    # (长岛县 -> 蓬莱区) is not.
    successors: dict[str, tuple[str, str, str, str]] = {}
    changes = [(d, o, n) for d, o, n in _jionlp_changes(wheel) if d >= "2016" and len(o) >= 6 and len(n) >= 3]
    sources: dict[tuple[str, ...], set[str]] = {}
    for _, old, new in changes:
        sources.setdefault(tuple(new), set()).add(old[4])
    for date, old, new in changes:
        old_name, new_name = old[4], new[2]
        # a rename (盘县 -> 盘州市), not a merge into a division that already existed (下城区 -> 拱墅区)
        sole = len(sources[tuple(new)]) == 1 and new_name not in cpca.values()
        if old_name == new_name or not (sole or _stem(old_name) == _stem(new_name)):
            continue
        if new_name == "凤翔市":
            new_name = "凤翔区"
        old_codes = [c for c, n in cpca.items() if n == old_name and not c.endswith("00")]
        new_code = current.get(new_name) or next((c for c, n in cpca.items() if n == new_name), None)
        if len(old_codes) != 1 or new_code is None or old_codes[0] == new_code:
            continue
        successors[old_codes[0]] = (new_code, date, old_name, new_name)

    out = io.StringIO()
    out.write('"""Division names cpca does not know, their successors, and special zones (generated).\n\n'
              "Generated by `python -m gongkai.store._build_regions JIONLP_WHEEL` from jionlp 1.5.31 and\n"
              "cpca 0.5.5; edit the tables in `_build_regions.py`, not this file.\n\"\"\"\n\n")
    out.write("# code,name: divisions to add to cpca's table (code decides the level: ..0000 province,\n")
    out.write("# ..00 city, else county).\nOVERLAY = \"\"\"\\\n")
    for code, name in sorted(entries):
        out.write(f"{code},{name}\n")
    out.write('"""\n\n# old_code,new_code,date,old_name,new_name: same territory, new status.\nSUCCESSORS = """\\\n')
    for old_code, (new_code, date, old_name, new_name) in sorted(successors.items()):
        out.write(f"{old_code},{new_code},{date},{old_name},{new_name}\n")
    out.write('"""\n\n# name,code: names that stand for a division without being one.\nSPECIAL = """\\\n')
    for name, code in SPECIAL:
        out.write(f"{name},{code}\n")
    out.write('"""\n')
    return out.getvalue()


def main(argv: list[str]) -> None:
    text = build(Path(argv[0]))
    target = Path(__file__).with_name("regions_data.py")
    target.write_text(text, encoding="utf-8")
    print(f"wrote {target} ({text.count(chr(10))} lines)")


if __name__ == "__main__":
    main(sys.argv[1:])
