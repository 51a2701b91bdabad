"""The office's web pages, in process (TestClient): a stored report reviewed (decisions, corrections,
the letter), uploads of files and zips into the store, issue lists and the roster, and the CSV/XLSX
downloads of every list. The store is built from the shared corpus and edited copies of real
reports (tests/review_inbox.py); each test that writes works on its own copy of it."""
from __future__ import annotations

import csv
import io
import re
import subprocess
import sys
import time
import warnings
import zipfile
from pathlib import Path

import pytest

pytest.importorskip("fastapi")
pytestmark = pytest.mark.filterwarnings("ignore::DeprecationWarning")

with warnings.catch_warnings():
    warnings.simplefilter("ignore")
    from fastapi.testclient import TestClient  # noqa: E402

from gongkai.store import copy_store  # noqa: E402
from gongkai.web import create_app  # noqa: E402

from conftest import CORPUS, SEEDS, count_statements  # noqa: E402
from review_inbox import MISSING_BODY, build_inbox  # noqa: E402

PINGTAN = CORPUS / "real" / "pingtan-2019-crawltext" / "source.txt"  # glued digits: cells left unread
HONGZE = "洪泽区人民政府"


@pytest.fixture(scope="module")
def inbox(tmp_path_factory):
    return build_inbox(tmp_path_factory.mktemp("office-inbox"))


@pytest.fixture(scope="module")
def built_store(inbox, tmp_path_factory):
    from gongkai.store.pipeline import ingest

    path = tmp_path_factory.mktemp("office-store") / "office.duckdb"
    result = ingest([str(inbox["inbox"]), str(PINGTAN)], db=str(path), workers=2)
    assert result.new_reports == 7 and result.failed == 1, result
    return path


@pytest.fixture
def store_db(built_store, tmp_path):
    """A copy of the store for one test (the tests write decisions, corrections and uploads)."""
    path = tmp_path / "store.duckdb"
    copy_store(built_store, path)  # the file and its cells folder
    return path


def client_for(db, **options):
    return TestClient(create_app(db, **options), base_url="http://localhost")


@pytest.fixture
def client(store_db):
    with client_for(store_db, allow_upload=True, write_wait=5) as c:
        yield c


@pytest.fixture(scope="module")
def reader(built_store):
    """A client that only reads (no test through it writes)."""
    with client_for(built_store) as c:
        yield c


def csrf_token(client) -> str:
    return re.search(r'name="csrf_token" value="([^"]+)"', client.get("/").text).group(1)


def report_id(client, agency: str) -> str:
    items = client.get("/api/reports", params={"limit": 1000}).json()["items"]
    return next(r["id"] for r in items if r["agency"] == agency)


def finding_rows(html: str) -> list[dict]:
    """The finding rows of a report page: fingerprint, severity, classes, text."""
    rows = []
    for m in re.finditer(r'<tr id="fp-(\w+)" class="([^"]*)"[^>]*>(.*?)</tr>', html, re.S):
        severity = re.search(r"sev-row-(\w+)", m.group(2)).group(1)
        rows.append({"fingerprint": m.group(1), "severity": severity, "classes": m.group(2).split(),
                     "html": m.group(3)})
    return rows


def verdict_counts(html: str) -> tuple[int, int]:
    m = re.search(r'id="office-verdict".*?data-errors="(\d+)" data-warnings="(\d+)"', html, re.S)
    return int(m.group(1)), int(m.group(2))


# --- the report page ----------------------------------------------------------------------------------
def test_report_page_lists_findings_errors_first_outside_any_scroll_box(reader):
    rid = report_id(reader, HONGZE)
    page = reader.get(f"/reports/{rid}")
    assert page.status_code == 200
    rows = finding_rows(page.text)
    severities = [r["severity"] for r in rows]
    assert severities[:2] == ["error", "error"] and "warning" in severities
    assert severities == sorted(severities, key=["error", "warning", "info"].index)
    # every finding on the page itself: the panel is not the scrolling box of the plain check page
    assert 'class="findings-panel full"' in page.text
    css = reader.get("/static/app.css").text
    assert ".findings-panel.full { max-height: none; overflow: visible; }" in css
    assert verdict_counts(page.text) == (2, 2)
    # each finding has the two buttons, in a form carrying the CSRF token
    first = rows[0]["html"]
    assert 'value="confirmed"' in first and 'value="dismissed"' in first and 'name="csrf_token"' in first
    assert f'href="/reports/{rid}/letter.docx"' in page.text


def test_unknown_report_is_404(reader):
    assert reader.get("/reports/" + "0" * 64).status_code == 404
    assert reader.get("/reports/not-an-id").status_code == 404


def test_dismissing_a_finding_strikes_it_through_and_survives_a_new_server(client, store_db):
    rid = report_id(client, HONGZE)
    before = finding_rows(client.get(f"/reports/{rid}").text)
    error = next(r for r in before if r["severity"] == "error")
    r = client.post(f"/reports/{rid}/findings/{error['fingerprint']}",
                    data={"kind": "dismissed", "note": "原件经核对无误", "csrf_token": csrf_token(client)},
                    follow_redirects=False)
    assert r.status_code == 303 and r.headers["location"].endswith(f"#fp-{error['fingerprint']}")
    page = client.get(f"/reports/{rid}").text
    row = next(r for r in finding_rows(page) if r["fingerprint"] == error["fingerprint"])
    assert "dismissed" in row["classes"] and "原件经核对无误" in row["html"]
    assert verdict_counts(page) == (1, 2)  # counted over the findings not dismissed
    review = client.get(f"/api/reports/{rid}/review").json()
    assert review["counts"] == {"error": 1, "warning": 2, "info": 0} and review["status"] == "needs_fixes"
    decided = next(f for f in review["findings"] if f["fingerprint"] == error["fingerprint"])
    assert decided["decision"]["kind"] == "dismissed" and decided["decision"]["note"] == "原件经核对无误"
    # the filters
    shown = {s: [r["fingerprint"] for r in finding_rows(client.get(f"/reports/{rid}?show={s}").text)]
             for s in ("all", "open", "confirmed", "dismissed")}
    assert shown["dismissed"] == [error["fingerprint"]]
    assert error["fingerprint"] not in shown["open"] and len(shown["open"]) == len(before) - 1
    assert shown["confirmed"] == [] and len(shown["all"]) == len(before)
    # the store keeps it: a new server on the same store shows it
    with client_for(store_db) as again:
        row = next(r for r in finding_rows(again.get(f"/reports/{rid}").text) if r["fingerprint"] == error["fingerprint"])
        assert "dismissed" in row["classes"]
    # taken back
    client.post(f"/reports/{rid}/findings/{error['fingerprint']}", data={"kind": "clear", "csrf_token": csrf_token(client)})
    assert verdict_counts(client.get(f"/reports/{rid}").text) == (2, 2)


def test_htmx_decision_returns_the_row_and_the_new_counts(client):
    rid = report_id(client, HONGZE)
    error = next(r for r in finding_rows(client.get(f"/reports/{rid}").text) if r["severity"] == "error")
    r = client.post(f"/reports/{rid}/findings/{error['fingerprint']}", headers={"HX-Request": "true"},
                    data={"kind": "confirmed", "note": "", "csrf_token": csrf_token(client)})
    assert r.status_code == 200
    assert r.text.lstrip().startswith(f'<tr id="fp-{error["fingerprint"]}"') and "decided-confirmed" in r.text
    assert 'id="office-verdict" class="office-verdict" hx-swap-oob="true"' in r.text


def test_decisions_refused_without_csrf_or_with_a_bad_kind(client):
    rid = report_id(client, HONGZE)
    fp = finding_rows(client.get(f"/reports/{rid}").text)[0]["fingerprint"]
    assert client.post(f"/reports/{rid}/findings/{fp}", data={"kind": "dismissed"}).status_code == 403
    assert client.post(f"/reports/{rid}/decision", data={"kind": "approved"}).status_code == 403
    assert client.post(f"/reports/{rid}/corrections", data={"path": "x", "value": "1"}).status_code == 403
    token = csrf_token(client)
    assert client.post(f"/reports/{rid}/findings/{fp}", data={"kind": "maybe", "csrf_token": token}).status_code == 400
    assert client.post(f"/reports/{rid}/findings/{'0' * 16}", data={"kind": "dismissed",
                                                                    "csrf_token": token}).status_code == 404
    assert all("dismissed" not in r["classes"] for r in finding_rows(client.get(f"/reports/{rid}").text))


def test_report_decision_with_a_note(client):
    rid = report_id(client, HONGZE)
    r = client.post(f"/reports/{rid}/decision", data={"kind": "returned", "note": "请于十日内整改",
                                                      "csrf_token": csrf_token(client)}, follow_redirects=False)
    assert r.status_code == 303
    page = client.get(f"/reports/{rid}").text
    assert re.search(r'class="decision-now decision-returned">[^<]*：请于十日内整改', page)


def test_correction_of_an_unread_cell_is_a_layer_and_the_checks_run_again(client):
    rid = report_id(client, "平潭综合实验区")
    page = client.get(f"/reports/{rid}").text
    unread = re.findall(r'<tr data-path="([\w.]+)">', page)
    assert "active.fees.previous_items" in unread
    path = "active.fees.previous_items"
    assert client.get(f"/api/reports/{rid}").json()["record"]["active"]["fees"]["previous_items"] is None
    before = finding_rows(page)
    r = client.post(f"/reports/{rid}/corrections", data={"path": path, "value": "3", "note": "原件第2页",
                                                        "csrf_token": csrf_token(client)}, follow_redirects=False)
    assert r.status_code == 303
    page = client.get(f"/reports/{rid}").text
    cell = re.search(r'<td id="c-active-fees-previous_items" class="([^"]*)" title="([^"]*)"[^>]*>\s*<span class="cv"[^>]*>([^<]*)<',
                     page)
    assert cell and "corrected" in cell.group(1).split() and cell.group(3) == "3"
    assert "3" in cell.group(2) and "原件第2页" in cell.group(2)
    # the record as read stays as read; the review says what the reviewer entered
    assert client.get(f"/api/reports/{rid}").json()["record"]["active"]["fees"]["previous_items"] is None
    review = client.get(f"/api/reports/{rid}/review").json()
    assert review["corrections"][path]["value"] == 3 and review["corrections"][path]["origin"] == "reviewer"
    assert review["corrections"][path]["note"] == "原件第2页"
    # the row's reading finding stays while one of its cells is still unread; with both entered
    # (“350” is 35 | 0 in the original), the checks run on the corrected row and the finding is answered
    assert len(finding_rows(page)) == len(before) and 'data-where="active.fees"' in page
    client.post(f"/reports/{rid}/corrections", data={"path": "active.fees.change", "value": "0",
                                                    "csrf_token": csrf_token(client)})
    page = client.get(f"/reports/{rid}").text
    after = finding_rows(page)
    assert len(after) == len(before) - 1 and 'data-where="active.fees"' not in page
    assert page.count(' corrected"') == 2
    # the body's page shows the corrected cells as the reviewer's, the API keeps the value read
    body = client.get(f"/api/reports/{rid}").json()["summary"]["body"]
    rows = {r["path"]: r for r in client.get(f"/api/bodies/{body}").json()["rows"]}
    at = next(k for k, y in enumerate(client.get(f"/api/bodies/{body}").json()["years"]) if y["id"] == rid)
    assert rows[path]["values"][at] is None and rows[path]["corrected"][at] and rows[path]["corrections"][at] == 3
    html = client.get(f"/bodies/{body}").text
    assert re.search(r'<span class="corrected-value" title="审核人更正：3（读取值：——）">3</span>', html)


def test_refused_correction_says_why_and_stores_nothing(client):
    rid = report_id(client, "平潭综合实验区")
    token = csrf_token(client)
    for value in ("-4", "2.5", "abc"):
        r = client.post(f"/reports/{rid}/corrections", data={"path": "active.fees.previous_items", "value": value,
                                                            "csrf_token": token})
        assert r.status_code == 400 and 'class="notice problem"' in r.text, value
    r = client.post(f"/reports/{rid}/corrections", data={"path": "requests.nonsense.total", "value": "1",
                                                        "csrf_token": token})
    assert r.status_code == 400
    assert ' corrected"' not in client.get(f"/reports/{rid}").text


def test_letter_download_is_the_reports_docx_with_a_utf8_name(reader):
    from docx import Document

    rid = report_id(reader, HONGZE)
    r = reader.get(f"/reports/{rid}/letter.docx")
    assert r.status_code == 200
    disposition = r.headers["content-disposition"]
    from urllib.parse import unquote

    name = unquote(disposition.split("filename*=UTF-8''")[1])
    assert name.startswith(HONGZE + "-2023-") and name.endswith(".docx")
    doc = Document(io.BytesIO(r.content))
    text = "\n".join(p.text for p in doc.paragraphs)
    assert HONGZE in text and "GK201" in text + "".join(c.text for t in doc.tables for row in t.rows for c in row.cells)


# Another program reading the store without taking turns (the DuckDB shell left open): readers
# share the file with it, a writer cannot have it.
HOLD_STORE = """
import sys, time, duckdb
con = duckdb.connect(sys.argv[1], read_only=True)
print('held', flush=True)
time.sleep(60)
"""


def test_a_busy_store_gives_503_with_a_reason(client, store_db):
    """Another process holding the store: the page's write waits `write_wait` seconds, then says so
    (503 with the reason, Retry-After), reading goes on, and writing works once the store is free."""
    rid = report_id(client, HONGZE)
    fp = finding_rows(client.get(f"/reports/{rid}").text)[0]["fingerprint"]
    token = csrf_token(client)
    holder = subprocess.Popen([sys.executable, "-c", HOLD_STORE, str(store_db)], stdout=subprocess.PIPE, text=True)
    try:
        assert holder.stdout.readline().strip() == "held"
        started = time.monotonic()
        r = client.post(f"/reports/{rid}/findings/{fp}", data={"kind": "dismissed", "csrf_token": token})
        assert r.status_code == 503 and "Traceback" not in r.text and str(holder.pid) in r.text
        assert "Retry-After" in r.headers and time.monotonic() - started < 40
        assert client.get(f"/reports/{rid}").status_code == 200
    finally:
        holder.kill()
        holder.wait()
    # and once it is free again, writing works
    r = client.post(f"/reports/{rid}/findings/{fp}", data={"kind": "dismissed", "csrf_token": csrf_token(client)},
                    follow_redirects=False)
    assert r.status_code == 303


# --- uploading into the store -------------------------------------------------------------------------
def test_upload_is_off_without_allow_upload(built_store):
    with client_for(built_store) as c:
        page = c.get("/upload")
        assert page.status_code == 200 and 'id="upload-off"' in page.text and 'name="files"' not in page.text
        r = c.post("/upload", files=[("files", ("a.txt", SEEDS[0].read_bytes(), "text/plain"))],
                   data={"csrf_token": csrf_token(c)})
        assert r.status_code == 403
        assert 'href="/upload"' not in c.get("/reports").text


def _zip(members: dict[str, bytes]) -> bytes:
    buf = io.BytesIO()
    with zipfile.ZipFile(buf, "w", zipfile.ZIP_DEFLATED) as z:
        for name, data in members.items():
            info = zipfile.ZipInfo(name)  # kept as given (ZipFile.write would clean the path)
            info.compress_type = zipfile.ZIP_DEFLATED
            z.writestr(info, data)
    return buf.getvalue()


def _outcomes(html: str) -> dict[str, str]:
    return {re.sub(r"<[^>]+>", "", m.group(2)).strip(): m.group(1)
            for m in re.finditer(r'<tr class="outcome-\w+" data-status="(\w+)">\s*<td>(.*?)</td>', html, re.S)}


def test_upload_a_zip_accounts_for_every_member_and_refuses_traversal(client, store_db, tmp_path):
    new_report = SEEDS[4].read_text(encoding="utf-8").replace("2023年", "2022年")  # another year: a new report
    data = _zip({
        "报告/qingdao-2022.txt": new_report.encode("utf-8"),
        "报告/jingan-again.txt": SEEDS[0].read_bytes(),  # already in the store
        "../../evil.txt": b"outside",
        "/abs/evil.txt": b"outside",
        "报告/notes.exe": b"MZ",
        "报告/broken.pdf": b"%PDF-1.4 nothing here",
        "报告/inner.zip": _zip({"x.txt": b"x"}),
    })
    r = client.post("/upload", files=[("files", ("批量.zip", data, "application/zip"))],
                    data={"csrf_token": csrf_token(client)})
    assert r.status_code == 200, r.text[-500:]
    outcomes = _outcomes(r.text)
    assert outcomes == {
        "批量.zip/报告/qingdao-2022.txt": "stored", "批量.zip/报告/jingan-again.txt": "unchanged",
        "批量.zip/../../evil.txt": "refused", "批量.zip//abs/evil.txt": "refused",
        "批量.zip/报告/notes.exe": "skipped", "批量.zip/报告/broken.pdf": "unreadable",
        "批量.zip/报告/inner.zip": "skipped"}, outcomes
    # nothing was written outside the uploads folder beside the store
    assert not (store_db.parent / "evil.txt").exists() and not Path("/abs/evil.txt").exists()
    saved = sorted(p.name for p in (store_db.parent / (store_db.name + ".uploads")).rglob("*") if p.is_file())
    assert "evil.txt" not in saved and "qingdao-2022.txt" in saved
    # the new report is in the store (and its link works)
    link = re.search(r'<a href="(/reports/[0-9a-f]{64})">批量.zip/报告/qingdao-2022.txt</a>', r.text).group(1)
    assert client.get(link).status_code == 200
    assert any(x["year"] == 2022 and x["agency"] == "青岛市人力资源和社会保障局"
               for x in client.get("/api/reports", params={"limit": 1000}).json()["items"])


def test_upload_several_files_and_a_decision_survives_the_same_report_again(client, inbox):
    rid = report_id(client, HONGZE)
    fp = next(r for r in finding_rows(client.get(f"/reports/{rid}").text) if r["severity"] == "error")["fingerprint"]
    client.post(f"/reports/{rid}/findings/{fp}", data={"kind": "dismissed", "note": "核对无误",
                                                        "csrf_token": csrf_token(client)})
    r = client.post("/upload", data={"csrf_token": csrf_token(client)},
                    files=[("files", ("hongze.pdf", inbox["hongze"].read_bytes(), "application/pdf")),
                           ("files", ("empty.txt", b"   ", "text/plain"))])
    assert r.status_code == 200
    assert _outcomes(r.text) == {"hongze.pdf": "unchanged", "empty.txt": "unreadable"}
    row = next(x for x in finding_rows(client.get(f"/reports/{rid}").text) if x["fingerprint"] == fp)
    assert "dismissed" in row["classes"] and "核对无误" in row["html"]


def test_upload_refuses_without_csrf_and_members_beyond_the_size_limit(store_db):
    with client_for(store_db, allow_upload=True, max_upload=1024 * 1024) as c:
        files = [("files", ("a.txt", SEEDS[0].read_bytes(), "text/plain"))]
        assert c.post("/upload", files=files).status_code == 403  # no CSRF token
        bomb = _zip({"big.txt": b"0" * (3 * 1024 * 1024)})  # inflates to 3 MB from a few KB
        assert len(bomb) < 100_000
        r = c.post("/upload", files=[("files", ("bomb.zip", bomb, "application/zip"))], data={"csrf_token": csrf_token(c)})
        assert r.status_code == 200 and _outcomes(r.text) == {"bomb.zip/big.txt": "refused"}
        r = c.post("/upload", files=[("files", ("bad.zip", b"PK\x03\x04 not a zip", "application/zip"))],
                   data={"csrf_token": csrf_token(c)})
        assert _outcomes(r.text) == {"bad.zip": "unreadable"}


def test_zip_member_paths_are_kept_inside():
    from gongkai.web.office import _safe_member

    assert str(_safe_member("a/b/report.pdf")) == "a/b/report.pdf"
    for bad in ("../x.pdf", "a/../../x.pdf", "/etc/passwd", "C:/x.pdf", "C:\\x.pdf", "..\\..\\x.pdf", ""):
        assert _safe_member(bad) is None, bad


# --- issue lists, roster, downloads -------------------------------------------------------------------
def test_issue_list_of_a_body_and_its_downloads(reader):
    from openpyxl import load_workbook

    body = next(b for b in reader.get("/api/bodies").json()["items"] if b["agency"] == HONGZE)["id"]
    page = reader.get(f"/bodies/{body}/issues")
    assert page.status_code == 200
    counts = re.search(r'id="issue-counts" data-errors="(\d+)" data-warnings="(\d+)"', page.text)
    assert (int(counts.group(1)), int(counts.group(2))) == (2, 2)
    links = dict(re.findall(r'href="([^"]+)" download data-format="(\w+)"', page.text))
    csv_link = next(k for k, v in links.items() if v == "csv").replace("&amp;", "&")
    xlsx_link = next(k for k, v in links.items() if v == "xlsx").replace("&amp;", "&")
    r = reader.get(csv_link)
    assert r.status_code == 200 and r.content.startswith("\ufeff".encode("utf-8"))
    rows = list(csv.reader(io.StringIO(r.content.decode("utf-8-sig"))))
    assert len(rows) == 1 + 4 and all(row[0] == HONGZE for row in rows[1:])
    assert sum(row[3] == "GK201" for row in rows[1:]) == 2
    r = reader.get(xlsx_link)
    ws = load_workbook(io.BytesIO(r.content)).active
    assert ws.max_row == 5 and ws.freeze_panes == "A2" and ws.auto_filter.ref == "A1:K5"
    assert ws["A2"].value == HONGZE


def test_issue_list_of_a_region_has_only_its_bodies(reader):
    everything = reader.get("/issues?format=csv")
    rows = list(csv.reader(io.StringIO(everything.content.decode("utf-8-sig"))))[1:]
    assert {r[0] for r in rows} >= {HONGZE, "平潭综合实验区"}
    shanghai = list(csv.reader(io.StringIO(reader.get("/issues", params={"region": "上海", "format": "csv"})
                                           .content.decode("utf-8-sig"))))[1:]
    assert shanghai and all(r[0].startswith("上海市") for r in shanghai)
    page = reader.get("/issues", params={"region": "上海"})
    assert page.status_code == 200 and HONGZE not in page.text
    assert reader.get("/issues?format=pdf").status_code == 400
    assert reader.get("/bodies/nobody-at-all/issues").status_code == 404


def test_reports_and_bodies_lists_download_every_row(reader):
    from openpyxl import load_workbook

    total = reader.get("/api/reports").json()["total"]
    r = reader.get("/reports?format=csv")
    assert r.headers["content-type"].startswith("text/csv") and r.content.startswith(b"\xef\xbb\xbf")
    assert len(list(csv.reader(io.StringIO(r.content.decode("utf-8-sig"))))) == total + 1
    r = reader.get("/reports?year=2023&format=xlsx")
    ws = load_workbook(io.BytesIO(r.content)).active
    assert {row[0] for row in ws.iter_rows(min_row=2, values_only=True)} == {2023}
    bodies = reader.get("/api/bodies").json()["total"]
    ws = load_workbook(io.BytesIO(reader.get("/bodies?format=xlsx").content)).active
    assert ws.max_row == bodies + 1
    # the HTML lists are unchanged and link their downloads
    assert 'data-format="csv"' in reader.get("/reports").text and 'data-format="xlsx"' in reader.get("/bodies").text


def test_roster_from_the_command_line_and_uploaded(built_store, inbox):
    with client_for(built_store, roster=str(inbox["roster"])) as c:
        page = c.get("/roster")
        assert page.status_code == 200
        statuses = dict((name, status) for status, name in re.findall(
            r'<tr data-status="(\w+)">\s*<td>(?:<a [^>]*>)?([^<]+)<', page.text))
        assert statuses[MISSING_BODY] == "missing"
        assert statuses["上海市静安区人力资源和社会保障局"] == "passed"  # on the roster by its short name
        assert statuses[HONGZE] == "needs_fixes"
        r = c.get("/roster?format=xlsx")
        from openpyxl import load_workbook

        wb = load_workbook(io.BytesIO(r.content))
        assert any(MISSING_BODY in str(cell.value) for row in wb.worksheets[0].iter_rows() for cell in row)
        assert c.get("/roster?format=csv").content.startswith(b"\xef\xbb\xbf")
    with client_for(built_store) as c:
        assert 'id="no-roster"' in c.get("/roster").text
        r = c.post("/roster", files=[("files", ("名册.csv", inbox["roster"].read_bytes(), "text/csv"))],
                   data={"csrf_token": csrf_token(c), "year": "2023"}, follow_redirects=False)
        assert r.status_code == 303
        page = c.get(r.headers["location"])
        assert re.search(rf'<tr data-status="missing">\s*<td>{MISSING_BODY}<', page.text)
        assert re.search(r'<tr data-status="wrong_year">\s*<td><a [^>]*>上海市嘉定区', page.text)  # a 2020 report
        assert c.post("/roster", files=[("files", ("名册.csv", b"x", "text/csv"))]).status_code == 403


def test_office_pages_need_a_store():
    with TestClient(create_app(), base_url="http://localhost") as c:
        for url in ("/issues", "/roster", "/upload", "/reports?format=csv"):
            assert c.get(url).status_code == 503, url


def test_serve_options_need_a_store(inbox):
    from click.testing import CliRunner

    from gongkai.cli import main

    for args in (["--allow-upload"], ["--roster", str(inbox["roster"])]):
        result = CliRunner().invoke(main, ["serve", *args])
        assert result.exit_code == 2 and "--db" in result.output and "Traceback" not in result.output, result.output


def test_a_decision_while_gongkai_ingest_writes_the_store(client, store_db, tmp_path):
    """The page's write and a `gongkai ingest` running at the same time take turns: both land."""
    folder = tmp_path / "more"
    folder.mkdir()
    for year in (2019, 2020, 2021):  # three new reports of one body (other years of a real one)
        (folder / f"qingdao-{year}.txt").write_text(SEEDS[4].read_text(encoding="utf-8").replace("2023年", f"{year}年"),
                                                    encoding="utf-8")
    rid = report_id(client, HONGZE)
    fp = finding_rows(client.get(f"/reports/{rid}").text)[0]["fingerprint"]
    token = csrf_token(client)
    ingest = subprocess.Popen([str(Path(sys.executable).parent / "gongkai"), "ingest", "--db", str(store_db),
                               "--workers", "1", str(folder)], stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)
    try:
        r = client.post(f"/reports/{rid}/findings/{fp}", data={"kind": "confirmed", "note": "同时入库",
                                                                "csrf_token": token}, follow_redirects=False)
        assert r.status_code == 303
    finally:
        out, err = ingest.communicate(timeout=300)
    assert ingest.returncode == 0, err
    years = {x["year"] for x in client.get("/api/reports", params={"limit": 1000}).json()["items"]
             if x["agency"] == "青岛市人力资源和社会保障局"}
    assert {2019, 2020, 2021, 2023} <= years
    row = next(x for x in finding_rows(client.get(f"/reports/{rid}").text) if x["fingerprint"] == fp)
    assert "decided-confirmed" in row["classes"] and "同时入库" in row["html"]


def test_a_report_page_again_reads_nothing_until_the_store_is_written(client, store_db, monkeypatch):
    """Decisions, corrections and the report as reviewed are read once per write to the store, not
    on every page; a write from the command line (another process) or through the page shows on the
    very next request."""
    rid = report_id(client, "平潭综合实验区")
    statements = count_statements(monkeypatch, client.app.state.store)
    page = client.get(f"/reports/{rid}").text
    assert statements  # read once
    statements.clear()
    assert client.get(f"/reports/{rid}").text == page
    assert statements == []
    # a decision from the command line, while the server holds the store open
    fp = finding_rows(page)[0]["fingerprint"]
    cli = subprocess.run([str(Path(sys.executable).parent / "gongkai"), "review", "set", fp, "--dismiss", "--note",
                          "命令行驳回", "--db", str(store_db)], capture_output=True, text=True, timeout=120)
    assert cli.returncode == 0, cli.stderr
    row = next(r for r in finding_rows(client.get(f"/reports/{rid}").text) if r["fingerprint"] == fp)
    assert "dismissed" in row["classes"] and "命令行驳回" in row["html"]
    # a correction through the page
    r = client.post(f"/reports/{rid}/corrections", data={"path": "active.fees.previous_items", "value": "7",
                                                        "csrf_token": csrf_token(client)}, follow_redirects=False)
    assert r.status_code == 303
    cell = re.search(r'<td id="c-active-fees-previous_items" class="([^"]*)"[^>]*>\s*<span class="cv"[^>]*>([^<]*)<',
                     client.get(f"/reports/{rid}").text)
    assert "corrected" in cell.group(1).split() and cell.group(2) == "7"


def test_list_downloads_keep_formula_like_text_as_text():
    """Formula injection: a body's name or a message that starts with = + - @ stays text in the
    issue lists' CSV (an apostrophe in front) and XLSX (a text cell with Excel's quote prefix)."""
    import csv
    import io

    import openpyxl

    from gongkai.web.office import Column, list_download

    rows = [{"agency": '=HYPERLINK("http://evil.example")', "message": "-1+2", "year": 2023}]
    columns = [Column("agency", "body"), Column("message", "message"), Column("year", "year")]
    text = list_download(rows, columns, "issues", "csv").body.decode("utf-8-sig")
    data = list(csv.reader(io.StringIO(text)))[1]
    assert data == ['\'=HYPERLINK("http://evil.example")', "'-1+2", "2023"]
    ws = openpyxl.load_workbook(io.BytesIO(list_download(rows, columns, "issues", "xlsx").body)).active
    agency, message, year = (ws.cell(2, c) for c in (1, 2, 3))
    assert agency.value == '=HYPERLINK("http://evil.example")' and agency.data_type == "s" and agency.quotePrefix
    assert message.data_type == "s" and message.quotePrefix and year.value == 2023


def test_the_writer_process_is_started_with_a_server_that_takes_uploads(store_db):
    """The office's first write does not wait for the writer's process to start: it is started
    with the server (only when the pages may upload: a server that only browses keeps no writer)."""
    with client_for(store_db, allow_upload=True) as c:
        writer = c.app.state.store_writer
        deadline = time.monotonic() + 60
        while not writer.processes() and time.monotonic() < deadline:
            time.sleep(0.1)
        started = writer.processes()
        assert len(started) == 1
        rid = report_id(c, HONGZE)
        r = c.post(f"/reports/{rid}/decision", data={"kind": "approved", "csrf_token": csrf_token(c)},
                   follow_redirects=False)
        assert r.status_code == 303 and writer.processes() == started  # the write ran in it
    with client_for(store_db) as c:
        time.sleep(1)
        assert c.app.state.store_writer.processes() == []
