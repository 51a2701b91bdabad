"""The drafting page (/draft): over HTTP, and in a real browser (Playwright driving Debian's
Chromium, the `browser` fixture of tests/test_web_browser.py) against the app served without a store.

A body types a seed's gold into the template's cells: no error; one number changed turns its
cell red with the identity in words, live; last year's report (the 淮安 2024 PDF) pre-fills
二、上年结转; the workbook, DOCX and HTML downloads read back to gold. Screenshots go to
test-output/draft/ (and to docs/screenshots/ with GONGKAI_UPDATE_SCREENSHOTS=1).
"""
from __future__ import annotations

import os
import shutil
from pathlib import Path

import pytest

pytest.importorskip("fastapi")
pytest.importorskip("openpyxl")

from gongkai import parse  # noqa: E402
from gongkai.i18n import use_language  # noqa: E402

from conftest import CORPUS, SEEDS, gold_cells, gold_for, served  # noqa: E402
from test_web_browser import browser  # noqa: E402,F401  (Debian's Chromium, launched as there)

REPO = Path(__file__).resolve().parents[1]
OUT = REPO / "test-output" / "draft"
DOC_SHOTS = REPO / "docs" / "screenshots"
SEED = next(s for s in SEEDS if gold_for(s)["template"] == "2021")
HUAIAN = CORPUS / "real" / "huaian-city-2024-pdf" / "source.pdf"


def _fields(gold: dict) -> dict[str, str]:
    out = {"agency": gold["agency"], "year": str(gold["year"])}
    for path, value in gold_cells(gold):
        out[path] = "" if value is None else str(value)
    return out


@pytest.fixture(scope="module")
def client():
    from fastapi.testclient import TestClient

    from gongkai.web import create_app

    # the app's lifespan starts its parser pool; the Host guard accepts localhost
    with TestClient(create_app(), base_url="http://localhost") as c:
        yield c


# --- over HTTP ------------------------------------------------------------------------------------
def test_page_draws_every_cell_of_the_template(client):
    html = client.get("/draft").text
    from gongkai.draft.workbook import record_paths

    for path in record_paths():
        assert f'name="{path}"' in html
    assert "（本列数据的勾稽关系为：第一项加第二项之和，等于第三项加第四项之和）" in html
    assert 'hx-post="/draft/check"' in html


def test_check_marks_the_failing_cell_with_the_identity(client):
    gold = gold_for(SEED)
    fields = _fields(gold)
    ok = client.post("/draft/check", data=fields).text
    assert 'class="flag sev-error"' not in ok and "draft-verdict" in ok
    fields["requests.granted.natural_person"] = str(gold["requests"]["granted"]["natural_person"] + 1)
    with use_language("zh"):
        bad = client.post("/draft/check", data=fields).text
    assert 'id="flag-c-requests-granted-total" hx-swap-oob="true"' in bad
    flag = bad.split('id="flag-c-requests-granted-total"')[0].rsplit("<span", 1)[1]
    assert "sev-error" in flag
    assert "GK101" in bad and "GK102" in bad


def test_typing_that_is_no_number_is_flagged_not_guessed(client):
    fields = _fields(gold_for(SEED))
    fields["requests.total.research"] = "十二"
    text = client.post("/draft/check", data=fields).text
    assert "draft-not-a-number" in text and "十二" in text


def test_downloads_read_back_to_gold(client):
    gold = gold_for(SEED)
    fields = _fields(gold)
    for kind in ("xlsx", "docx", "html"):
        r = client.post(f"/draft/download/{kind}", data=fields)
        assert r.status_code == 200, (kind, r.text[:300])
        assert "attachment" in r.headers["content-disposition"]
        record = parse(r.content, name=f"d.{kind}")
        assert [(p, v) for p, v in gold_cells(gold) if record.cell(p) != v] == [], kind
        assert (record.agency, record.year) == (gold["agency"], gold["year"])


def test_report_download_refused_while_the_tables_have_errors(client):
    gold = gold_for(SEED)
    fields = _fields(gold)
    fields["requests.total.total"] = str(gold["requests"]["total"]["total"] + 5)
    with use_language("en"):
        r = client.post("/draft/download/docx", data=fields, headers={"accept": "text/html"})
    assert r.status_code == 409 and "text/html" in r.headers["content-type"]
    assert "The tables have" in r.text and "（七）总计" in r.text
    assert client.post("/draft/download/xlsx", data=fields).status_code == 200  # a draft in progress is kept


def test_previous_report_upload_prefills_carried_over(client):
    gold = gold_for(HUAIAN)
    with HUAIAN.open("rb") as fh:
        r = client.post("/draft/previous", files={"previous_file": ("淮安市2024年报.pdf", fh, "application/pdf")},
                        data={"agency": "", "year": ""})
    assert r.status_code == 200
    for column, value in gold["requests"]["carried_forward"].items():
        assert f'name="requests.carried_over.{column}" id="in-c-requests-carried_over-{column}" class="num" ' \
               f'value="{value}"' in r.text
    assert f'value="{gold["year"] + 1}"' in r.text and gold["agency"] in r.text
    for key in ("regulations", "normative_documents"):
        assert f'id="prev-{key}" class="num"\n                 value="{gold["active"][key]["in_force"]}"' in r.text


def test_unreadable_previous_upload_is_explained(client):
    r = client.post("/draft/previous", files={"previous_file": ("notes.txt", "没有报告".encode(), "text/plain")})
    assert r.status_code == 422 and "notes.txt" in r.text


# --- in a browser -------------------------------------------------------------------------------------
@pytest.fixture(scope="module")
def server():
    from gongkai.web import create_app

    with served(create_app()) as url:
        yield url


@pytest.fixture
def page(browser, server):
    context = browser.new_context(viewport={"width": 1500, "height": 1000}, base_url=server, accept_downloads=True)
    page = context.new_page()
    page.set_default_timeout(15_000)
    problems: list[str] = []
    page.on("console", lambda m: problems.append(f"console {m.type}: {m.text}") if m.type == "error" else None)
    page.on("pageerror", lambda e: problems.append(f"page error: {e}"))
    yield page
    context.close()
    assert not problems, problems  # a script blocked by the CSP, a missing asset


def _shot(page, name: str) -> None:
    OUT.mkdir(parents=True, exist_ok=True)
    path = OUT / f"{name}.png"
    page.screenshot(path=str(path))
    if os.environ.get("GONGKAI_UPDATE_SCREENSHOTS") == "1":
        DOC_SHOTS.mkdir(parents=True, exist_ok=True)
        shutil.copyfile(path, DOC_SHOTS / f"{name}.png")


def test_drafting_in_the_browser(page):
    from playwright.sync_api import expect

    gold = gold_for(SEED)
    page.goto("/draft")
    expect(page.locator("h1")).to_contain_text("年度报告")
    # last year's report pre-fills 二、上年结转
    page.set_input_files("#previous-file", str(HUAIAN))
    page.click("#previous-submit")
    expect(page.locator(".draft-note")).to_contain_text("淮安市人民政府")
    huaian = gold_for(HUAIAN)
    expect(page.locator("#in-c-requests-carried_over-total")).to_have_value(
        str(huaian["requests"]["carried_forward"]["total"]))
    # the body types its own figures, as in the seed (agency and year too)
    page.fill("#agency", gold["agency"])
    page.fill("#year", str(gold["year"]))
    for path, value in gold_cells(gold):
        page.fill(f"#in-c-{path.replace('.', '-')}", "" if value is None else str(value))
    for key in ("regulations", "normative_documents"):
        page.fill(f"#prev-{key}", "")
    for column in gold["requests"]["carried_forward"]:
        page.fill(f"#prev-forward-{column}", "")
    page.locator("#in-c-requests-total-total").press("Tab")
    expect(page.locator("#draft-verdict")).to_have_class("verdict ok")
    assert page.locator("td.draft-cell:has(.flag.sev-error)").count() == 0
    # one number wrong: its row's total turns red while typing, with the identity in words
    granted = page.locator("#in-c-requests-granted-natural_person")
    granted.fill(str(gold["requests"]["granted"]["natural_person"] + 1))
    total_cell = page.locator("td.draft-cell:has(#in-c-requests-granted-total)")
    expect(total_cell.locator(".flag")).to_have_class("flag sev-error")
    color = total_cell.evaluate("td => getComputedStyle(td).backgroundColor")
    assert color == "rgb(246, 201, 201)"
    expect(total_cell.locator(".flag")).to_contain_text("予以公开")
    expect(page.locator("#draft-verdict")).to_have_class("verdict bad")
    expect(page.locator(".draft-findings")).to_contain_text("GK101")
    granted.focus()
    page.locator("#in-c-requests-granted-total").focus()  # the reason shows beside the cell
    _shot(page, "draft-page")
    # corrected: the red goes away; the downloads read back to gold
    granted.fill(str(gold["requests"]["granted"]["natural_person"]))
    expect(page.locator("#draft-verdict")).to_have_class("verdict ok")
    assert page.locator("td.draft-cell:has(.flag.sev-error)").count() == 0
    for kind in ("xlsx", "docx", "html"):
        with page.expect_download() as info:
            page.click(f"#download-{kind}")
        data = Path(info.value.path()).read_bytes()
        record = parse(data, name=f"d.{kind}")
        assert [(p, v) for p, v in gold_cells(gold) if record.cell(p) != v] == [], kind
        assert (record.agency, record.year) == (gold["agency"], gold["year"]), kind
