"""Word (.docx) reader: the document body -> `Document` of paragraphs and table grids in order.

The package is read with `zipfile` and `lxml` directly (no python-docx at read time): a report
whose unrelated parts are damaged (a broken header, an image missing its content type) still
reads, and reading needs no extra dependency. What a person sees is kept:

- body paragraphs and tables in document order, including those inside content controls
  (`w:sdt`), custom XML wrappers and text boxes;
- automatic numbering (一、 （一） 1. produced by Word's list numbering, not typed), because
  section headings and row labels are often numbered that way;
- tables as rectangular grids: `w:gridSpan` (colspan), `w:vMerge` (rowspan) and the legacy
  `w:hMerge` are expanded into copies marked `Cell(spanned=True)`, `w:gridBefore/After` into
  empty cells;
- nested tables as tables of their own: a table used as a layout frame around others is
  unwrapped, tables nested in data cells follow their outer table;
- hidden text (`w:vanish`), deleted revisions and field instructions are dropped.

Every block and cell records its XML path in the body, e.g. `/w:body/w:tbl[2]/w:tr[5]/w:tc[3]`.
"""
from __future__ import annotations

import io
import posixpath
import re
import zipfile
import zlib
from dataclasses import dataclass, field
from urllib.parse import unquote

from lxml import etree

from ..document import Cell, Document, Origin, Paragraph, Table
from ..i18n import lazy
from . import DOCX, GridBudget, ReadError
from .chinese import join_fragments, simplify_blocks

W_TRANSITIONAL = "http://schemas.openxmlformats.org/wordprocessingml/2006/main"
W_STRICT = "http://purl.oclc.org/ooxml/wordprocessingml/main"
MC = "http://schemas.openxmlformats.org/markup-compatibility/2006"
_REL_NS = "http://schemas.openxmlformats.org/package/2006/relationships"

# A part larger than this is no annual report's (document.xml of a long report is a few MB):
# it is refused before it is inflated, and inflating stops here even when the archive's
# declared sizes lie.
MAX_PART_BYTES = 64 * 1024 * 1024
_READ_CHUNK = 1 << 20

_SPACES = re.compile(r"[ \t\r\f\v\u00a0\u3000]+")
_INVISIBLE = re.compile("[\u00ad\u200b\u200c\u200d\u2060\ufeff]")


def join_cell_lines(lines: list[str]) -> str:
    """A cell's paragraphs (or line-broken pieces) -> one string, as the HTML reader joins them.

    No space where both sides are CJK (a wrapped label, 商业/企业 -> 商业企业) or both sides
    are digits (a number split by paragraph marks); one space otherwise (总计 17).
    """
    return join_fragments(_SPACES.sub(" ", line).strip() for line in lines)


# --- the package ---------------------------------------------------------------------------
class _Package:
    """Just enough OPC: the main document part and the parts it relates to."""

    def __init__(self, data: bytes):
        # Only the parts that are read are inflated (and their checksums checked, by zipfile, as
        # they are read): a package may carry gigabytes of media no report needs.
        try:
            self.zip = zipfile.ZipFile(io.BytesIO(data))
        except (zipfile.BadZipFile, EOFError, OSError, ValueError, zipfile.LargeZipFile) as e:
            raise ReadError(lazy("the Word (.docx) file is damaged or truncated: {error}", error=str(e))) from None
        except RuntimeError as e:  # zipfile raises RuntimeError for encrypted members
            raise ReadError(lazy("the Word (.docx) file is encrypted: {error}", error=str(e))) from None
        self.names = {n.lower(): n for n in self.zip.namelist()}
        self.main = self._main_part()
        if self.main is None:
            raise ReadError(lazy("a ZIP archive without a Word document part (word/document.xml)"))

    def read(self, name: str) -> bytes | None:
        real = self.names.get(name.lstrip("/").lower())
        if real is None:
            return None
        info = self.zip.getinfo(real)
        if info.file_size > MAX_PART_BYTES:
            raise _part_too_large(real)
        try:
            with self.zip.open(info) as member:
                # In chunks, so a member whose declared size is a lie inflates no further than
                # the cap (zipfile would inflate up to 2 GB in one call before comparing).
                chunks, total = [], 0
                while chunk := member.read(_READ_CHUNK):
                    total += len(chunk)
                    if total > MAX_PART_BYTES:
                        raise _part_too_large(real)
                    chunks.append(chunk)
                return b"".join(chunks)
        except (zipfile.BadZipFile, EOFError, OSError, ValueError, zlib.error,
                NotImplementedError) as e:  # the last: a compression method zipfile does not know
            raise ReadError(lazy("the Word (.docx) file is damaged or truncated ({part}: {error})",
                                 part=real, error=str(e))) from None
        except RuntimeError as e:
            raise ReadError(lazy("the Word (.docx) file is encrypted ({part}: {error})",
                                 part=real, error=str(e))) from None

    def xml(self, name: str):
        """A part's XML root; None when the part is missing, empty or not XML."""
        blob = self.read(name)
        if not blob:
            return None
        try:
            return etree.fromstring(blob, _xml_parser())
        except etree.XMLSyntaxError:
            return None

    def rels(self, part: str) -> dict[str, str]:
        """Relationship type suffix (e.g. 'styles') -> target part name, for `part` ('' = package)."""
        directory, name = posixpath.split(part.lstrip("/"))
        root = self.xml(posixpath.join(directory, "_rels", name + ".rels"))
        out: dict[str, str] = {}
        if root is None:
            return out
        for rel in root.iter(f"{{{_REL_NS}}}Relationship"):
            if rel.get("TargetMode") == "External":
                continue
            kind = (rel.get("Type") or "").rsplit("/", 1)[-1]
            target = unquote(rel.get("Target") or "")
            if not target:
                continue
            resolved = target.lstrip("/") if target.startswith("/") else posixpath.normpath(posixpath.join(directory, target))
            out.setdefault(kind, resolved)
        return out

    def _main_part(self) -> str | None:
        target = self.rels("").get("officeDocument")
        if target and target.lower() in self.names:
            return target
        return "word/document.xml" if "word/document.xml" in self.names else None


_local_parser: etree.XMLParser | None = None


def _part_too_large(part: str) -> ReadError:
    from . import TooLarge

    return TooLarge(lazy("the Word (.docx) part {part} is larger than the {limit} MB a report's part can be",
                         part=part, limit=MAX_PART_BYTES // (1024 * 1024)))


def _xml_parser() -> etree.XMLParser:
    global _local_parser
    if _local_parser is None:
        # No entities, no network, no DTD: a .docx is untrusted input.
        _local_parser = etree.XMLParser(resolve_entities=False, no_network=True, load_dtd=False,
                                        remove_comments=True, remove_pis=True, huge_tree=True)
    return _local_parser


# --- automatic numbering -------------------------------------------------------------------
_CN_DIGITS = "〇一二三四五六七八九"
_CN_LEGAL = "零壹贰叁肆伍陆柒捌玖"
_HEAVENLY_STEMS = "甲乙丙丁戊己庚辛壬癸"
_CIRCLED = "①②③④⑤⑥⑦⑧⑨⑩⑪⑫⑬⑭⑮⑯⑰⑱⑲⑳"


def _chinese_counting(n: int, digits: str = _CN_DIGITS, ten: str = "十", hundred: str = "百") -> str:
    if n <= 0:
        return digits[0]
    if n < 10:
        return digits[n]
    if n < 20:
        return ten + (digits[n - 10] if n > 10 else "")
    if n < 100:
        return digits[n // 10] + ten + (digits[n % 10] if n % 10 else "")
    if n < 1000:
        rest = n % 100
        tail = "" if rest == 0 else (digits[0] + digits[rest] if rest < 10 else
                                      (digits[1] + _chinese_counting(rest, digits, ten, hundred) if rest < 20 else
                                       _chinese_counting(rest, digits, ten, hundred)))
        return digits[n // 100] + hundred + tail
    return str(n)


def _roman(n: int) -> str:
    out = ""
    for value, sym in ((1000, "M"), (900, "CM"), (500, "D"), (400, "CD"), (100, "C"), (90, "XC"),
                       (50, "L"), (40, "XL"), (10, "X"), (9, "IX"), (5, "V"), (4, "IV"), (1, "I")):
        while n >= value:
            out += sym
            n -= value
    return out


def _letters(n: int) -> str:
    # Word repeats the letter: a..z, aa..zz, …
    return chr(ord("A") + (n - 1) % 26) * ((n - 1) // 26 + 1) if n > 0 else ""


def format_number(n: int, fmt: str) -> str:
    if fmt in ("decimal", "decimalZero"):
        return f"{n:02d}" if fmt == "decimalZero" and n < 10 else str(n)
    if fmt in ("chineseCounting", "chineseCountingThousand", "taiwaneseCounting", "taiwaneseCountingThousand"):
        return _chinese_counting(n)
    if fmt == "ideographDigital":
        return "".join(_CN_DIGITS[int(d)] for d in str(n))
    if fmt in ("chineseLegalSimplified", "ideographLegalTraditional"):
        return _chinese_counting(n, _CN_LEGAL, "拾", "佰")
    if fmt == "ideographTraditional":
        return _HEAVENLY_STEMS[(n - 1) % 10] if n > 0 else ""
    if fmt == "decimalFullWidth" or fmt == "decimalFullWidth2":
        return str(n).translate(str.maketrans("0123456789", "０１２３４５６７８９"))
    if fmt in ("decimalEnclosedCircle", "decimalEnclosedCircleChinese") and 0 < n <= 20:
        return _CIRCLED[n - 1]
    if fmt == "decimalEnclosedParen":
        return f"({n})"
    if fmt == "upperRoman":
        return _roman(n)
    if fmt == "lowerRoman":
        return _roman(n).lower()
    if fmt == "upperLetter":
        return _letters(n)
    if fmt == "lowerLetter":
        return _letters(n).lower()
    if fmt in ("none", "bullet"):
        return ""
    return str(n)


@dataclass
class _Level:
    fmt: str = "decimal"
    text: str = ""
    start: int = 1
    legal: bool = False  # isLgl: show all levels as decimal
    style: str | None = None


class _Numbering:
    """Word's list numbering: the text a numbered paragraph shows before its own text."""

    def __init__(self, w: str, numbering_xml: bytes | None, styles_xml: bytes | None):
        self.w = w
        self.abstract: dict[str, dict[int, _Level]] = {}
        self.nums: dict[str, tuple[str, dict[int, int]]] = {}  # numId -> (abstractId, start overrides)
        self.num_levels: dict[str, dict[int, _Level]] = {}  # lvlOverride/lvl replacements
        self.style_num: dict[str, tuple[str | None, int | None]] = {}
        self.style_based: dict[str, str] = {}
        self.counters: dict[str, list[int]] = {}
        self.started: set[str] = set()
        if numbering_xml:
            try:
                self._load_numbering(etree.fromstring(numbering_xml, _xml_parser()))
            except etree.XMLSyntaxError:
                pass
        if styles_xml:
            try:
                self._load_styles(etree.fromstring(styles_xml, _xml_parser()))
            except etree.XMLSyntaxError:
                pass

    def _q(self, tag: str) -> str:
        return f"{{{self.w}}}{tag}"

    def _val(self, el, tag: str) -> str | None:
        child = el.find(self._q(tag)) if el is not None else None
        return child.get(self._q("val")) if child is not None else None

    def _level(self, lvl) -> _Level:
        start = self._val(lvl, "start")
        legal = lvl.find(self._q("isLgl"))
        return _Level(fmt=self._val(lvl, "numFmt") or "decimal", text=self._val(lvl, "lvlText") or "",
                      start=_number(start, 1, low=0, high=_MAX_LIST_NUMBER),
                      legal=legal is not None and legal.get(self._q("val"), "1") not in ("0", "false"),
                      style=self._val(lvl, "pStyle"))

    def _load_numbering(self, root) -> None:
        for absnum in root.iter(self._q("abstractNum")):
            aid = absnum.get(self._q("abstractNumId"))
            levels = {}
            for lvl in absnum.findall(self._q("lvl")):
                ilvl = lvl.get(self._q("ilvl"))
                if _level_index(ilvl) is not None:
                    levels[int(ilvl)] = self._level(lvl)
            self.abstract[aid] = levels
        for num in root.iter(self._q("num")):
            nid = num.get(self._q("numId"))
            aid = self._val(num, "abstractNumId")
            overrides: dict[int, int] = {}
            replaced: dict[int, _Level] = {}
            for ov in num.findall(self._q("lvlOverride")):
                ilvl = ov.get(self._q("ilvl"))
                if _level_index(ilvl) is None:
                    continue
                so = self._val(ov, "startOverride")
                if _number(so, None) is not None:
                    overrides[int(ilvl)] = _number(so, 1, low=0, high=_MAX_LIST_NUMBER)
                lvl = ov.find(self._q("lvl"))
                if lvl is not None:
                    replaced[int(ilvl)] = self._level(lvl)
            self.nums[nid] = (aid, overrides)
            self.num_levels[nid] = replaced

    def _load_styles(self, root) -> None:
        for style in root.iter(self._q("style")):
            sid = style.get(self._q("styleId"))
            if not sid:
                continue
            based = self._val(style, "basedOn")
            if based:
                self.style_based[sid] = based
            ppr = style.find(self._q("pPr"))
            numpr = ppr.find(self._q("numPr")) if ppr is not None else None
            if numpr is not None:
                ilvl = self._val(numpr, "ilvl")
                self.style_num[sid] = (self._val(numpr, "numId"), _level_index(ilvl))

    def _style_numbering(self, style: str | None) -> tuple[str | None, int | None]:
        seen = set()
        while style and style not in seen:
            seen.add(style)
            if style in self.style_num:
                return self.style_num[style]
            style = self.style_based.get(style)
        return None, None

    def label(self, p) -> str:
        """The number text paragraph `p` shows (e.g. '一、'), '' if it is not numbered."""
        if not self.nums:
            return ""
        ppr = p.find(self._q("pPr"))
        if ppr is None:
            return ""
        style = self._val(ppr, "pStyle")
        numpr = ppr.find(self._q("numPr"))
        num_id = ilvl = None
        if numpr is not None:
            num_id = self._val(numpr, "numId")
            v = self._val(numpr, "ilvl")
            ilvl = _level_index(v)
        if num_id is None:
            num_id, style_ilvl = self._style_numbering(style)
            ilvl = ilvl if ilvl is not None else style_ilvl
        if not num_id or num_id == "0" or num_id not in self.nums:
            return ""
        aid, overrides = self.nums[num_id]
        levels = dict(self.abstract.get(aid, {}))
        levels.update(self.num_levels.get(num_id, {}))
        if ilvl is None:  # a style linked to a level through the level's pStyle
            ilvl = next((i for i, lv in levels.items() if style and lv.style == style), 0)
        if ilvl not in levels:
            return ""
        key = aid if aid is not None else f"num:{num_id}"
        counters = self.counters.setdefault(key, [lv.start - 1 for _, lv in sorted(levels.items())] + [0] * 10)
        if num_id not in self.started and overrides:
            for i, start in overrides.items():
                if i < len(counters):
                    counters[i] = start - 1
        self.started.add(num_id)
        counters[ilvl] += 1
        for deeper in range(ilvl + 1, len(counters)):
            counters[deeper] = levels[deeper].start - 1 if deeper in levels else 0
        level = levels[ilvl]
        if level.fmt in ("bullet", "none"):
            return ""

        def repl(m: re.Match) -> str:
            i = int(m.group(1)) - 1
            lv = levels.get(i)
            n = counters[i] if i < len(counters) else 0
            if lv is None:
                return str(n)
            if i < ilvl and n < lv.start:
                n = lv.start  # a deeper level used before its parent: Word shows the start value
            return str(n) if level.legal else format_number(n, lv.fmt)

        return re.sub(r"%([1-9])", repl, level.text)


# --- the body ------------------------------------------------------------------------------
@dataclass
class _TableCell:
    lines: list[str]
    path: str
    span: int
    vmerge: str | None  # None | "restart" | "continue"
    hmerge: str | None
    nested: list = field(default_factory=list)  # (tbl element, path) of tables inside the cell
    element: object = None

    @property
    def text(self) -> str:
        return join_cell_lines(self.lines)


class _BodyReader:
    def __init__(self, w: str, numbering: _Numbering):
        self.w = w
        self.numbering = numbering
        self.blocks: list[Paragraph | Table] = []
        self.budget = GridBudget()
        self.q = {name: f"{{{w}}}{name}" for name in (
            "p", "tbl", "tr", "tc", "sdt", "sdtContent", "customXml", "r", "t", "tab", "br", "cr",
            "noBreakHyphen", "softHyphen", "rPr", "vanish", "webHidden", "del", "moveFrom", "delText",
            "instrText", "txbxContent", "tcPr", "trPr", "gridSpan", "vMerge", "hMerge", "gridBefore",
            "gridAfter", "val", "pPr", "ptab", "smartTag", "hyperlink", "fldSimple", "ins", "moveTo",
            "dir", "bdo",
        )}
        self._alt_content = f"{{{MC}}}AlternateContent"
        self._fallback = f"{{{MC}}}Fallback"

    # document order ------------------------------------------------------------------------
    def container(self, el, path: str) -> None:
        """Read the block-level children of a body, cell, content control or text box."""
        for child, child_path in _indexed_children(el, path, self.w):
            tag = child.tag
            if tag == self.q["p"]:
                text, boxes = self.paragraph(child, child_path)
                if text:
                    self.blocks.append(Paragraph(text, Origin(dom_path=child_path)))
                for box, box_path in boxes:
                    self.container(box, box_path)
            elif tag == self.q["tbl"]:
                self.table(child, child_path)
            elif tag in (self.q["sdt"], self.q["customXml"]):
                inner = child.find(self.q["sdtContent"]) if tag == self.q["sdt"] else child
                if inner is not None:
                    self.container(inner, child_path + ("/w:sdtContent" if tag == self.q["sdt"] else ""))
            elif tag == self._alt_content:
                choice = _first_choice(child)
                if choice is not None:
                    self.container(choice, child_path)

    # paragraphs ----------------------------------------------------------------------------
    def paragraph(self, p, path: str) -> tuple[str, list]:
        """A paragraph's visible text (numbering included) and the text boxes it anchors."""
        parts: list[str] = [self.numbering.label(p)]
        boxes: list = []
        self._inline(p, parts, boxes, path)
        text = _INVISIBLE.sub("", "".join(parts))
        lines = [_SPACES.sub(" ", line).strip() for line in text.split("\n")]
        return "\n".join(line for line in lines if line), boxes

    def _inline(self, el, parts: list[str], boxes: list, path: str) -> None:
        q = self.q
        for child in el:
            tag = child.tag
            if not isinstance(tag, str):
                continue
            if tag == q["r"]:
                rpr = child.find(q["rPr"])
                if rpr is not None and (_on(rpr.find(q["vanish"]), q["val"]) or _on(rpr.find(q["webHidden"]), q["val"])):
                    continue
                self._run(child, parts, boxes, path)
            elif tag in (q["del"], q["moveFrom"], q["pPr"], q["rPr"]):
                continue
            elif tag == self._alt_content:
                choice = _first_choice(child)
                if choice is not None:
                    self._inline(choice, parts, boxes, path)
            elif tag == q["txbxContent"]:
                boxes.append((child, f"{path}//w:txbxContent[{len(boxes) + 1}]"))
            else:  # hyperlink, smartTag, fldSimple, ins, moveTo, sdt, customXml, dir, bdo …
                self._inline(child, parts, boxes, path)

    def _run(self, r, parts: list[str], boxes: list, path: str) -> None:
        q = self.q
        for child in r:
            tag = child.tag
            if tag == q["t"]:
                parts.append(child.text or "")
            elif tag in (q["tab"], q["ptab"]):
                parts.append(" ")
            elif tag in (q["br"], q["cr"]):
                parts.append("\n")
            elif tag == q["noBreakHyphen"]:
                parts.append("-")
            elif tag in (q["delText"], q["instrText"], q["rPr"], q["softHyphen"]):
                continue
            elif isinstance(tag, str):
                # drawings and VML shapes may hold text boxes; the fallback repeats the choice
                if tag == self._fallback:
                    continue
                for box in child.iter(q["txbxContent"]):
                    if not any(a.tag == self._fallback for a in box.iterancestors()):
                        boxes.append((box, f"{path}//w:txbxContent[{len(boxes) + 1}]"))

    # tables --------------------------------------------------------------------------------
    def table(self, tbl, path: str) -> None:
        rows: list[tuple[str, int, int, list[_TableCell]]] = []
        for tr, tr_path in _descend(tbl, path, self.w, self.q["tr"]):
            trpr = tr.find(self.q["trPr"])
            before = _int_val(trpr, self.q["gridBefore"], self.q["val"]) if trpr is not None else 0
            after = _int_val(trpr, self.q["gridAfter"], self.q["val"]) if trpr is not None else 0
            cells = [self.cell(tc, tc_path) for tc, tc_path in _descend(tr, tr_path, self.w, self.q["tc"])]
            rows.append((tr_path, before, after, cells))
        nested = [n for _, _, _, cells in rows for c in cells for n in c.nested]
        n_cells = sum(len(cells) for _, _, _, cells in rows)
        if nested and (n_cells == 1 or max((len(cells) for *_, cells in rows), default=0) <= 2):
            # A frame around the real content (a 1x1 box, or a narrow layout grid holding
            # tables): its cells are read as flow, so the nested tables become blocks in order.
            for _, _, _, cells in rows:
                for c in cells:
                    if c.vmerge == "continue" or c.hmerge == "continue":
                        continue
                    self.container(c.element, c.path)
            return
        grid = _grid(rows, self.budget)
        if grid:
            self.blocks.append(Table(grid, Origin(dom_path=path)))
        for inner, inner_path in nested:
            self.table(inner, inner_path)

    def cell(self, tc, path: str) -> _TableCell:
        q = self.q
        tcpr = tc.find(q["tcPr"])
        span = _int_val(tcpr, q["gridSpan"], q["val"]) if tcpr is not None else 0
        vmerge = hmerge = None
        if tcpr is not None:
            vm = tcpr.find(q["vMerge"])
            if vm is not None:
                vmerge = "restart" if vm.get(q["val"]) == "restart" else "continue"
            hm = tcpr.find(q["hMerge"])
            if hm is not None:
                hmerge = "restart" if hm.get(q["val"]) == "restart" else "continue"
        lines: list[str] = []
        nested: list = []
        self._cell_content(tc, path, lines, nested)
        return _TableCell(lines, path, max(span, 1), vmerge, hmerge, nested, tc)

    def _cell_content(self, el, path: str, lines: list[str], nested: list) -> None:
        for child, child_path in _indexed_children(el, path, self.w):
            tag = child.tag
            if tag == self.q["p"]:
                text, boxes = self.paragraph(child, child_path)
                lines.extend(text.split("\n"))
                for box, box_path in boxes:
                    self._cell_content(box, box_path, lines, nested)
            elif tag == self.q["tbl"]:
                nested.append((child, child_path))
            elif tag in (self.q["sdt"], self.q["customXml"]):
                inner = child.find(self.q["sdtContent"]) if tag == self.q["sdt"] else child
                if inner is not None:
                    self._cell_content(inner, child_path, lines, nested)
            elif tag == self._alt_content:
                choice = _first_choice(child)
                if choice is not None:
                    self._cell_content(choice, child_path, lines, nested)


def _grid(rows: list[tuple[str, int, int, list[_TableCell]]], budget: GridBudget | None = None
          ) -> list[list[Cell]]:
    """Word's rows of cells (with spans and merges) -> a rectangular grid of Cells.

    Spans are counted against `budget` before they are built: a gridSpan of 200,000,000 is
    refused, not allocated."""
    budget = budget or GridBudget()
    budget.table(len(rows))
    count = budget.add
    grid: list[list[Cell | None]] = []
    for r, (tr_path, before, after, cells) in enumerate(rows):
        count(before, before)
        row: list[Cell | None] = [Cell("", Origin(dom_path=tr_path)) for _ in range(before)]
        for c in cells:
            col = len(row)
            count(c.span, col + c.span)
            above = grid[r - 1][col] if r > 0 and col < len(grid[r - 1]) else None
            if c.vmerge == "continue" and above is not None:
                # a vertically merged cell's continuation shows its owner's text
                row.extend(Cell(above.text, above.origin, spanned=True) for _ in range(c.span))
                continue
            if c.hmerge == "continue" and row:
                left = row[-1]
                row.extend(Cell(left.text, left.origin, spanned=True) for _ in range(c.span))
                continue
            origin = Origin(dom_path=c.path)
            text = c.text
            row.append(Cell(text, origin))
            row.extend(Cell(text, origin, spanned=True) for _ in range(c.span - 1))
        count(after, len(row) + after)
        row.extend(Cell("", Origin(dom_path=tr_path)) for _ in range(after))
        grid.append(row)
    width = max((len(row) for row in grid), default=0)
    out: list[list[Cell]] = []
    for (tr_path, *_), row in zip(rows, grid):
        if not row:
            continue
        count(width - len(row), width)
        row.extend(Cell("", Origin(dom_path=tr_path)) for _ in range(width - len(row)))
        out.append(row)  # type: ignore[arg-type]
    return out


def _int_val(parent, tag: str, val: str) -> int:
    el = parent.find(tag)
    if el is None:
        return 0
    return _number(el.get(val), 0, low=0) or 0


_NUMBER_RE = re.compile(r"-?[0-9]{1,9}")
# Word numbers lists up to 32767 and has levels 0-8; a file claiming more is not trusted with
# counters (a Roman numeral of 10**9 would be a million characters long).
_MAX_LIST_NUMBER = 32767
_MAX_LEVEL = 8


def _number(text: str | None, default, *, low: int | None = None, high: int | None = None):
    """An attribute's decimal value (ASCII digits, at most 9 of them), clamped to [low, high];
    `default` when there is none or it is no such number."""
    if not text or not _NUMBER_RE.fullmatch(text):
        return default
    n = int(text)
    if high is not None and n > high:
        return high
    if low is not None and n < low:
        return low
    return n


def _level_index(text: str | None) -> int | None:
    """A list level (w:ilvl): 0 to 8, else None."""
    n = _number(text, None)
    return n if n is not None and 0 <= n <= _MAX_LEVEL else None


def _on(el, val: str) -> bool:
    """A toggle property (w:vanish …) that is present and not switched off."""
    return el is not None and el.get(val, "true") not in ("0", "false", "off")


def _first_choice(alt):
    for child in alt:
        if isinstance(child.tag, str) and child.tag.endswith("}Choice"):
            return child
    return None


def _short(tag: str, w: str) -> str:
    if tag.startswith(f"{{{w}}}"):
        return "w:" + tag[len(w) + 2:]
    return etree.QName(tag).localname


def _indexed_children(el, path: str, w: str):
    """(child, XPath-like path) for each element child, indexed among same-tag siblings."""
    counts: dict[str, int] = {}
    for child in el:
        if not isinstance(child.tag, str):
            continue
        name = _short(child.tag, w)
        counts[name] = counts.get(name, 0) + 1
        yield child, f"{path}/{name}[{counts[name]}]"


def _descend(el, path: str, w: str, tag: str):
    """Children with `tag`, looking through content controls and custom XML wrappers (rows and
    cells may be wrapped in `w:sdt`)."""
    sdt, custom, content = f"{{{w}}}sdt", f"{{{w}}}customXml", f"{{{w}}}sdtContent"
    for child, child_path in _indexed_children(el, path, w):
        if child.tag == tag:
            yield child, child_path
        elif child.tag == sdt:
            inner = child.find(content)
            if inner is not None:
                yield from _descend(inner, child_path + "/w:sdtContent", w, tag)
        elif child.tag == custom:
            yield from _descend(child, child_path, w, tag)


# --- entry point ---------------------------------------------------------------------------
# The category gongkai's own feedback letters carry (review/letters.py): a letter draws the report's
# tables, and read as a report it would be counted as one, e.g. when the letters' folder lies in the
# inbox that is summarised.
LETTER_CATEGORY = "gongkai:review-letter"
_CP_NS = "http://schemas.openxmlformats.org/package/2006/metadata/core-properties"


def _is_gongkai_letter(package: "_Package") -> bool:
    part = package.rels("").get("core-properties")
    root = package.xml(part) if part else None
    if root is None:
        return False
    category = root.find(f"{{{_CP_NS}}}category")
    return category is not None and (category.text or "").strip() == LETTER_CATEGORY


def read_docx(data: bytes) -> Document:
    """Read a Word .docx file into a Document."""
    package = _Package(data)
    if _is_gongkai_letter(package):
        raise ReadError(lazy("a review letter written by gongkai (审核意见), not an annual report"))
    blob = package.read(package.main)
    if not blob:
        raise ReadError(lazy("the Word (.docx) file has an empty document part"))
    try:
        root = etree.fromstring(blob, _xml_parser())
    except etree.XMLSyntaxError as e:
        raise ReadError(lazy("the Word (.docx) document part is damaged or truncated (XML error: {error})",
                             error=str(e))) from None
    w = root.tag[1:].split("}", 1)[0] if root.tag.startswith("{") else W_TRANSITIONAL
    if w not in (W_TRANSITIONAL, W_STRICT):
        raise ReadError(lazy("the ZIP archive's main part is not a Word document"))
    body = root.find(f"{{{w}}}body")
    if body is None:
        raise ReadError(lazy("the Word (.docx) document has no body"))
    rels = package.rels(package.main)
    numbering = _Numbering(w, package.read(rels["numbering"]) if "numbering" in rels else None,
                           package.read(rels["styles"]) if "styles" in rels else None)
    reader = _BodyReader(w, numbering)
    reader.container(body, "/w:body")
    notes: list = []
    if simplify_blocks(reader.blocks):
        notes.append(lazy("the document is in Traditional characters; its text was converted to Simplified (OpenCC t2s)"))
    return Document(blocks=reader.blocks, media_type=DOCX, notes=notes)


__all__ = ["read_docx", "join_cell_lines", "format_number", "LETTER_CATEGORY"]
