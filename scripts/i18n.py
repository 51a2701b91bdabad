#!/usr/bin/env python3
"""The message catalogs: find every message in the code, keep the Chinese catalogs complete.

    python scripts/i18n.py update    # add new msgids to their area's .po (untranslated), drop gone ones
    python scripts/i18n.py compile   # all area .po files -> src/gongkai/locale/zh/LC_MESSAGES/gongkai.mo
    python scripts/i18n.py check     # exit 1 listing untranslated, fuzzy, mismatched or stale entries

Messages are English msgids in the code (`_`, `gettext`, `lazy`, `N_`, `NP_`, `ngettext`, `pgettext`
from `gongkai.i18n`, and `_()` in the Jinja templates), plus the command line's help: the docstring
of every function decorated as a click command or group and every literal `help=`, `short_help=`
and `epilog=` of click's decorators (`gongkai.cli_base` translates them when help is shown). The Chinese translations live in one .po file per
area of the code (checks.po, extract.po, web.po, ...: the first folder under `src/gongkai/`, `core`
for the top-level modules), so work on one area never touches another's catalog. `compile` merges
them into the one `gongkai.mo` the package loads.
"""
from __future__ import annotations

import ast
import inspect
import io
from datetime import datetime, timezone
import string
import sys
from pathlib import Path

from babel.messages.catalog import Catalog
from babel.messages.extract import extract_from_dir
from babel.messages.mofile import write_mo
from babel.messages.pofile import read_po, write_po

ROOT = Path(__file__).resolve().parent.parent
PACKAGE = ROOT / "src" / "gongkai"
CATALOGS = PACKAGE / "locale" / "zh" / "LC_MESSAGES"
MO = CATALOGS / "gongkai.mo"
LOCALE = "zh_Hans_CN"

KEYWORDS = {"_": None, "gettext": None, "lazy": None, "N_": None, "NP_": (1, 2), "ngettext": (1, 2),
            "pgettext": ((1, "c"), 2)}
# click: decorators whose help texts are messages, and the functions they make commands of
CLICK_CALLS = {"command", "group", "option", "argument", "version_option", "Option", "Argument"}
CLICK_COMMANDS = {"command", "group"}
CLICK_HELP = {"help", "short_help", "epilog"}
METHODS = [("**/locale/**", "ignore"), ("**.py", "python"), ("**/templates/**.html", "jinja2")]
OPTIONS = {"**/templates/**.html": {"extensions": "jinja2.ext.i18n", "silent": "false"}}


def area_of(filename: str) -> str:
    parts = Path(filename).parts
    return parts[0] if len(parts) > 1 else "core"


def extract() -> dict[tuple, tuple[str, list[tuple[str, int]]]]:
    """key (msgid or (singular, plural), context) -> (area of first use, locations)."""
    found: dict[tuple, tuple[str, list[tuple[str, int]]]] = {}
    for filename, lineno, message, _comments, context in extract_from_dir(
            str(PACKAGE), METHODS, OPTIONS, KEYWORDS, strip_comment_tags=True):
        if not message or (isinstance(message, tuple) and not message[0]):
            continue
        key = (message, context)
        if key not in found:
            found[key] = (area_of(filename), [])
        found[key][1].append((f"gongkai/{filename}", lineno))
    for path in sorted(PACKAGE.rglob("*.py")):
        filename = str(path.relative_to(PACKAGE))
        if filename.startswith("locale"):
            continue
        for lineno, message in click_help(path.read_text(encoding="utf-8")):
            key = (message, None)
            if key not in found:
                found[key] = (area_of(filename), [])
            found[key][1].append((f"gongkai/{filename}", lineno))
    return found


def _callee(call: ast.Call) -> str:
    func = call.func
    return func.attr if isinstance(func, ast.Attribute) else func.id if isinstance(func, ast.Name) else ""


def click_help(source: str):
    """(line, msgid) of the command line's help texts in one module, cleaned as click shows them."""
    for node in ast.walk(ast.parse(source)):
        if isinstance(node, ast.Call) and _callee(node) in CLICK_CALLS:
            for kw in node.keywords:
                if kw.arg in CLICK_HELP and isinstance(kw.value, ast.Constant) and isinstance(kw.value.value, str):
                    yield kw.value.lineno, inspect.cleandoc(kw.value.value)
        elif isinstance(node, (ast.FunctionDef, ast.AsyncFunctionDef)):
            if any(isinstance(d, ast.Call) and _callee(d) in CLICK_COMMANDS for d in node.decorator_list):
                doc = ast.get_docstring(node, clean=True)
                if doc:
                    yield node.lineno, doc


def load(path: Path) -> Catalog:
    with open(path, "rb") as fh:
        return read_po(fh, locale=LOCALE)


def save(catalog: Catalog, path: Path) -> None:
    buf = io.BytesIO()
    # no line numbers: they change with every edit and would make every change touch the catalogs
    write_po(buf, catalog, width=100, sort_by_file=False, omit_header=False, ignore_obsolete=True,
             include_lineno=False)
    path.write_bytes(buf.getvalue())


def area_catalogs() -> dict[str, Catalog]:
    return {p.stem: load(p) for p in sorted(CATALOGS.glob("*.po"))}


def _key(message) -> tuple:
    return (message.id, message.context)


def update() -> None:
    found = extract()
    catalogs = area_catalogs()
    known = {_key(m): area for area, cat in catalogs.items() for m in cat if m.id}
    added = removed = 0
    for key, (area, locations) in found.items():
        target = known.get(key, area)
        cat = catalogs.setdefault(target, Catalog(locale=LOCALE, domain="gongkai", project="gongkai"))
        msgid, context = key
        existing = cat.get(msgid, context)
        if existing is None:
            cat.add(msgid, string=("", "") if isinstance(msgid, tuple) else "", locations=locations,
                    context=context)
            added += 1
        else:
            existing.locations = locations
    for area, cat in catalogs.items():
        for m in list(cat):
            if m.id and (m.id, m.context) not in found:
                cat.delete(m.id, m.context)
                removed += 1
        CATALOGS.mkdir(parents=True, exist_ok=True)
        save(cat, CATALOGS / f"{area}.po")
    print(f"{len(found)} messages; {added} new (untranslated), {removed} no longer used and dropped")


def merged() -> Catalog:
    # fixed dates: the same .po files always compile to the same bytes (checked by `check`)
    fixed = datetime(2026, 1, 1, tzinfo=timezone.utc)
    out = Catalog(locale=LOCALE, domain="gongkai", project="gongkai", charset="utf-8",
                  creation_date=fixed, revision_date=fixed)
    for cat in area_catalogs().values():
        for m in cat:
            if m.id and m.string and not m.fuzzy:
                out.add(m.id, m.string, context=m.context)
    return out


def compile_mo() -> None:
    buf = io.BytesIO()
    write_mo(buf, merged(), use_fuzzy=False)
    MO.parent.mkdir(parents=True, exist_ok=True)
    MO.write_bytes(buf.getvalue())
    print(f"wrote {MO.relative_to(ROOT)} ({len(merged())} messages)")


def _fields(text: str) -> set[str]:
    try:
        return {name for _, name, _, _ in string.Formatter().parse(text) if name is not None}
    except ValueError:
        return {"<malformed>"}


def problems() -> list[str]:
    found = extract()
    catalogs = area_catalogs()
    out: list[str] = []
    seen: dict[tuple, str] = {}
    for area, cat in catalogs.items():
        for m in cat:
            if not m.id:
                continue
            key = _key(m)
            if key in seen:
                out.append(f"{area}.po: {m.id!r} is also in {seen[key]}.po")
            seen[key] = area
            if key not in found:
                out.append(f"{area}.po: {m.id!r} is no longer used (run: python scripts/i18n.py update)")
                continue
            ids = m.id if isinstance(m.id, tuple) else (m.id,)
            strings = m.string if isinstance(m.string, tuple) else (m.string,)
            if not all(strings):
                out.append(f"{area}.po: no translation for {m.id!r}")
            elif m.fuzzy:
                out.append(f"{area}.po: fuzzy translation for {m.id!r}")
            elif any(_fields(s) - {"n"} != _fields(ids[0]) - {"n"} for s in strings) and not (
                    # one Chinese form for singular and plural: it may use the fields of either
                    len(ids) > 1 and all(_fields(s) <= _fields(ids[0]) | _fields(ids[1]) for s in strings)):
                out.append(f"{area}.po: placeholders differ for {m.id!r}: {sorted(_fields(ids[0]))} "
                           f"vs {sorted(_fields(strings[0]))}")
    for key, (area, locations) in found.items():
        if key not in seen:
            where = ", ".join(f"{f}:{n}" for f, n in locations[:2])
            out.append(f"not in any catalog ({where}): {key[0]!r} (run: python scripts/i18n.py update)")
    if MO.exists():
        buf = io.BytesIO()
        write_mo(buf, merged(), use_fuzzy=False)
        if buf.getvalue() != MO.read_bytes():
            out.append(f"{MO.relative_to(ROOT)} is stale (run: python scripts/i18n.py compile)")
    else:
        out.append(f"{MO.relative_to(ROOT)} is missing (run: python scripts/i18n.py compile)")
    return out


def main(argv: list[str]) -> int:
    command = argv[1] if len(argv) > 1 else "check"
    if command == "update":
        update()
        return 0
    if command == "compile":
        compile_mo()
        return 0
    if command == "check":
        found = problems()
        for line in found:
            print(line)
        print(f"{len(found)} problems" if found else "catalogs complete")
        return 1 if found else 0
    print(__doc__)
    return 2


if __name__ == "__main__":
    sys.exit(main(sys.argv))
