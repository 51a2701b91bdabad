"""A polite HTTP client for `gongkai ingest --urls`.

Government portals are small servers; a crawler that hammers them gets blocked, and deserves to.
So: at most one request per host every `min_interval` seconds, robots.txt respected, a
User-Agent that says who is asking, retries only for what retrying can fix (timeouts, 429, 5xx)
with exponential backoff that honours Retry-After, a timeout on every socket operation and on the
whole download, and a size cap (a report is a few MB; a 2 GB "report" is a mistake). Bodies are
cached on disk by URL, so a rerun never downloads twice (`refresh=True` asks again, conditionally
with ETag / Last-Modified).
"""
from __future__ import annotations

import email.utils
import hashlib
import json
import os
import time
import urllib.error
import urllib.parse
import urllib.request
import urllib.robotparser
from dataclasses import dataclass
from pathlib import Path
from typing import Iterable, Iterator, Optional, Union

from .. import __version__
from ..i18n import _
from ..inputs import ListedURL
from .prepare import Prepared, failure

USER_AGENT = f"gongkai/{__version__} (+https://pypi.org/project/gongkai; annual-report research)"
_RETRY_STATUS = frozenset({408, 429, 500, 502, 503, 504})


class FetchError(Exception):
    """A URL could not be downloaded; the message says why."""


@dataclass
class Fetched:
    url: str
    path: Path  # the cached body
    from_cache: bool
    content_type: Optional[str] = None


def default_cache_dir() -> Path:
    base = os.environ.get("XDG_CACHE_HOME") or os.path.join(os.path.expanduser("~"), ".cache")
    return Path(base) / "gongkai" / "http"


class Fetcher:
    def __init__(self, cache_dir: Union[str, os.PathLike, None] = None, *, min_interval: float = 1.0,
                 retries: int = 3, timeout: float = 30.0, total_timeout: float = 300.0,
                 max_bytes: int = 50 * 1024 * 1024, backoff: float = 1.0, refresh: bool = False,
                 robots: bool = True, user_agent: str = USER_AGENT):
        self.cache_dir = Path(cache_dir) if cache_dir else default_cache_dir()
        self.min_interval = min_interval
        self.retries = retries
        self.timeout = timeout
        self.total_timeout = total_timeout
        self.max_bytes = max_bytes
        self.backoff = backoff
        self.refresh = refresh
        self.robots = robots
        self.user_agent = user_agent
        self._last_request: dict[str, float] = {}
        self._robots: dict[str, Optional[urllib.robotparser.RobotFileParser]] = {}
        self.requests = 0  # how many HTTP requests were made (tests and the summary use it)

    # -- cache ----------------------------------------------------------------------------------
    def _cache_paths(self, url: str) -> tuple[Path, Path]:
        digest = hashlib.sha256(url.encode("utf-8")).hexdigest()
        folder = self.cache_dir / digest[:2]
        return folder / f"{digest}.body", folder / f"{digest}.json"

    def cached(self, url: str) -> Optional[Fetched]:
        body, meta = self._cache_paths(url)
        if body.exists() and meta.exists():
            info = json.loads(meta.read_text(encoding="utf-8"))
            return Fetched(url, body, True, info.get("content_type"))
        return None

    # -- fetching -------------------------------------------------------------------------------
    def fetch(self, url: str) -> Fetched:
        parts = urllib.parse.urlsplit(url)
        if parts.scheme not in ("http", "https") or not parts.netloc:
            raise FetchError(_("not an http(s) URL"))
        hit = self.cached(url)
        if hit is not None and not self.refresh:
            return hit
        if self.robots and not self._allowed(url):
            raise FetchError(_("robots.txt of the site disallows fetching this URL"))
        headers = {}
        if hit is not None:
            info = json.loads(self._cache_paths(url)[1].read_text(encoding="utf-8"))
            if info.get("etag"):
                headers["If-None-Match"] = info["etag"]
            if info.get("last_modified"):
                headers["If-Modified-Since"] = info["last_modified"]
        status, body, response_headers = self._get(url, headers)
        if status == 304 and hit is not None:
            return hit
        body_path, meta_path = self._cache_paths(url)
        body_path.parent.mkdir(parents=True, exist_ok=True)
        tmp = body_path.with_suffix(".part")
        tmp.write_bytes(body)
        os.replace(tmp, body_path)  # a killed download never leaves a half body in the cache
        meta = {"url": url, "status": status, "content_type": response_headers.get("Content-Type"),
                "etag": response_headers.get("ETag"), "last_modified": response_headers.get("Last-Modified"),
                "size": len(body), "fetched_at": time.time()}
        meta_path.write_text(json.dumps(meta, ensure_ascii=False), encoding="utf-8")
        return Fetched(url, body_path, False, meta["content_type"])

    def _get(self, url: str, headers: dict[str, str], *, retries: Optional[int] = None) -> tuple[int, bytes, dict]:
        attempts = (self.retries if retries is None else retries) + 1
        last_error = "no attempt"
        for attempt in range(attempts):
            self._wait_turn(url)
            delay = self.backoff * (2 ** attempt)
            request = urllib.request.Request(url, headers={"User-Agent": self.user_agent, **headers})
            self.requests += 1
            try:
                with urllib.request.urlopen(request, timeout=self.timeout) as response:
                    return response.status, self._read(response), dict(response.headers)
            except urllib.error.HTTPError as e:
                if e.code == 304:
                    return 304, b"", dict(e.headers)
                last_error = f"HTTP {e.code} {e.reason}"
                if e.code not in _RETRY_STATUS:
                    raise FetchError(last_error) from None
                delay = max(delay, _retry_after(e.headers.get("Retry-After")))
            except FetchError:
                raise
            except (urllib.error.URLError, TimeoutError, ConnectionError, OSError) as e:
                reason = getattr(e, "reason", e)
                last_error = _("timed out") if isinstance(reason, TimeoutError) or "timed out" in str(reason) \
                    else _("connection failed ({reason})", reason=reason)
            if attempt + 1 < attempts:
                time.sleep(min(delay, 60.0))
        raise FetchError(_("{error}, after {attempts} attempts", error=last_error, attempts=attempts))

    def _read(self, response) -> bytes:
        length = response.headers.get("Content-Length")
        if length and length.isdigit() and int(length) > self.max_bytes:
            raise FetchError(_("larger than the {limit} MB limit ({size} bytes)", limit=self.max_bytes // (1024 * 1024),
                                   size=int(length)))
        deadline = time.monotonic() + self.total_timeout
        chunks, size = [], 0
        while True:
            chunk = response.read(65536)
            if not chunk:
                break
            size += len(chunk)
            if size > self.max_bytes:
                raise FetchError(_("larger than the {limit} MB limit", limit=self.max_bytes // (1024 * 1024)))
            if time.monotonic() > deadline:
                raise FetchError(_("download took longer than {seconds} s", seconds=format(self.total_timeout, "g")))
            chunks.append(chunk)
        return b"".join(chunks)

    def _wait_turn(self, url: str) -> None:
        host = urllib.parse.urlsplit(url).netloc.lower()
        last = self._last_request.get(host)
        if last is not None:
            wait = self.min_interval - (time.monotonic() - last)
            if wait > 0:
                time.sleep(wait)
        self._last_request[host] = time.monotonic()

    def _allowed(self, url: str) -> bool:
        parts = urllib.parse.urlsplit(url)
        origin = f"{parts.scheme}://{parts.netloc}"
        if origin not in self._robots:
            parser: Optional[urllib.robotparser.RobotFileParser] = urllib.robotparser.RobotFileParser()
            try:
                status, body, _ = self._get(origin + "/robots.txt", {}, retries=0)
                parser.parse(body.decode("utf-8", errors="replace").splitlines())
            except FetchError:
                parser = None  # no robots.txt (or none readable): nothing is disallowed
            self._robots[origin] = parser
        parser = self._robots[origin]
        return parser is None or parser.can_fetch(self.user_agent, url)


def _retry_after(value: Optional[str]) -> float:
    if not value:
        return 0.0
    if value.strip().isdigit():
        return float(value.strip())
    try:
        when = email.utils.parsedate_to_datetime(value)
        return max(0.0, when.timestamp() - time.time())
    except (TypeError, ValueError):
        return 0.0


def url_tasks(urls: Iterable[ListedURL], fetcher: Fetcher, check: bool) -> Iterator[Union[tuple, Prepared]]:
    """For each URL, a pool task reading its cached body, or a failure saying why it could not be
    downloaded. Downloads happen lazily, as the pool asks for work."""
    for url, published in urls:
        try:
            fetched = fetcher.fetch(url)
        except FetchError as e:
            yield failure(url, _("download failed: {reason}", reason=e), "fetch", checked=check)
            continue
        yield (str(fetched.path), None, url, published)


def read_urls_file(path: str) -> list[ListedURL]:
    """The URLs of an ingest list: one per line, optionally followed (after spaces or a tab) by the
    date it was published, in any form `gongkai.checks.dates` reads (2024-01-20, 2024年1月20日);
    blank lines and lines starting with # are ignored. ValueError names the line of a bad date."""
    from ..checks.dates import parse_date

    out = []
    with open(path, encoding="utf-8-sig") as f:
        for number, line in enumerate(f, 1):
            fields = line.split(None, 1)
            if not fields or fields[0].startswith("#"):
                continue
            published = None
            if len(fields) > 1:
                try:
                    published = parse_date(fields[1])
                except ValueError as e:
                    raise ValueError(_("{path}, line {line}: {reason}", path=path, line=number, reason=e)) from None
            out.append(ListedURL(fields[0], published))
    return out
