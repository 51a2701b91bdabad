"""`ingest --urls`: the polite client against a local HTTP server (never the network)."""
from __future__ import annotations

import threading
import time
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

import pytest

from conftest import SEEDS
from gongkai.store.fetch import Fetcher, FetchError, read_urls_file
from gongkai.store.pipeline import ingest
from gongkai.store.writer import Store

pytestmark = pytest.mark.skipif(not SEEDS, reason="needs ../shared/corpus")


class Site:
    """A portal with reports, a flaky page, a slow one, a huge one and a robots.txt."""

    def __init__(self):
        self.log: list[tuple[str, float]] = []
        self.flaky_left = 2
        site = self

        class Handler(BaseHTTPRequestHandler):
            def log_message(self, *args):  # quiet
                pass

            def do_GET(self):
                site.log.append((self.path, time.monotonic()))
                path = self.path
                if path == "/robots.txt":
                    return self._send(200, b"User-agent: *\nDisallow: /private/\n", "text/plain")
                if path.startswith("/reports/"):
                    i = int(path.rsplit("/", 1)[1].split(".")[0])
                    return self._send(200, SEEDS[i].read_bytes(), "text/plain; charset=utf-8",
                                      {"ETag": f'"r{i}"'})
                if path == "/flaky.txt":
                    if site.flaky_left:
                        site.flaky_left -= 1
                        return self._send(503, b"busy", "text/plain", {"Retry-After": "0"})
                    return self._send(200, SEEDS[3].read_bytes(), "text/plain; charset=utf-8")
                if path == "/slow.txt":
                    time.sleep(1.5)
                    return self._send(200, b"late", "text/plain")
                if path == "/huge.txt":
                    return self._send(200, b"x" * (3 * 1024 * 1024), "text/plain")
                if path == "/stream.txt":  # no Content-Length: the cap must stop the reading
                    self.send_response(200)
                    self.send_header("Content-Type", "text/plain")
                    self.end_headers()
                    try:
                        for _ in range(64):
                            self.wfile.write(b"y" * 65536)
                    except (BrokenPipeError, ConnectionResetError):
                        pass
                    return None
                if path == "/notes.txt":
                    return self._send(200, "会议纪要：今天讨论了食堂。".encode(), "text/plain; charset=utf-8")
                return self._send(404, b"not found", "text/plain")

            def _send(self, status, body, ctype, headers=None):
                self.send_response(status)
                self.send_header("Content-Type", ctype)
                self.send_header("Content-Length", str(len(body)))
                for k, v in (headers or {}).items():
                    self.send_header(k, v)
                self.end_headers()
                try:
                    self.wfile.write(body)
                except (BrokenPipeError, ConnectionResetError):
                    pass

        self.server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        self.url = f"http://127.0.0.1:{self.server.server_address[1]}"
        self.thread = threading.Thread(target=self.server.serve_forever, daemon=True)

    def hits(self, path: str) -> int:
        return sum(1 for p, _ in self.log if p == path)


@pytest.fixture
def site():
    s = Site()
    s.thread.start()
    yield s
    s.server.shutdown()
    s.server.server_close()


def _fetcher(tmp_path, **kw):
    options = dict(min_interval=0.0, timeout=0.5, retries=2, backoff=0.01, max_bytes=1024 * 1024)
    options.update(kw)
    return Fetcher(tmp_path / "cache", **options)


def test_rate_limit_per_host(site, tmp_path):
    f = _fetcher(tmp_path, min_interval=0.3)
    for i in range(3):
        f.fetch(f"{site.url}/reports/{i}.txt")
    times = [t for p, t in site.log if p.startswith("/reports/")]
    assert len(times) == 3
    assert all(b - a >= 0.29 for a, b in zip(times, times[1:]))


def test_retries_what_retrying_can_fix_and_not_the_rest(site, tmp_path):
    f = _fetcher(tmp_path)
    assert f.fetch(f"{site.url}/flaky.txt").path.read_bytes() == SEEDS[3].read_bytes()
    assert site.hits("/flaky.txt") == 3  # two 503s, then the page
    with pytest.raises(FetchError, match="HTTP 404"):
        f.fetch(f"{site.url}/missing.txt")
    assert site.hits("/missing.txt") == 1  # a 404 is not retried
    with pytest.raises(FetchError, match="超时，已尝试 3 次"):
        f.fetch(f"{site.url}/slow.txt")


def test_size_cap_with_and_without_content_length(site, tmp_path):
    f = _fetcher(tmp_path)
    with pytest.raises(FetchError, match="超过 1 MB 的上限"):
        f.fetch(f"{site.url}/huge.txt")
    with pytest.raises(FetchError, match="超过 1 MB 的上限"):
        f.fetch(f"{site.url}/stream.txt")
    assert not list((tmp_path / "cache").rglob("*.body"))  # nothing half-downloaded is kept


def test_robots_txt_is_respected(site, tmp_path):
    f = _fetcher(tmp_path)
    with pytest.raises(FetchError, match="robots.txt"):
        f.fetch(f"{site.url}/private/report.txt")
    assert site.hits("/private/report.txt") == 0
    assert site.hits("/robots.txt") == 1
    f.fetch(f"{site.url}/reports/0.txt")
    assert site.hits("/robots.txt") == 1  # asked once per site


def test_cache_by_url_and_conditional_refresh(site, tmp_path):
    url = f"{site.url}/reports/1.txt"
    first = _fetcher(tmp_path).fetch(url)
    assert not first.from_cache and first.path.read_bytes() == SEEDS[1].read_bytes()
    again = _fetcher(tmp_path).fetch(url)
    assert again.from_cache and site.hits("/reports/1.txt") == 1
    _fetcher(tmp_path, refresh=True).fetch(url)
    assert site.hits("/reports/1.txt") == 2
    with pytest.raises(FetchError, match=r"不是 http\(s\) 网址"):
        _fetcher(tmp_path).fetch("file:///etc/passwd")


def test_ingest_urls_end_to_end(site, tmp_path):
    urls = tmp_path / "urls.txt"
    urls.write_text("\n".join([
        "# reports of the day",
        f"{site.url}/reports/0.txt",
        f"{site.url}/reports/1.txt",
        f"{site.url}/flaky.txt",
        f"{site.url}/missing.txt",
        f"{site.url}/notes.txt",
        f"{site.url}/private/x.txt",
        "",
    ]), encoding="utf-8")
    listed = read_urls_file(str(urls))
    assert len(listed) == 6
    db = str(tmp_path / "u.duckdb")
    result = ingest(urls=listed, db=db, workers=2, fetcher=_fetcher(tmp_path))
    assert (result.new_reports, result.failed) == (3, 3)
    with Store(db, read_only=True) as s:
        reports = dict(s.query("SELECT source_path, agency FROM reports"))
        failures = dict(s.query("SELECT path, reason FROM failures"))
        kinds = dict(s.query("SELECT path, kind FROM failures"))
    assert reports[f"{site.url}/reports/0.txt"] == "上海市静安区人力资源和社会保障局"
    assert failures[f"{site.url}/missing.txt"] == "下载失败：HTTP 404 Not Found"  # Chinese, as every reason
    assert kinds[f"{site.url}/missing.txt"] == "fetch"
    assert failures[f"{site.url}/private/x.txt"] == "下载失败：该网站的 robots.txt 不允许下载此网址"
    assert "未发现年度报告" in failures[f"{site.url}/notes.txt"] and kinds[f"{site.url}/notes.txt"] == "read"
    # a rerun downloads no report again; a failed download is retried (networks recover), a
    # downloaded page that is no report is not (until the parser changes)
    before = len(site.log)
    again = ingest(urls=listed, db=db, workers=1, fetcher=_fetcher(tmp_path))
    assert (again.new_reports, again.skipped, again.known_failures, again.failed) == (0, 3, 1, 2)
    assert sorted(p for p, _ in site.log[before:]) == ["/missing.txt", "/robots.txt"]


def test_an_ingest_list_gives_publication_dates(site, tmp_path):
    """A URL list may give each report's publication date after the URL (portals list it beside the
    link; a PDF never prints it): it is stored and the deadline check (GK603) judges it."""
    from gongkai import parse

    year = parse(SEEDS[0], check=False).year
    urls = tmp_path / "urls.txt"
    urls.write_text(f"{site.url}/reports/0.txt\t{year + 1}-01-20\n"
                    f"{site.url}/reports/1.txt   {year + 1}年6月30日\n"
                    f"{site.url}/reports/2.txt\n", encoding="utf-8")
    listed = read_urls_file(str(urls))
    assert [u.published for u in listed] == [f"{year + 1}-01-20", f"{year + 1}-06-30", None]
    db = str(tmp_path / "d.duckdb")
    assert ingest(urls=listed, db=db, workers=2, fetcher=_fetcher(tmp_path)).new_reports == 3
    with Store(db, read_only=True) as s:
        published = dict(s.query("SELECT source_path, strftime(published, '%Y-%m-%d') FROM reports"))
        late = {p for p, in s.query("SELECT r.source_path FROM findings f JOIN reports r USING (report_id) "
                                    "WHERE f.rule = 'GK603'")}
    assert published[f"{site.url}/reports/0.txt"] == f"{year + 1}-01-20"
    assert published[f"{site.url}/reports/1.txt"] == f"{year + 1}-06-30"
    assert f"{site.url}/reports/1.txt" in late and f"{site.url}/reports/0.txt" not in late
    # the Dask engine (its own local cluster) stores the same dates
    pytest.importorskip("distributed")
    dask_db = str(tmp_path / "dask.duckdb")
    assert ingest(urls=listed, db=dask_db, engine="dask", fetcher=_fetcher(tmp_path)).new_reports == 3
    with Store(dask_db, read_only=True) as s:
        assert dict(s.query("SELECT source_path, strftime(published, '%Y-%m-%d') FROM reports")) == published

    # a bad date is refused with its line, before anything is downloaded
    urls.write_text(f"# list\n{site.url}/reports/0.txt 2025-02-30\n", encoding="utf-8")
    with pytest.raises(ValueError, match="第 2 行：“2025-02-30”"):
        read_urls_file(str(urls))
    from click.testing import CliRunner

    from gongkai.cli import main

    before = len(site.log)
    run = CliRunner().invoke(main, ["ingest", "--db", str(tmp_path / "e.duckdb"), "--urls", str(urls)])
    assert run.exit_code == 2 and "第 2 行" in run.output and "Traceback" not in run.output
    assert len(site.log) == before


def test_the_dask_workers_take_the_listed_date(tmp_path):
    """The Dask engine's chunk carries the list's date to the worker, whether it sends the bytes or
    the worker reads the file itself (a shared file system)."""
    from gongkai.store.dask_engine import _Box, _prepare_chunk

    copy = tmp_path / "r.txt"
    copy.write_bytes(SEEDS[1].read_bytes())  # another report: a chunk carries a report once
    items = [(SEEDS[0].read_bytes(), "http://x/a.txt", None, None, "2025-01-20"),
             (None, "http://x/b.txt", None, str(copy), "2025-02-03")]
    out = _prepare_chunk(_Box(items), True).items
    import pyarrow as pa

    from gongkai.store.prepare import arrow_schema

    reports = pa.ipc.read_record_batch(pa.py_buffer(out[0].batches["reports"]), arrow_schema("reports"))
    dates = sorted(str(d) for d in reports.column("published").to_pylist())
    assert dates == ["2025-01-20", "2025-02-03"]


def test_ingest_takes_url_date_pairs_and_refuses_a_bad_date_before_any_download(site, tmp_path):
    before = len(site.log)
    with pytest.raises(ValueError, match="2025-13-01"):
        ingest(urls=[(f"{site.url}/reports/0.txt", "2025-13-01")], db=str(tmp_path / "x.duckdb"),
               fetcher=_fetcher(tmp_path))
    assert len(site.log) == before
