"""The web pages in a real browser: Playwright driving Debian's Chromium against `gongkai serve`'s
app on 127.0.0.1. Screenshots go to test-output/web/ (and, with GONGKAI_UPDATE_SCREENSHOTS=1,
the README's docs/screenshots/).

Chromium is required: CI installs it (apt `chromium`). Where it is missing the tests fail with a
message, unless GONGKAI_ALLOW_MISSING_CHROMIUM=1 lets them skip.
"""
from __future__ import annotations

import json
import os
import re
import shutil
import threading
from pathlib import Path

import pytest

from conftest import CORPUS, SEEDS, served

REPO = Path(__file__).resolve().parents[1]
SEED = CORPUS / "seeds" / "000_e36cf77514eb609c.txt"
CHROMIUM = os.environ.get("GONGKAI_CHROMIUM", "/usr/bin/chromium")
CHROMIUM_ARGS = ["--no-sandbox", "--headless", "--disable-gpu", "--disable-quic", "--no-first-run",
                 "--disable-background-networking", "--disable-component-update", "--disable-sync"]
OUT = REPO / "test-output" / "web"
README_SHOTS = REPO / "docs" / "screenshots"
ALLOW_MISSING = os.environ.get("GONGKAI_ALLOW_MISSING_CHROMIUM") == "1"


def _require(ok: bool, why: str) -> None:
    if ok:
        return
    if ALLOW_MISSING:
        pytest.skip(why + " (skipped: GONGKAI_ALLOW_MISSING_CHROMIUM=1)")
    pytest.fail(why + ": install it (apt-get install chromium; pip install playwright) or set "
                "GONGKAI_ALLOW_MISSING_CHROMIUM=1 to skip the browser tests", pytrace=False)


def shot(page, name: str, *, full_page: bool = False, readme: bool = False) -> Path:
    OUT.mkdir(parents=True, exist_ok=True)
    path = OUT / f"{name}.png"
    page.screenshot(path=str(path), full_page=full_page)
    if readme and os.environ.get("GONGKAI_UPDATE_SCREENSHOTS") == "1":
        README_SHOTS.mkdir(parents=True, exist_ok=True)
        shutil.copyfile(path, README_SHOTS / f"{name}.png")
    return path


# --- fixtures --------------------------------------------------------------------------------------
@pytest.fixture(scope="module")
def store_db(tmp_path_factory):
    """A store holding the corpus (seeds, real PDFs and crawled texts), built as `gongkai ingest` does."""
    pytest.importorskip("duckdb")
    from gongkai.store.pipeline import ingest

    path = tmp_path_factory.mktemp("web-store") / "corpus.duckdb"
    result = ingest([str(CORPUS)], db=str(path), workers=2)
    assert result.failed == 0 and result.new_reports >= 12, result
    return path


@pytest.fixture(scope="module")
def server(store_db):
    """The app served by uvicorn on a free 127.0.0.1 port in a thread; stops at the end."""
    from gongkai.web import create_app

    app = create_app(store_db, chart_animation=False)
    with served(app) as url:
        yield url


@pytest.fixture(scope="module")
def browser():
    _require(Path(CHROMIUM).exists(), f"Chromium is not installed at {CHROMIUM}")
    try:
        from playwright.sync_api import sync_playwright
    except ImportError:
        _require(False, "the Python package playwright is not installed")
    with sync_playwright() as p:
        b = p.chromium.launch(executable_path=CHROMIUM, args=CHROMIUM_ARGS, headless=True)
        yield b
        b.close()


@pytest.fixture
def page(browser, server):
    context = browser.new_context(viewport={"width": 1500, "height": 1000}, base_url=server,
                                  accept_downloads=True)
    page = context.new_page()
    page.set_default_timeout(15_000)
    problems: list[str] = []
    page.on("console", lambda m: problems.append(f"console {m.type}: {m.text}") if m.type == "error" else None)
    page.on("pageerror", lambda e: problems.append(f"page error: {e}"))
    page.on("dialog", lambda d: (problems.append(f"dialog: {d.message}"), d.dismiss()))
    page.problems = problems  # a test that expects an error status removes its own entry
    yield page
    context.close()
    # A console error would be a script blocked by the CSP, a missing asset or a broken chart.
    assert not problems, problems


def upload(page, path: Path) -> None:
    page.goto("/")
    page.set_input_files("#file", str(path))
    page.click("#check-button")
    page.wait_for_url(re.compile(r"/check/[\w-]+$"))


def paste(page, text: str) -> None:
    page.goto("/")
    page.fill("#text", text)
    page.click("#check-button")
    page.wait_for_load_state("domcontentloaded")


def expect(locator):
    from playwright.sync_api import expect as _expect

    return _expect(locator)


def charts_drawn(page) -> None:
    """Wait until every chart has finished drawing (app.js marks it; the CSP forbids the eval
    that page.wait_for_function would need)."""
    page.wait_for_selector(".chart:not([data-rendered='yes'])", state="detached")


def shown_cells(page) -> dict[str, str]:
    return page.eval_on_selector_all(
        "table.tpl td[data-path]",
        "tds => Object.fromEntries(tds.map(td => [td.dataset.path, td.querySelector('.cv').textContent.trim()]))")


def gold_of(seed: Path) -> dict:
    return json.loads(seed.with_suffix(".gold.json").read_text(encoding="utf-8"))


def gold_cells(gold: dict) -> dict[str, object]:
    return {f"{t}.{r}.{f}": v for t in ("active", "requests", "appeals") for r, fs in gold[t].items()
            for f, v in fs.items()}


# --- check a report --------------------------------------------------------------------------------
def test_seeds_show_no_errors_and_match_gold(page):
    from gongkai.render.layout import format_value

    for i, seed in enumerate(SEEDS):
        upload(page, seed)
        assert page.get_attribute(".verdict", "data-errors") == "0", seed.name
        assert page.locator(".verdict .ok").inner_text() == "✓ 0 个错误"
        assert page.locator("table.tpl td.st-error").count() == 0
        expected = {p: format_value(v) for p, v in gold_cells(gold_of(seed)).items()}
        assert shown_cells(page) == expected, seed.name
        # merged cells as the template draws them
        assert page.locator("table.tpl-requests th[rowspan='3'][colspan='3']").count() == 1
        if i == 0:
            assert page.locator("h1").first.inner_text().startswith("上海市静安区人力资源和社会保障局")
            # a cell leads to its source line
            page.click("#c-requests-new_received-total")
            line = page.locator(".sl.sel")
            assert "本年新收" in line.inner_text()
            assert line.get_attribute("id") == "L" + page.get_attribute("#c-requests-new_received-total",
                                                                         "data-line")
            shot(page, "check-seed")


def test_changed_number_is_marked_with_its_finding(page):
    text = SEED.read_text(encoding="utf-8").replace("(一)予以公开 | 2 | 0", "(一)予以公开 | 3 | 0")
    paste(page, text)
    cell = page.locator("#c-requests-granted-natural_person")
    assert re.search(r"\bst-(error|warning)\b", cell.get_attribute("class"))
    assert cell.inner_text().startswith("3")
    assert int(page.get_attribute(".verdict", "data-errors")) >= 1
    # the row total that no longer adds up is red
    assert "st-error" in page.get_attribute("#c-requests-granted-total", "class")
    # its finding shows on hover ...
    cell.hover()
    tip = cell.locator(".tip")
    assert tip.is_visible()
    assert "GK104" in tip.inner_text() and "3" in tip.inner_text()
    # ... and in the findings list, which leads back to the cell
    row = page.locator("tr.finding", has=page.locator("td.where[data-path='requests.granted.natural_person']"))
    assert row.count() == 1
    assert row.locator("td.where").inner_text() == "表三 （一）予以公开 行 × 自然人 列"  # the cell in words
    row.locator("a.goto").click()
    assert "sel" in cell.get_attribute("class")
    assert page.locator(".sl.sel").get_attribute("id") == "L40"
    assert page.locator(".sl.sel mark.sc.sel").inner_text() == "3"  # the very characters read
    # the README's picture: verdict, findings, the marked cells with one finding open, the source line
    page.set_viewport_size({"width": 1500, "height": 1350})
    page.evaluate("window.scrollTo(0, 0)")
    cell.hover()
    shot(page, "check", readme=True)

    with page.expect_download() as dl:
        page.click("#download-json")
    record = json.loads(Path(dl.value.path()).read_text(encoding="utf-8"))
    assert record["requests"]["granted"]["natural_person"] == 3
    with page.expect_download() as dl:
        page.click("#download-xlsx")
    assert Path(dl.value.path()).read_bytes()[:2] == b"PK"


def test_script_in_a_report_is_inert(page):
    text = SEED.read_text(encoding="utf-8").replace(
        "2023年度上海市静安区人力资源和社会保障局", "2023年度上海市静安区<script>window.pwned=1;alert(1)</script>人力资源和社会保障局", 1)
    text = text.replace("一、总体情况", "一、总体情况<img src=x onerror=\"window.pwned=2;alert(2)\">", 1)
    paste(page, text)
    page.wait_for_timeout(200)
    assert page.evaluate("typeof window.pwned") == "undefined"
    assert page.locator("script:not([src]):not([type='application/json'])").count() == 0
    assert page.locator("img[src='x']").count() == 0
    assert "<script>window.pwned=1;alert(1)</script>" in page.locator("#source").inner_text()
    shot(page, "check-script-inert")


def test_unreadable_upload_gets_an_error_page(page, tmp_path):
    bad = tmp_path / "broken.pdf"
    bad.write_bytes(b"%PDF-1.4\nnot a real pdf")
    page.goto("/")
    page.set_input_files("#file", str(bad))
    with page.expect_response(lambda r: r.url.endswith("/check")) as resp:
        page.click("#check-button")
    assert resp.value.status == 422
    page.wait_for_selector(".error-page")
    assert "broken.pdf 无法作为年度报告读取" in page.locator(".detail").inner_text()
    assert page.locator("form.upload").count() == 1  # try again from here
    page.problems[:] = [p for p in page.problems if "status of 422" not in p]


# --- browse the store ----------------------------------------------------------------------------
def test_reports_list_and_filters(page, store_db):
    import duckdb

    with duckdb.connect(str(store_db), read_only=True) as con:
        total = con.execute("SELECT count(*) FROM reports").fetchone()[0]
        in_2024 = con.execute("SELECT count(*) FROM reports WHERE year = 2024").fetchone()[0]
        agencies = {a for (a,) in con.execute("SELECT agency FROM reports").fetchall()}
    page.goto("/reports")
    rows = page.locator("table.reports tbody tr")
    assert rows.count() == total >= 12
    unnamed = {None}  # a report that names no body is listed under a placeholder, not as blank
    shown = {t.strip() for t in page.locator("table.reports tbody td:nth-child(2)").all_inner_texts()}
    assert shown - {"（未写明）"} == agencies - unnamed and ("（未写明）" in shown) == bool(agencies & unnamed)
    page.select_option("select[name=year]", "2024")
    page.wait_for_url(re.compile(r"year=2024"))
    expect(page.locator("table.reports tbody tr")).to_have_count(in_2024)
    assert set(page.locator("table.reports tbody td:nth-child(1)").all_inner_texts()) == {"2024"}
    shot(page, "reports")
    page.locator("table.reports tbody tr a.tables-link").first.click()
    page.wait_for_selector("table.tpl-requests")
    assert page.locator("table.tpl td[data-path]").count() > 100


def test_body_page_draws_its_charts(page):
    page.goto("/bodies")
    page.click("text=淮安市洪泽区人民政府")
    page.wait_for_selector("table.years")
    charts = page.locator(".chart")
    assert charts.count() == 4
    charts_drawn(page)
    assert page.locator(".chart canvas").count() == 4
    heads = [" ".join(t.split()) for t in page.locator("table.years thead th").all_inner_texts()]
    assert heads[1:] == ["2023 2", "2024"]  # 2023 has 2 errors
    # the years side by side: 新收 总计 of 2023 and 2024
    row = page.locator("table.years tr", has=page.locator("td.label", has_text="一、本年新收政府信息公开申请数量 × 总计"))
    assert row.locator("td.num").all_inner_texts() == ["21", "95"]
    shot(page, "body-full", full_page=True)
    page.set_viewport_size({"width": 1500, "height": 1100})
    shot(page, "body", readme=True)


def test_overview_draws_its_charts(page):
    page.goto("/overview")
    assert page.locator(".chart").count() == 4
    charts_drawn(page)
    assert page.locator(".stat b").first.inner_text().isdigit()
    shot(page, "overview", full_page=True)


def test_compare_two_years(page):
    page.goto("/bodies/320813:人民政府")
    page.click("text=对比 2023 ↔ 2024")
    page.wait_for_selector(".compare-grid")
    n = len(page.locator("table.diffs tbody tr").all())
    assert n > 0
    assert page.locator(".side-a td.changed").count() == n == page.locator(".side-b td.changed").count()
    assert page.locator("#b-c-requests-new_received-total").inner_text().startswith("95")
    shot(page, "compare")


def test_api_docs_page(page):
    page.goto("/docs")
    page.wait_for_selector(".swagger-ui .info .title")
    assert "gongkai" in page.locator(".swagger-ui .info .title").inner_text()


# --- the language switch -----------------------------------------------------------------------
def _no_english_words(text: str) -> list[str]:
    """English words on a Chinese page, beyond what stays as it is in every language: rule ids and
    names, file names and formats, the program's name."""
    from gongkai.checks.registry import catalogue

    allowed = {"gongkai", "API", "JSON", "Excel", "CSV", "English", "MB", "text", "plain", "pasted", "txt", "PDF", "HTML",
               "Word", "docx", "doc", "report", "GK"}
    allowed |= {part for r in catalogue() for part in r.name.split("-")}
    return sorted({w for w in re.findall(r"[A-Za-z]{2,}", text) if w not in allowed and not re.match(r"GK\d", w)})


def test_check_page_chinese_by_default_english_after_the_switch(page):
    text = SEED.read_text(encoding="utf-8").replace("(一)予以公开 | 2 | 0", "(一)予以公开 | 3 | 0")
    paste(page, text)
    assert page.get_attribute("html", "lang") == "zh-CN"
    assert page.locator("nav a.on").inner_text() == "检查报告"
    assert page.locator(".findings-panel h2").inner_text() == "问题"
    assert page.locator("table.findings thead").inner_text().split() == ["#", "严重程度", "规则", "位置", "说明", "依据"]
    where = page.locator("tr.finding td.where").all_inner_texts()
    assert "表三 （一）予以公开 行 × 总计 列" in where
    evidence = page.locator("tr.finding td.ev").all_inner_texts()
    assert "第 40 行第 47 字：“2”" in evidence
    chrome = " ".join(page.locator(s).inner_text() for s in (".topbar", ".check-head", ".findings-panel thead",
                                                                ".source-col h2", "footer"))
    assert _no_english_words(chrome) == [], chrome
    page.set_viewport_size({"width": 1500, "height": 1350})
    page.locator("#c-requests-granted-natural_person").hover()
    shot(page, "check-zh", readme=True)

    page.click(".lang-switch a[hreflang='en']")
    page.wait_for_selector("html[lang='en']")
    assert page.locator("nav a.on").inner_text() == "Check a report"
    assert page.locator(".findings-panel h2").inner_text() == "Findings"
    where = page.locator("tr.finding td.where").all_inner_texts()
    assert "table 三, row （一）予以公开, column 总计" in where
    assert 'line 40, col 47: "2"' in page.locator("tr.finding td.ev").all_inner_texts()
    assert page.locator(".verdict .bad").inner_text() == "2 errors"
    page.locator("#c-requests-granted-natural_person").hover()
    shot(page, "check-en", readme=True)
    # the choice is remembered (cookie) until switched back
    page.goto("/")
    assert page.get_attribute("html", "lang") == "en" and page.locator("h1").inner_text() == "Check an annual report"
    page.click(".lang-switch a[hreflang='zh-CN']")
    page.wait_for_selector("html[lang='zh-CN']")
    assert page.locator("h1").inner_text() == "检查年度报告"


def test_store_pages_chinese_by_default_english_after_the_switch(page):
    pages = {"/reports": ("数据库中的报告", "Reports in the store"), "/bodies": ("报告机关", "Reporting bodies"),
             "/overview": (None, None), "/compare": ("对比两份报告", "Compare two reports")}
    for path, (zh, en) in pages.items():
        page.goto(path)
        assert page.get_attribute("html", "lang") == "zh-CN", path
        if zh:
            assert page.locator("h1").first.inner_text() == zh
        if path == "/overview":
            charts_drawn(page)
            titles = page.locator(".chart-box h3").all_inner_texts()
            assert "各年度各类办理结果的申请数" in titles
            assert page.locator(".stat span").all_inner_texts() == ["份报告", "个报告机关", "年度"]
        assert _no_english_words(page.locator(".topbar").inner_text() + page.locator("main").inner_text()) == [], path
    page.goto("/reports")
    assert page.locator("table.reports thead").inner_text().split()[:4] == ["年度", "机关", "地区", "模板"]
    shot(page, "reports-zh", readme=True)
    page.click(".lang-switch a[hreflang='en']")
    page.wait_for_selector("html[lang='en']")
    assert page.locator("h1").first.inner_text() == "Reports in the store"
    assert page.locator("table.reports thead").inner_text().split()[:4] == ["Year", "Agency", "Region", "Template"]
    shot(page, "reports-en", readme=True)
    for path, (zh, en) in pages.items():
        page.goto(path)
        assert page.get_attribute("html", "lang") == "en", path
        if en:
            assert page.locator("h1").first.inner_text() == en
        if path == "/overview":
            charts_drawn(page)
            assert "Requests handled by year and outcome" in page.locator(".chart-box h3").all_inner_texts()


def test_a_page_of_another_origin_cannot_post(page, server, tmp_path):
    """A page served from another origin (another port of 127.0.0.1) submits forms to the server:
    the browser says where they come from (Origin) and the server refuses them."""
    import http.server
    import functools

    (tmp_path / "evil.html").write_text(
        "<!DOCTYPE html><html><head><link rel='icon' href='data:,'></head><body>"
        f"<form id='api' method='post' action='{server}/api/check?name=x.txt' enctype='text/plain'>"
        "<input name='text' value='2023年度政府信息公开工作年度报告'></form>"
        f"<form id='page' method='post' action='{server}/check' enctype='multipart/form-data'>"
        "<input name='text' value='x'><input name='csrf_token' value='guess'></form>"
        "</body></html>", encoding="utf-8")
    class Quiet(http.server.SimpleHTTPRequestHandler):
        def log_message(self, *args):
            pass

    handler = functools.partial(Quiet, directory=str(tmp_path))
    evil = http.server.ThreadingHTTPServer(("127.0.0.1", 0), handler)
    threading.Thread(target=evil.serve_forever, daemon=True).start()
    try:
        for form in ("api", "page"):
            tab = page.context.new_page()  # one tab per form: a navigation of its own
            tab.goto(f"http://127.0.0.1:{evil.server_address[1]}/evil.html")
            with tab.expect_response(lambda r: r.request.method == "POST") as resp:
                tab.evaluate(f"document.getElementById('{form}').submit()")
            assert resp.value.status == 403, form
            assert resp.value.request.headers["origin"] == f"http://127.0.0.1:{evil.server_address[1]}"
            tab.wait_for_url(f"{server}/**")  # the refusal is what the tab shows, before it is closed
            if form == "page":
                assert "403" in tab.locator("h1").inner_text()
            tab.close()
    finally:
        evil.shutdown()
