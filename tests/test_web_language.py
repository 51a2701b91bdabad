"""The web app's language: pages Chinese by default with a switch (?lang= and a cookie); the JSON
API follows ?lang= or Accept-Language; one checked upload is shown in either language."""
from __future__ import annotations

import warnings

import pytest

pytest.importorskip("fastapi")
pytestmark = pytest.mark.filterwarnings("ignore::DeprecationWarning")

with warnings.catch_warnings():
    warnings.simplefilter("ignore")
    from fastapi.testclient import TestClient  # noqa: E402

from conftest import SEEDS  # noqa: E402
from gongkai.web import create_app  # noqa: E402
from gongkai.web.language import accepted  # noqa: E402

GRANTED = "(一)予以公开 | 2 | 0"


@pytest.fixture()
def client():
    with TestClient(create_app(), base_url="http://localhost") as c:
        yield c


@pytest.mark.parametrize("header, lang", [
    ("zh-CN,zh;q=0.9,en;q=0.8", "zh"), ("en-US,en;q=0.9", "en"), ("en;q=0.4, zh-Hans;q=0.8", "zh"),
    ("fr-FR, en;q=0.5", "en"), ("de", None), ("", None), ("en;q=0, zh;q=0.1", "zh"),
])
def test_accept_language(header, lang):
    assert accepted(header) == lang


def _changed() -> bytes:
    return SEEDS[0].read_text(encoding="utf-8").replace(GRANTED, "(一)予以公开 | 3 | 0").encode("utf-8")


def test_api_findings_follow_the_requests_language(client):
    r = client.post("/api/check", files={"file": ("changed.txt", _changed(), "text/plain")})
    assert r.status_code == 200
    body = r.json()
    zh = {f["where"]: f for f in body["findings"]}
    row = zh["requests.granted.total"]
    assert row["where_text"] == "表三 （一）予以公开 行 × 总计 列" and row["evidence"] == "第 40 行第 47 字：“2”"
    assert body["record"]["provenance"]["requests.granted.total"]["at"] == "第 40 行第 47 字"
    cell = next(c for t in body["tables"] for row_ in t["rows"] for c in row_ if c.get("path") == "requests.granted.total")
    assert cell["where_text"] == "表三 （一）予以公开 行 × 总计 列" and cell["messages"][0].startswith("GK101 错误：")
    # the same upload, fetched again in English: by Accept-Language, by ?lang=
    link = body["links"]["self"]
    for kwargs in ({"headers": {"accept-language": "en-GB,en;q=0.9"}}, {"params": {"lang": "en"}}):
        en = client.get(link, **kwargs).json()
        f = {x["where"]: x for x in en["findings"]}["requests.granted.total"]
        assert f["where_text"] == "table 三, row （一）予以公开, column 总计" and f["evidence"] == 'line 40, col 47: "2"'
        assert en["record"]["provenance"]["requests.granted.total"]["at"] == "line 40, col 47"
        client.cookies.clear()
    # every message that is a Message renders in the language asked for
    assert client.get(link).json()["findings"] == body["findings"]


def test_pages_switch_and_remember(client):
    assert '<html lang="zh-CN">' in client.get("/").text
    r = client.get("/?lang=en")
    assert '<html lang="en">' in r.text and "Check an annual report" in r.text
    assert "gongkai_lang=en" in r.headers["set-cookie"]
    assert "Check an annual report" in client.get("/").text  # remembered
    r = client.get("/?lang=zh")
    assert "检查年度报告" in r.text and '<a href="/?lang=en"' in r.text  # the switch keeps the page
    # the API is not bound to the page's cookie when the request names its language
    client.get("/?lang=en")
    assert "请重新上传" in client.get("/api/checks/nope", headers={"accept-language": "zh-CN"}).json()["detail"]


def test_switch_keeps_the_query():
    from starlette.requests import Request

    from gongkai.web.language import switch_url

    request = Request({"type": "http", "path": "/reports", "query_string": b"year=2024&lang=zh&region=%E6%B1%9F",
                       "headers": []})
    assert switch_url(request, "en") == "/reports?year=2024&region=%E6%B1%9F&lang=en"
