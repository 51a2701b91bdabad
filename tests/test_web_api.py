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

from conftest import CORPUS, CORPUS_DOCUMENTS, SEEDS, gold_for  # noqa: E402

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
    with TestClient(create_app()) as c:
        yield c


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
    r = client.post("/check", files={"file": (SEED.name, SEED.read_bytes(), "text/plain")}, follow_redirects=False)
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
                    headers={"accept": "text/html"})
    assert r.status_code == 422
    assert "无法读取上传的文件" in r.text and "notes.txt" in r.text and 'name="file"' in r.text


def test_empty_upload_is_400(client):
    r = client.post("/api/check", files={"text": (None, "  ")})
    assert r.status_code == 400 and "没有上传内容" in r.json()["detail"]


def test_upload_size_cap():
    with TestClient(create_app(max_upload=2048)) as small:
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
    assert page.status_code == 503 and "未打开数据库" in page.text


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
    with TestClient(create_app(store_db)) as c:
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
    hongze = next(b for b in bodies if b["id"] == "320813:人民政府")
    assert hongze["years"] == [2023, 2024] and hongze["reports"] == 2 and hongze["region"] == "江苏省 淮安市 洪泽区"
    assert {b["id"] for b in sclient.get("/api/bodies", params={"region": "淮安市"}).json()} == {
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
