"""The office's pages in Chromium (Playwright): a decision and a correction set from the report page,
a zip uploaded into the store, a letter downloaded and opened. Screenshots go to
test-output/web/ (and to docs/screenshots/ with GONGKAI_UPDATE_SCREENSHOTS=1)."""
from __future__ import annotations

import io
import re
import zipfile

import pytest

from conftest import CORPUS, SEEDS, served
from review_inbox import build_inbox
from test_web_browser import browser, shot  # noqa: F401  (the Chromium fixture and screenshots)

PINGTAN = CORPUS / "real" / "pingtan-2019-crawltext" / "source.txt"
HONGZE = "洪泽区人民政府"


@pytest.fixture(scope="module")
def office_db(tmp_path_factory):
    from gongkai.store.pipeline import ingest

    root = tmp_path_factory.mktemp("office-browser")
    inbox = build_inbox(root)
    path = root / "office.duckdb"
    result = ingest([str(inbox["inbox"]), str(PINGTAN)], db=str(path), workers=2)
    assert result.new_reports == 7, result
    return path


@pytest.fixture(scope="module")
def server(office_db):
    from gongkai.web import create_app

    app = create_app(office_db, chart_animation=False, allow_upload=True)
    with served(app) as url:
        yield url


@pytest.fixture
def page(browser, server):  # noqa: F811
    context = browser.new_context(viewport={"width": 1500, "height": 1000}, base_url=server, accept_downloads=True)
    page = context.new_page()
    page.set_default_timeout(30_000)
    problems: list[str] = []
    page.on("console", lambda m: problems.append(f"console {m.type}: {m.text}") if m.type == "error" else None)
    page.on("pageerror", lambda e: problems.append(f"page error: {e}"))
    page.problems = problems  # a test that expects an error status removes its own entry
    yield page
    context.close()
    assert not problems, problems  # a script blocked by the CSP, a missing asset


def expect(locator):
    from playwright.sync_api import expect as _expect

    return _expect(locator)


def open_report(page, agency: str) -> None:
    page.goto("/reports")
    page.locator("table.reports tr", has_text=agency).locator("a.tables-link").click()
    page.wait_for_url(re.compile(r"/reports/[0-9a-f]{64}$"))


def test_decide_a_finding_and_the_report_from_the_page(page):
    open_report(page, HONGZE)
    verdict = page.locator("#office-verdict .verdict")
    expect(verdict).to_have_attribute("data-errors", "2")
    rows = page.locator("table.findings.office tr.finding")
    severities = [rows.nth(i).get_attribute("class") for i in range(rows.count())]
    assert "sev-row-error" in severities[0] and "sev-row-warning" in severities[-1]
    first = rows.first
    fingerprint = first.get_attribute("data-fingerprint")
    first.locator("input[name=note]").fill("原件第4页核对无误")
    first.locator("button[value=dismissed]").click()
    row = page.locator(f"#fp-{fingerprint}")
    expect(row).to_have_class(re.compile(r"\bdismissed\b"))  # swapped in place by htmx
    expect(verdict).to_have_attribute("data-errors", "1")  # the counts follow (out-of-band swap)
    assert row.locator("td.msg .text").evaluate("e => getComputedStyle(e).textDecorationLine") == "line-through"
    # the second error confirmed, the report returned with a note
    second = rows.nth(1)
    second.locator("button[value=confirmed]").click()
    expect(page.locator(f"#fp-{second.get_attribute('data-fingerprint')}")).to_have_class(re.compile("decided-confirmed"))
    page.fill("#report-decision input[name=note]", "请核对表四行政复议数据后重新报送")
    page.click("#report-decision button[value=returned]")
    expect(page.locator("#report-decision .decision-returned")).to_contain_text("请核对表四")
    # after a reload: kept, and the filter shows the dismissed one alone
    page.reload()
    expect(page.locator(f"#fp-{fingerprint}")).to_have_class(re.compile(r"\bdismissed\b"))
    shot(page, "office-report", full_page=True, readme=True)
    page.click(".show-filter a[data-show=dismissed]")
    expect(page.locator("table.findings.office tr.finding")).to_have_count(1)


def test_enter_a_correction_from_the_page(page):
    open_report(page, "平潭综合实验区")
    row = page.locator("#corrections tr[data-path='active.fees.previous_items']")
    row.locator("input[name=value]").fill("35")
    row.locator("input[name=note]").fill("原件：35")
    row.locator("button[type=submit]").click()
    page.wait_for_load_state("domcontentloaded")
    cell = page.locator("#c-active-fees-previous_items")
    expect(cell).to_have_class(re.compile(r"\bcorrected\b"))
    expect(cell.locator(".cv")).to_have_text("35")
    assert "35" in cell.get_attribute("title") and "原件：35" in cell.get_attribute("title")
    assert cell.get_attribute("data-origin") == "reviewer"
    page.evaluate("document.querySelector('#t-active').scrollIntoView()")  # the table with the corrected cell
    shot(page, "office-correction", readme=True)
    # a value that is no count is refused, and the page says why
    row = page.locator("#corrections tr[data-path='active.fees.change']")
    row.locator("input[name=value]").fill("2.5")
    row.locator("button[type=submit]").click()
    expect(page.locator("#corrections .problem")).to_be_visible()
    page.problems.remove("console error: Failed to load resource: the server responded with a status of 400 "
                         "(Bad Request)")
    expect(page.locator("#c-active-fees-change")).not_to_have_class(re.compile(r"\bcorrected\b"))


def test_upload_a_zip_from_the_page(page, tmp_path):
    archive = tmp_path / "报送.zip"
    with zipfile.ZipFile(archive, "w", zipfile.ZIP_DEFLATED) as z:
        z.writestr("qingdao-2022.txt", SEEDS[4].read_text(encoding="utf-8").replace("2023年", "2022年"))
        z.writestr("../escape.txt", "outside")
        z.writestr("readme.md", "not a report")
    page.goto("/upload")
    page.set_input_files("#files", str(archive))
    page.click("#upload-button")
    result = page.locator("#upload-result")
    expect(result).to_be_visible(timeout=120_000)
    statuses = {r.locator("td").first.inner_text(): r.get_attribute("data-status")
                for r in result.locator("tbody tr").all()}
    assert statuses == {"报送.zip/qingdao-2022.txt": "stored", "报送.zip/../escape.txt": "refused",
                        "报送.zip/readme.md": "skipped"}, statuses
    result.locator("a", has_text="qingdao-2022.txt").click()
    expect(page.locator("h1")).to_contain_text("2022")


def test_download_the_letter(page):
    from docx import Document

    open_report(page, HONGZE)
    with page.expect_download() as info:
        page.click("#download-letter")
    download = info.value
    assert download.suggested_filename.startswith(HONGZE + "-2023-") and download.suggested_filename.endswith(".docx")
    doc = Document(io.BytesIO(open(download.path(), "rb").read()))
    text = "\n".join(p.text for p in doc.paragraphs)
    assert HONGZE in text and "2023" in text
    assert len(doc.tables) >= 3  # the three statutory tables


def test_issue_list_page(page):
    page.goto("/issues")
    rows = page.locator("table.issues tbody tr")
    assert rows.count() > 5
    assert "sev-row-error" in rows.first.get_attribute("class")
    shot(page, "office-issues", full_page=False, readme=True)
    with page.expect_download() as info:
        page.click(".list-downloads a[data-format=xlsx]")
    assert info.value.suggested_filename.endswith(".xlsx")
