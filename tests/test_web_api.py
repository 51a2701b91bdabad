"""The web app's JSON API and pages, in process (no browser): every endpoint, errors, safety."""
from __future__ import annotations

import io
import json
import warnings
from pathlib import Path

import pytest

pytest.importorskip("fastapi")
pytestmark = pytest.mark.filterwarnings("ignore::DeprecationWarning")

with warnings.catch_warnings():  # starlette's notice about httpx versions is not ours to fix
    warnings.simplefilter("ignore")
    from fastapi.testclient import TestClient  # noqa: E402

from gongkai.web import create_app  # noqa: E402

from conftest import CORPUS, CORPUS_DOCUMENTS, SEEDS, count_statements, gold_for, wait_until_serving  # noqa: E402

IN_2024 = sum(gold_for(p)["year"] == 2024 for p in CORPUS_DOCUMENTS)
SEED = CORPUS / "seeds" / "000_e36cf77514eb609c.txt"
# The seed with （一）予以公开 × 自然人 changed from 2 to 3.
CHANGED_CELL = "requests.granted.natural_person"


def changed_seed() -> bytes:
    text = SEED.read_text(encoding="utf-8")
    assert "(一)予以公开 | 2 | 0" in text
    return text.replace("(一)予以公开 | 2 | 0", "(一)予以公开 | 3 | 0").encode("utf-8")


# The agency's name (title and preamble) and a heading carry markup.
SCRIPT_REPORT = SEED.read_text(encoding="utf-8").replace(
    "2023年度上海市静安区人力资源和社会保障局", "2023年度上海市静安区<script>x</script>人力资源和社会保障局", 1
).replace("由静安区人力资源和社会保障局编制", "由上海市静安区<script>x</script>人力资源和社会保障局编制", 1
          ).replace("一、总体情况", "一、总体情况<img src=x onerror=alert(1)>", 1)


@pytest.fixture(scope="module")
def client():
    with TestClient(create_app(), base_url="http://localhost") as c:
        yield c


def csrf_token(client) -> str:
    """The token the upload form carries (and its cookie, now in the client's jar)."""
    import re

    return re.search(r'name="csrf_token" value="([^"]+)"', client.get("/").text).group(1)


def upload(client, data: bytes, name: str = "report.txt", source: bool = False):
    return client.post("/api/check" + ("?source=true" if source else ""), files={"file": (name, data, "text/plain")})


# --- check ---------------------------------------------------------------------------------------
def test_check_seed_matches_gold_and_has_no_errors(client):
    r = upload(client, SEED.read_bytes(), SEED.name, source=True)
    assert r.status_code == 200
    body = r.json()
    gold = json.loads(SEED.with_suffix(".gold.json").read_text(encoding="utf-8"))
    assert body["summary"]["counts"]["error"] == 0
    assert body["summary"]["agency"] == gold["agency"] and body["summary"]["year"] == gold["year"]
    for table in ("active", "requests", "appeals"):
        assert body["record"][table] == gold[table]
    # the tables view shows every gold cell once, in the template's layout
    shown = {c["path"]: c["value"] for t in body["tables"] for row in t["rows"] for c in row if c["path"]}
    gold_cells = {f"{t}.{r}.{f}": v for t in ("active", "requests", "appeals") for r, fs in gold[t].items()
                  for f, v in fs.items()}
    assert shown == gold_cells
    assert body["source"] and body["source"][0]["n"] == 1
    # cells point at their source line
    cell = next(c for t in body["tables"] for row in t["rows"] for c in row
                if c["path"] == "requests.new_received.total")
    line = body["source"][cell["source_line"] - 1]
    assert "本年新收" in "".join(s["text"] for s in line["segments"])
    assert body["links"]["page"] == f"/check/{body['summary']['id']}"


@pytest.mark.parametrize("seed", SEEDS, ids=lambda p: p.stem[:3])
def test_every_seed_renders(client, seed):
    r = upload(client, seed.read_bytes(), seed.name)
    assert r.status_code == 200
    page = client.get(r.json()["links"]["page"])
    assert page.status_code == 200 and 'class="tpl tpl-requests"' in page.text


def test_changed_number_marks_its_cell(client):
    body = upload(client, changed_seed()).json()
    assert body["summary"]["counts"]["error"] >= 1
    cells = {c["path"]: c for t in body["tables"] for row in t["rows"] for c in row if c["path"]}
    assert cells[CHANGED_CELL]["status"] in ("error", "warning")
    assert cells[CHANGED_CELL]["findings"]
    marked = {f["id"]: f for f in body["findings"]}
    assert any(CHANGED_CELL in marked[fid]["cells"] for fid in cells[CHANGED_CELL]["findings"])
    page = client.get(body["links"]["page"]).text
    assert f'id="c-{CHANGED_CELL.replace(".", "-")}" class="v st-' in page


def test_check_by_pasted_text_and_raw_body(client):
    text = SEED.read_text(encoding="utf-8")
    r = client.post("/api/check", files={"text": (None, text)})
    assert r.status_code == 200 and r.json()["summary"]["name"] == "pasted.txt"
    r = client.post("/api/check?name=dir/../jingan.txt", content=text.encode("utf-8"),
                    headers={"content-type": "application/octet-stream"})
    assert r.status_code == 200 and r.json()["summary"]["name"] == "jingan.txt"
    r = client.post("/api/check", data={"text": text})  # urlencoded form
    assert r.status_code == 200 and r.json()["summary"]["agency"] == "上海市静安区人力资源和社会保障局"


def test_get_check_and_downloads(client):
    body = upload(client, SEED.read_bytes(), SEED.name).json()
    again = client.get(body["links"]["self"])
    assert again.status_code == 200 and again.json()["record"] == body["record"]
    assert again.json()["source"] is None
    assert client.get(body["links"]["self"] + "?source=true").json()["source"]

    j = client.get(body["links"]["json"])
    assert j.status_code == 200 and "attachment" in j.headers["content-disposition"]
    assert json.loads(j.content) == body["record"]

    x = client.get(body["links"]["xlsx"])
    assert x.status_code == 200 and x.headers["content-type"].startswith("application/vnd.openxmlformats")
    openpyxl = pytest.importorskip("openpyxl")
    wb = openpyxl.load_workbook(io.BytesIO(x.content))
    assert wb.sheetnames == ["报告", "单元格", "问题"]  # Chinese by default
    assert len(wb["报告"].merged_cells.ranges) > 20  # the template's merged cells
    cells = {row[0].value: row[1].value for row in wb["单元格"].iter_rows(min_row=2)}
    assert cells["requests.new_received.total"] == 15


def test_xlsx_never_writes_formulas(client):
    text = SEED.read_text(encoding="utf-8").replace("(一)予以公开 | 2 | 0", "(一)予以公开 | =1+1 | 0")
    body = upload(client, text.encode("utf-8")).json()
    x = client.get(body["links"]["xlsx"]).content
    import zipfile

    with zipfile.ZipFile(io.BytesIO(x)) as z:
        assert not any("<f>" in z.read(n).decode("utf-8") for n in z.namelist() if n.startswith("xl/worksheets/"))


def test_check_page_html(client):
    r = client.post("/check", files={"file": (SEED.name, SEED.read_bytes(), "text/plain")},
                    data={"csrf_token": csrf_token(client)}, follow_redirects=False)
    assert r.status_code == 303 and r.headers["location"].startswith("/check/")
    page = client.get(r.headers["location"])
    assert page.status_code == 200
    assert 'data-errors="0"' in page.text and "上海市静安区人力资源和社会保障局" in page.text
    # template 2021: 10 Article-20 cells, 25 request rows x 7 columns, 15 appeals cells
    assert page.text.count('<td id="c-') == 10 + 25 * 7 + 15


def test_unknown_check_is_404(client):
    r = client.get("/api/checks/nope")
    assert r.status_code == 404 and "请重新上传" in r.json()["detail"]
    r = client.get("/api/checks/nope", headers={"accept-language": "en-US,en;q=0.9"})
    assert "upload the file again" in r.json()["detail"]
    page = client.get("/check/nope", headers={"accept": "text/html"})
    assert page.status_code == 404 and "<h1>" in page.text and "请重新上传" in page.text
    page = client.get("/check/nope?lang=en", headers={"accept": "text/html"})
    assert "upload the file again" in page.text and page.cookies.get("gongkai_lang") == "en"
    assert '<html lang="en">' in client.get("/").text  # the cookie keeps the choice
    client.cookies.clear()
    assert '<html lang="zh-CN">' in client.get("/").text


def test_unreadable_upload_gives_clear_error(client):
    r = upload(client, b"%PDF-1.4 not really", "broken.pdf")
    assert r.status_code == 422 and "broken.pdf 无法作为年度报告读取" in r.json()["detail"]
    r = client.post("/check", files={"file": ("notes.txt", "购物清单\n苹果\n梨".encode(), "text/plain")},
                    data={"csrf_token": csrf_token(client)}, headers={"accept": "text/html"})
    assert r.status_code == 422
    assert "无法读取上传的文件" in r.text and "notes.txt" in r.text and 'name="file"' in r.text


def test_messages_in_english_on_request(client, monkeypatch):
    monkeypatch.setenv("GONGKAI_LANG", "en")
    r = client.post("/api/check", files={"text": (None, "  ")})
    assert r.status_code == 400 and r.json()["detail"].startswith("Nothing was uploaded")
    r = upload(client, b"%PDF-1.4 not really", "broken.pdf")  # read in a parsing process, in English too
    assert r.status_code == 422 and "broken.pdf cannot be read as an annual report" in r.json()["detail"]
    r = client.get("/api/reports?offset=-1")
    assert r.json()["detail"] == "The request is not valid: offset: must be at least 0"


def test_empty_upload_is_400(client):
    r = client.post("/api/check", files={"text": (None, "  ")})
    assert r.status_code == 400 and "没有上传内容" in r.json()["detail"]


def test_upload_size_cap():
    with TestClient(create_app(max_upload=2048), base_url="http://localhost") as small:
        r = small.post("/api/check", files={"file": ("big.txt", b"x" * 200_000, "text/plain")})
        assert r.status_code == 413 and "上传的文件超过了" in r.json()["detail"]
        r = small.post("/check", content=b"y" * 100_000, headers={"content-type": "application/octet-stream",
                                                                  "accept": "text/html"})
        assert r.status_code == 413 and "上传的文件过大" in r.text


def test_report_text_is_escaped(client):
    body = upload(client, SCRIPT_REPORT.encode("utf-8"), "<b>evil</b>.txt", source=True).json()
    page = client.get(body["links"]["page"])
    html = page.text
    assert "<script>x" not in html and "&lt;script&gt;x&lt;/script&gt;" in html
    assert "<img src=x" not in html and "<b>evil</b>" not in html
    csp = page.headers["content-security-policy"]
    assert "script-src 'self'" in csp and "unsafe-inline" not in csp.split("script-src")[1].split(";")[0]
    assert page.headers["x-content-type-options"] == "nosniff"


# --- reference -----------------------------------------------------------------------------------
def test_layout(client):
    for template, outcome_rows in (("2021", 22), ("2019", 20)):
        tables = client.get(f"/api/layout?template={template}").json()
        assert [t["key"] for t in tables] == ["active", "requests", "appeals"]
        requests = tables[1]
        assert requests["width"] == 10
        assert requests["rows"][0][0]["rowspan"] == 3 and requests["rows"][0][0]["colspan"] == 3
        assert any(c.get("rowspan") == outcome_rows for row in requests["rows"] for c in row)
    assert client.get("/api/layout?template=1999").status_code == 422


def test_rules(client):
    rules = client.get("/api/rules").json()
    codes = {r["code"] for r in rules}
    assert {"GK101", "GK103", "GK201"} <= codes and all(r["doc"] for r in rules)


def test_health_without_store(client):
    assert client.get("/api/health").json() == {"ok": True, "version": client.app.version, "store": None,
                                                "reports": None}


def test_store_endpoints_need_a_store(client):
    for path in ("/api/facets", "/api/reports", "/api/reports/x", "/api/bodies", "/api/bodies/x",
                 "/api/overview", "/api/compare?a=x&b=y"):
        r = client.get(path)
        assert r.status_code == 503 and "gongkai serve --db" in r.json()["detail"], path
    page = client.get("/reports", headers={"accept": "text/html"})
    assert page.status_code == 503 and "gongkai serve --db" in page.text


def test_static_assets_are_vendored(client):
    page = client.get("/").text
    assert "http://" not in page.replace("http://www.w3.org", "") and "https://" not in page
    for path in ("/static/vendor/htmx-2.0.11.min.js", "/static/vendor/echarts-6.1.0.common.min.js",
                 "/static/app.js", "/static/app.css", "/static/vendor/swagger-ui/swagger-ui-bundle.js"):
        assert client.get(path).status_code == 200, path
    docs = client.get("/docs").text
    assert "/static/vendor/swagger-ui/swagger-ui-bundle.js" in docs and "cdn." not in docs


def test_openapi_schema_validates(client):
    schema = client.get("/openapi.json").json()
    try:
        from openapi_spec_validator import validate
    except ImportError:  # a dev dependency: the check must not vanish silently
        pytest.fail("openapi-spec-validator is not installed (pip install -e '.[dev]')", pytrace=False)
    validate(schema)
    paths = set(schema["paths"])
    assert {"/api/check", "/api/checks/{review_id}", "/api/reports", "/api/bodies/{agency}", "/api/overview",
            "/api/compare", "/api/layout", "/api/rules"} <= paths
    assert "multipart/form-data" in schema["paths"]["/api/check"]["post"]["requestBody"]["content"]


# --- store ---------------------------------------------------------------------------------------
@pytest.fixture(scope="module")
def store_db(tmp_path_factory):
    """The corpus (seeds, real PDFs, crawled texts) plus a report whose text holds markup, in a
    store built as `gongkai ingest` builds it."""
    pytest.importorskip("duckdb")
    from gongkai.store.pipeline import ingest

    tmp = tmp_path_factory.mktemp("web-api-store")
    evil = tmp / "evil<img src=x onerror=alert(1)>.txt"
    evil.write_text(SCRIPT_REPORT.replace("2023年", "2022年"), encoding="utf-8")
    path = tmp / "corpus.duckdb"
    result = ingest([str(CORPUS), str(evil)], db=str(path), workers=2)
    assert result.failed == 0 and result.new_reports == len(CORPUS_DOCUMENTS) + 1, result
    return path


@pytest.fixture(scope="module")
def sclient(store_db):
    with TestClient(create_app(store_db), base_url="http://localhost") as c:
        yield c


def _ids(sclient, **query):
    return [r["id"] for r in sclient.get("/api/reports", params=query).json()["items"]]


def test_health_with_store(sclient, store_db):
    health = sclient.get("/api/health").json()
    assert health["store"] == str(store_db) and health["reports"] == len(CORPUS_DOCUMENTS) + 1


def test_store_is_opened_read_only(sclient):
    import duckdb

    with pytest.raises(duckdb.Error), sclient.app.state.store._live.reading() as store:
        store.con.execute("CREATE TABLE intruder (i INTEGER)")


def test_facets(sclient):
    facets = sclient.get("/api/facets").json()
    assert {y["value"] for y in facets["years"]} == {2019, 2020, 2022, 2023, 2024}
    regions = {r["value"]: r["count"] for r in facets["regions"]}
    assert regions["淮安市"] == 3 and regions["平潭综合实验区"] == 4
    assert any(r["value"] == "GK201" and r["label"] == "GK201 appeals-sum" for r in facets["rules"])
    assert any(a["value"] == "320813:人民政府" for a in facets["agencies"])


def test_reports_list_and_filters(sclient):
    listing = sclient.get("/api/reports").json()
    assert listing["total"] == len(CORPUS_DOCUMENTS) + 1 and len(listing["items"]) == len(CORPUS_DOCUMENTS) + 1
    years = [r["year"] for r in listing["items"] if r["year"] is not None]
    assert years == sorted(years, reverse=True)
    assert len(_ids(sclient, year=2024)) == IN_2024
    assert len(_ids(sclient, region="淮安市")) == 3
    assert len(_ids(sclient, agency="平潭")) == 4
    assert len(_ids(sclient, agency="320813:人民政府")) == 2
    hongze_2023 = _ids(sclient, rule="GK201")
    assert len(hongze_2023) == 1 and _ids(sclient, rule="appeals-sum") == hongze_2023
    assert hongze_2023[0] in _ids(sclient, severity="error")
    assert _ids(sclient, year=2024, region="上海市") == [r["id"] for r in listing["items"]
                                                         if r["year"] == 2024 and "上海市" in (r["region"] or "")]
    page = sclient.get("/api/reports", params={"limit": 5, "offset": 10}).json()
    total = len(CORPUS_DOCUMENTS) + 1
    assert page["total"] == total and len(page["items"]) == min(5, total - 10)
    assert sclient.get("/api/reports?severity=fatal").status_code == 422
    assert sclient.get("/api/reports?limit=0").status_code == 422
    item = next(r for r in listing["items"] if r["agency"] == "淮安市人民政府")
    assert item["requests_total"] == 3050 and item["template"] == "2021" and item["body"] == "320800:人民政府"


def test_report_detail_matches_gold(sclient):
    for seed in SEEDS:
        gold = json.loads(seed.with_suffix(".gold.json").read_text(encoding="utf-8"))
        rid = next(r["id"] for r in sclient.get("/api/reports", params={"agency": gold["agency"]}).json()["items"]
                   if r["year"] == gold["year"])
        detail = sclient.get(f"/api/reports/{rid}").json()
        for table in ("active", "requests", "appeals"):
            assert detail["record"][table] == gold[table], (seed.name, table)
        assert detail["summary"]["id"] == rid and detail["tables"][1]["key"] == "requests"
        assert detail["links"]["page"] == f"/reports/{rid}"


def test_report_downloads_and_404(sclient):
    rid = _ids(sclient, rule="GK201")[0]
    j = sclient.get(f"/api/reports/{rid}/record.json")
    assert j.status_code == 200 and json.loads(j.content)["source"]["sha256"] == rid
    x = sclient.get(f"/api/reports/{rid}/record.xlsx")
    assert x.status_code == 200 and x.content[:2] == b"PK"
    for path in ("/api/reports/nope", "/api/reports/nope/record.json", "/api/reports/nope/record.xlsx"):
        assert sclient.get(path).status_code == 404
    detail = sclient.get(f"/api/reports/{rid}").json()
    marked = [c for t in detail["tables"] for row in t["rows"] for c in row if c.get("status") == "error"]
    assert any(c["path"].startswith("appeals.") for c in marked)


def test_bodies(sclient):
    bodies = sclient.get("/api/bodies").json()
    assert bodies["total"] == len(bodies["items"]) and bodies["offset"] == 0
    hongze = next(b for b in bodies["items"] if b["id"] == "320813:人民政府")
    assert hongze["years"] == [2023, 2024] and hongze["reports"] == 2 and hongze["region"] == "江苏省 淮安市 洪泽区"
    assert {b["id"] for b in sclient.get("/api/bodies", params={"region": "淮安市"}).json()["items"]} == {
        "320813:人民政府", "320800:人民政府"}


def test_body_page_data(sclient):
    body = sclient.get("/api/bodies/320813:人民政府").json()
    assert [y["year"] for y in body["years"]] == [2023, 2024]
    rows = {r["path"]: r["values"] for r in body["rows"]}
    assert rows["requests.new_received.total"] == [21, 95]
    charts = {c["id"]: c for c in body["charts"]}
    assert set(charts) == {"outcomes", "applicants", "appeals", "flow"}
    granted = next(s for s in charts["outcomes"]["series"] if s["key"] == "granted")
    assert granted["data"] == [rows["requests.granted.total"][0], rows["requests.granted.total"][1]]
    assert charts["applicants"]["categories"] == ["2023", "2024"]
    # by name too
    assert sclient.get("/api/bodies/洪泽区人民政府").json()["id"] == "320813:人民政府"
    assert sclient.get("/api/bodies/no-such-body").status_code == 404


def test_body_page_of_a_body_with_more_reports_than_it_draws_shows_the_latest(sclient, monkeypatch):
    from gongkai.web import store_view

    monkeypatch.setattr(store_view, "MAX_BODY_REPORTS", 1)
    body = sclient.get("/api/bodies/320813:人民政府").json()
    assert [y["year"] for y in body["years"]] == [2024] and body["reports"] == 2
    assert {r["path"]: r["values"] for r in body["rows"]}["requests.new_received.total"] == [95]


def test_overview(sclient):
    overview = sclient.get("/api/overview").json()
    assert overview["reports"] == len(CORPUS_DOCUMENTS) + 1 and overview["years"] == [2019, 2020, 2021, 2022, 2023, 2024]
    charts = {c["id"]: c for c in overview["charts"]}
    assert set(charts) == {"year-outcomes", "region-outcomes", "rules", "year-errors"}
    assert "淮安市" in charts["region-outcomes"]["categories"]
    assert charts["rules"]["categories"] and all(isinstance(n, int) for n in charts["rules"]["series"][0]["data"])
    failing = next(s for s in charts["year-errors"]["series"] if s["key"] == "failing")
    assert failing["data"][overview["years"].index(2023)] >= 1


def test_compare(sclient):
    a, b = (y["id"] for y in sclient.get("/api/bodies/320813:人民政府").json()["years"])
    c = sclient.get("/api/compare", params={"a": a, "b": b}).json()
    diffs = {d["path"]: d for d in c["differences"]}
    assert diffs["requests.new_received.total"]["a"] == 21 and diffs["requests.new_received.total"]["b"] == 95
    assert "本年新收" in diffs["requests.new_received.total"]["label"]
    changed = [cell["path"] for t in c["tables_a"] for row in t["rows"] for cell in row if cell.get("changed")]
    assert sorted(changed) == sorted(diffs)
    assert sclient.get("/api/compare", params={"a": a, "b": "nope"}).status_code == 404
    assert sclient.get("/api/compare", params={"a": a}).status_code == 422


def test_store_pages(sclient):
    for path in ("/", "/reports", "/reports?year=2024&region=淮安市", "/bodies", "/bodies?region=淮安市",
                 "/bodies/320813:人民政府", "/overview", "/compare"):
        r = sclient.get(path)
        assert r.status_code == 200, path
        assert r.text.startswith("<!DOCTYPE html>"), path
    partial = sclient.get("/reports?year=2024", headers={"HX-Request": "true", "HX-Target": "report-list"})
    assert partial.status_code == 200 and "<html" not in partial.text and partial.text.count("<tr data-id=") == IN_2024
    rid = _ids(sclient, rule="GK201")[0]
    page = sclient.get(f"/reports/{rid}").text
    assert 'class="v st-error' in page and "GK201" in page
    a, b = (y["id"] for y in sclient.get("/api/bodies/320813:人民政府").json()["years"])
    page = sclient.get(f"/compare?a={a}&b={b}").text
    assert 'id="a-c-requests-new_received-total"' in page and 'id="b-c-requests-new_received-total"' in page
    assert sclient.get("/bodies/nobody", headers={"accept": "text/html"}).status_code == 404


def test_store_pages_escape_report_text(sclient):
    evil = next(r for r in sclient.get("/api/reports").json()["items"] if "script" in (r["agency"] or ""))
    for path in ("/reports", f"/reports/{evil['id']}", f"/bodies/{evil['body']}", "/bodies", "/compare"):
        html = sclient.get(path).text
        assert "<script>x" not in html, path
        assert "<img src=x" not in html, path
        assert "&lt;script&gt;x&lt;/script&gt;" in html, path  # shown, as text
    body = sclient.get(f"/bodies/{evil['body']}").text
    chart_json = body.split('<script type="application/json" id="chart-data">')[1].split("</script>")[0]
    assert "<" not in chart_json and json.loads(chart_json)


# --- at scale: pagination, the CLI's region forms, cached aggregates ------------------------------------
def _cli_export_count(store_db, tmp_path, *args) -> int:
    """How many reports `gongkai export` (the CLI's own filters) writes for these options."""
    import csv

    from click.testing import CliRunner

    from gongkai.cli import main

    out = tmp_path / "export.csv"
    result = CliRunner().invoke(main, ["export", "--db", str(store_db), "--to", str(out), *args])
    assert result.exit_code == 0, result.output
    with open(out, encoding="utf-8-sig") as fh:
        return sum(1 for _ in csv.reader(fh)) - 1


@pytest.mark.parametrize("form", ["江苏", "江苏省", "32", "320000", "淮安", "3208"])
def test_region_filter_accepts_the_cli_forms(sclient, store_db, tmp_path, form):
    """A region is a name, part of one or a GB/T 2260 code prefix, as `--region` of the CLI."""
    listing = sclient.get("/api/reports", params={"region": form}).json()
    assert listing["total"] == _cli_export_count(store_db, tmp_path, "--region", form) > 0
    assert all("江苏省" in (r["region"] or "") for r in listing["items"])
    bodies = sclient.get("/api/bodies", params={"region": form}).json()
    assert bodies["total"] >= 1 and all("江苏省" in (b["region"] or "") for b in bodies["items"])


def test_region_forms_agree(sclient):
    ids = {form: sorted(_ids(sclient, region=form)) for form in ("江苏", "江苏省", "32")}
    assert ids["江苏"] == ids["江苏省"] == ids["32"] and len(ids["32"]) >= 3
    huaian = sorted(_ids(sclient, region="淮安市"))
    assert sorted(_ids(sclient, region="3208")) == huaian and set(huaian) <= set(ids["32"])
    assert set(_ids(sclient, region="320813")) < set(huaian)  # 洪泽区 only
    assert _ids(sclient, region="99") == [] and _ids(sclient, region="火星") == []


def test_pagination_walks_every_report_once(sclient):
    everything = sclient.get("/api/reports", params={"limit": 1000}).json()
    total = everything["total"]
    seen = []
    for offset in range(0, total + 3, 3):
        page = sclient.get("/api/reports", params={"limit": 3, "offset": offset}).json()
        assert page["total"] == total and page["offset"] == offset and page["limit"] == 3
        assert len(page["items"]) == max(0, min(3, total - offset))
        seen += [r["id"] for r in page["items"]]
    assert seen == [r["id"] for r in everything["items"]] and len(set(seen)) == total
    # filtered lists page the same way, with the filtered count
    in_2024 = sclient.get("/api/reports", params={"year": 2024, "limit": 2}).json()
    assert in_2024["total"] == IN_2024 and len(in_2024["items"]) == min(2, IN_2024)
    rest = sclient.get("/api/reports", params={"year": 2024, "limit": 1000, "offset": 2}).json()["items"]
    assert len(rest) == IN_2024 - 2 and not {r["id"] for r in in_2024["items"]} & {r["id"] for r in rest}


def test_bodies_are_paginated(sclient):
    everything = sclient.get("/api/bodies", params={"limit": 1000}).json()
    pages = [sclient.get("/api/bodies", params={"limit": 2, "offset": o}).json() for o in range(0, everything["total"], 2)]
    assert [b["id"] for p in pages for b in p["items"]] == [b["id"] for b in everything["items"]]
    assert all(p["total"] == everything["total"] for p in pages)


def test_pages_have_pagers(sclient, monkeypatch):
    from gongkai.web import pages

    monkeypatch.setattr(pages, "PAGE_SIZE", 4)
    total = sclient.get("/api/reports").json()["total"]
    first = sclient.get("/reports").text
    assert first.count("<tr data-id=") == 4 and "offset=4" in first
    last = sclient.get("/reports", params={"offset": (total - 1) // 4 * 4}).text
    assert last.count("<tr data-id=") == total - (total - 1) // 4 * 4 and "offset=" in last
    bodies = sclient.get("/api/bodies").json()["total"]
    page = sclient.get("/bodies").text
    assert page.count('<a href="/bodies/') == min(4, bodies)
    if bodies > 4:
        assert "offset=4" in page


def test_huge_offsets_and_years_are_refused_with_a_message(sclient):
    for path in ("/api/reports?offset=9223372036854775808", "/api/reports?offset=99999999999",
                 "/api/bodies?offset=9223372036854775807", "/api/reports?year=99999999999",
                 "/api/reports?limit=abc"):
        r = sclient.get(path)
        assert r.status_code == 422, path
        body = r.json()
        assert isinstance(body["detail"], str) and ("offset" in body["detail"] or "year" in body["detail"]
                                                    or "limit" in body["detail"]), body
        assert body["errors"]
    page = sclient.get("/reports?offset=9223372036854775808", headers={"accept": "text/html"})
    assert page.status_code == 422 and "offset" in page.text
    # the largest accepted offset is an empty page, not an error
    r = sclient.get("/api/reports?offset=1000000000").json()
    assert r["items"] == [] and r["total"] == len(CORPUS_DOCUMENTS) + 1


def test_record_read_by_rowid_ranges_is_the_stores_record(sclient):
    """The server reads a report's rows by rowid range (its per-version index); every record must
    be exactly what the store rebuilds with a full scan."""
    store = sclient.app.state.store
    ids = [r["id"] for r in sclient.get("/api/reports", params={"limit": 1000}).json()["items"]]
    assert store._spans_of(ids[0]) is not None
    for rid in ids:
        fast = store.record(rid)
        with store.reading() as stored:
            full = stored.record(rid).to_dict()
        own = [f for f in fast["findings"] if f.get("scope") in (None, "report")]
        assert {k: v for k, v in fast.items() if k not in ("findings", "region", "store")} == \
               {k: v for k, v in full.items() if k != "findings"}, rid
        assert own == full["findings"], rid


def test_ranges_that_miss_rows_fall_back_to_a_full_read(sclient):
    """If the index no longer matches the store, the counts differ and the record is read in full."""
    store = sclient.app.state.store
    rid = _ids(sclient, rule="GK201")[0]
    expected = store.record(rid)
    spans = store._spans()
    i = store._listing().rank[rid]
    saved = {t: (spans[t][0][i], spans[t][1][i]) for t in spans}
    try:
        for t in spans:  # point every range at nothing
            spans[t][0][i], spans[t][1][i] = 0, -1
        assert store.record(rid) == expected
        body = sclient.get("/api/bodies/320813:人民政府").json()
        assert [r["values"] for r in body["rows"] if r["path"] == "requests.new_received.total"] == [[21, 95]]
    finally:
        for t, (lo, hi) in saved.items():
            spans[t][0][i], spans[t][1][i] = lo, hi


def test_aggregates_are_cached_per_store_version(sclient, monkeypatch):
    store = sclient.app.state.store
    store.facets(), store.overview()
    queries = []
    original = store._rows
    monkeypatch.setattr(store, "_rows", lambda sql, params=(): queries.append(sql) or original(sql, params))
    for _ in range(3):
        assert sclient.get("/api/facets").status_code == 200
        assert sclient.get("/api/overview").status_code == 200
        assert sclient.get("/api/reports", params={"offset": 2}).status_code == 200
    assert [q for q in queries if "count(*) AS n, max(ingested_at)" not in q] == []
    # a new version (an ingest, seen through the version the store reports) computes them again
    monkeypatch.setattr(store, "version", lambda: ("another version",))
    assert sclient.get("/api/facets").status_code == 200
    assert any("GROUP BY year" in q for q in queries)


def test_a_record_read_again_is_kept_until_the_store_version_changes(sclient, monkeypatch):
    store = sclient.app.state.store
    rid = sclient.get("/api/reports", params={"limit": 1}).json()["items"][0]["id"]
    first = sclient.get(f"/api/reports/{rid}").json()
    statements = count_statements(monkeypatch, store)
    monkeypatch.setattr(store, "version", lambda: ("one version",))
    sclient.get(f"/api/reports/{rid}")
    statements.clear()
    assert sclient.get(f"/api/reports/{rid}").json() == first and statements == []
    # another version (an ingest may have added cross-report findings): read again
    monkeypatch.setattr(store, "version", lambda: ("another version",))
    assert sclient.get(f"/api/reports/{rid}").json() == first
    assert any("FROM cells" in q for q in statements) and any("scope <> 'report'" in q for q in statements)


# --- who may talk to the server: Host, Origin, CSRF ----------------------------------------------------
def test_unknown_host_is_refused(client):
    """DNS rebinding: a page of evil.example whose name now points at 127.0.0.1 reaches the
    server under its own name; the server answers only to the names it serves."""
    for host in ("evil.example", "evil.example:8000", "127.0.0.1.evil.example", "localhost.", ""):
        r = client.get("/api/health", headers={"host": host})
        assert r.status_code == 400, host
        assert "--allow-host" in r.json()["detail"]
    page = client.get("/", headers={"host": "evil.example", "accept": "text/html"})
    assert page.status_code == 400 and "<h1>" in page.text and "evil.example" in page.text
    assert "content-security-policy" in page.headers
    for host in ("localhost", "localhost:8000", "127.0.0.1:8000", "[::1]:8000", "LOCALHOST"):
        assert client.get("/api/health", headers={"host": host}).status_code == 200, host


def test_allowed_hosts_are_configurable():
    from gongkai.web.security import allowed_hosts

    assert allowed_hosts() == ("localhost", "127.0.0.1", "[::1]")
    assert allowed_hosts("0.0.0.0") == ("localhost", "127.0.0.1", "[::1]")
    assert allowed_hosts("192.0.2.7", ["Review.Example.gov.cn:8443"]) == (
        "localhost", "127.0.0.1", "[::1]", "192.0.2.7", "review.example.gov.cn")
    assert "[2001:db8::1]" in allowed_hosts("2001:db8::1")
    with TestClient(create_app(allowed_hosts=allowed_hosts(None, ["review.example.gov.cn"])),
                    base_url="http://review.example.gov.cn") as c:
        assert c.get("/api/health").status_code == 200
        assert c.get("/api/health", headers={"host": "other.example"}).status_code == 400
    with TestClient(create_app(allowed_hosts=("*",)), base_url="http://anything.example") as c:
        assert c.get("/api/health").status_code == 200


def test_cross_site_posts_are_refused(client):
    """A page on another origin cannot make a browser post to the server (form or fetch)."""
    data = SEED.read_bytes()
    for headers in ({"origin": "http://evil.example"}, {"origin": "null"},
                    {"origin": "http://localhost:9999"}, {"origin": "https://localhost"},
                    {"sec-fetch-site": "cross-site"}, {"sec-fetch-site": "same-site"}):
        for path in ("/api/check", "/check"):
            r = client.post(path + "?name=r.txt", content=data, headers={**headers, "accept": "application/json"})
            assert r.status_code == 403, (path, headers)
            assert "another site" in r.json()["detail"] or "其他网站" in r.json()["detail"]
    # the server's own pages, and clients that are no browser, may post
    assert client.post("/api/check?name=r.txt", content=data, headers={"origin": "http://localhost"}).status_code == 200
    assert client.post("/api/check?name=r.txt", content=data,
                       headers={"sec-fetch-site": "same-origin"}).status_code == 200
    assert client.post("/api/check?name=r.txt", content=data).status_code == 200  # curl


def test_form_posts_need_the_csrf_token(client):
    files = {"file": (SEED.name, SEED.read_bytes(), "text/plain")}
    token = csrf_token(client)
    assert client.cookies.get("gongkai_csrf") == token
    ok = client.post("/check", files=files, data={"csrf_token": token}, follow_redirects=False)
    assert ok.status_code == 303
    for bad in (None, "", "forged", token + "x", token.split(".")[0] + ".0123456789abcdef0123456789abcdef"):
        data = {} if bad is None else {"csrf_token": bad}
        r = client.post("/check", files=files, data=data, headers={"accept": "text/html"})
        assert r.status_code == 403, bad
        assert "<h1>" in r.text
    # a token signed by another server (another secret) is no token here
    other = create_app()
    from gongkai.web.security import new_csrf_token

    foreign = new_csrf_token(other.state.settings.secret)
    client.cookies.set("gongkai_csrf", foreign)
    r = client.post("/check", files=files, data={"csrf_token": foreign})
    assert r.status_code == 403
    client.cookies.clear()
    # the cookie a page sets is HttpOnly and SameSite=Strict
    cookie = client.get("/").headers["set-cookie"]
    assert "HttpOnly" in cookie and "SameSite=Strict" in cookie


def test_curl_data_binary_is_the_raw_report(client):
    """docs/web.md: `curl --data-binary @report.txt '…/api/check?name=report.txt'` sends the
    file as application/x-www-form-urlencoded; with ?name= it is the file itself."""
    r = client.post("/api/check?name=report.txt", content=SEED.read_bytes(),
                    headers={"content-type": "application/x-www-form-urlencoded"})
    assert r.status_code == 200 and r.json()["summary"]["agency"] == "上海市静安区人力资源和社会保障局"
    assert r.json()["summary"]["name"] == "report.txt"


def test_serve_with_several_workers(store_db):
    """`gongkai serve --workers 2`: two processes read the store at once; an upload checked by one
    is found by the other (checked uploads are shared); the shared folder goes when it stops."""
    import re
    import socket
    import subprocess
    import sys
    import tempfile

    import httpx
    import psutil

    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        port = s.getsockname()[1]
    before = set(Path(tempfile.gettempdir()).glob("gongkai-serve-*"))
    proc = subprocess.Popen([str(Path(sys.executable).parent / "gongkai"), "serve", "--db", str(store_db),
                             "--port", str(port), "--workers", "2"], stderr=subprocess.PIPE)
    base = f"http://127.0.0.1:{port}"
    try:
        wait_until_serving(base, proc)
        servers = [p for p in psutil.Process(proc.pid).children() if "spawn_main" in " ".join(p.cmdline())]
        assert len(servers) == 2
        with httpx.Client(base_url=base, timeout=60) as c:
            assert c.get("/api/reports", params={"region": "江苏"}).json()["total"] >= 3
            token = re.search(r'name="csrf_token" value="([^"]+)"', c.get("/").text).group(1)
            r = c.post("/check", files={"file": (SEED.name, SEED.read_bytes(), "text/plain")},
                       data={"csrf_token": token})
            assert r.status_code == 303 or r.status_code == 200
            page = r.headers.get("location") or str(r.url.path)
            review = page.rsplit("/", 1)[1]
        # new connections land on either process; every one finds the checked upload
        for _ in range(12):
            with httpx.Client(base_url=base, timeout=60) as fresh:
                assert fresh.get(f"/api/checks/{review}").status_code == 200
        shared = set(Path(tempfile.gettempdir()).glob("gongkai-serve-*")) - before
        assert len(shared) == 1 and any(shared.pop().glob("*.json"))
    finally:
        proc.terminate()
        proc.wait(timeout=30)
    assert set(Path(tempfile.gettempdir()).glob("gongkai-serve-*")) == before


def test_reports_filter_form_is_drawn_for_each_choice_and_language(sclient, monkeypatch):
    """The form is kept per store version, language and choice: each request still gets its own."""
    def form(path):
        html = sclient.get(path).text
        return html[html.index('<form id="filters"'):html.index("</form>")]

    chosen = form("/reports?year=2024&severity=error")
    assert '<option value="2024" selected>' in chosen and '<option value="error" selected>' in chosen
    plain = form("/reports")
    assert " selected>" not in plain and plain != chosen
    assert form("/reports?year=2024&severity=error") == chosen
    english = form("/reports?lang=en")
    assert "Year" in english and "年度" not in english
    assert "年度" in form("/reports?lang=zh")
    # another store version (an ingest): drawn again from the new facets
    store = sclient.app.state.store
    monkeypatch.setattr(store, "version", lambda: ("another version",))
    monkeypatch.setattr(store, "page_facets", lambda region=None: {"years": [{"value": 1999, "count": 1}],
                                                                   "regions": [], "agencies": [], "rules": []})
    assert '<option value="1999"' in form("/reports")


def test_reports_page_suggests_only_the_biggest_bodies(sclient, monkeypatch):
    from gongkai.web import store_view

    monkeypatch.setattr(store_view, "SUGGESTED_AGENCIES", 2)
    html = sclient.get("/reports").text
    datalist = html.split('<datalist id="agency-names">')[1].split("</datalist>")[0]
    assert datalist.count("<option") == 2
    counts = sorted((a["count"] for a in sclient.get("/api/facets").json()["agencies"]), reverse=True)
    shown = sclient.app.state.store.facets(2)["agencies"]
    assert sorted((a["count"] for a in shown), reverse=True) == counts[:2]


def test_requests_read_the_store_side_by_side(sclient):
    """Each request reads on a cursor of its own: one request holding the store (a slow page) does
    not make the others wait behind it."""
    import threading

    store = sclient.app.state.store
    holding, release = threading.Event(), threading.Event()

    def slow_request() -> None:
        with store.reading() as s:
            s.con.execute("SELECT count(*) FROM cells").fetchall()
            holding.set()
            release.wait(30)

    first = threading.Thread(target=slow_request)
    first.start()
    try:
        assert holding.wait(30)
        answers: list = []
        second = threading.Thread(target=lambda: answers.append(store._rows("SELECT count(*) AS n FROM reports")))
        second.start()
        second.join(10)
        assert not second.is_alive() and answers and answers[0][0]["n"] > 0
    finally:
        release.set()
        first.join()


def test_list_pages_offer_provinces_and_cities_and_keep_a_chosen_county(sclient):
    """A national store has thousands of counties: the pages' region filter offers the provinces
    and cities (the API's facets have every region with its level), and keeps a county chosen."""
    import re

    regions = {r["value"]: r for r in sclient.get("/api/facets").json()["regions"]}
    assert regions["江苏省"]["level"] == "province" and regions["淮安市"]["level"] == "city"
    assert regions["洪泽区"]["level"] == "county" and regions["上海市"]["level"] == "province"

    def offered(html: str) -> list[str]:
        select = html.split('<select name="region">')[1].split("</select>")[0]
        return re.findall(r'<option value="([^"]+)"', select)

    for url in ("/reports", "/bodies"):
        shown = offered(sclient.get(url).text)
        assert "淮安市" in shown and "江苏省" in shown and "洪泽区" not in shown, url
        assert all(regions[v]["level"] != "county" for v in shown)
        page = sclient.get(url, params={"region": "洪泽区"}).text
        assert offered(page)[0] == "洪泽区" and '<option value="洪泽区" selected' in page, url
