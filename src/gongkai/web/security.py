"""Who may talk to the server: the name it is addressed by, and where a posted form comes from.

- **Host.** Every request must name one of the allowed hosts in its `Host` header (localhost,
  127.0.0.1 and [::1] by default, plus the address the server listens on and the names given with
  `gongkai serve --allow-host`). A page on another site whose DNS name is rebound to 127.0.0.1
  reaches the server under that site's name and is refused (DNS rebinding).
- **Origin.** A request that changes something (POST, PUT, PATCH, DELETE) sent by a browser must
  come from a page of this server: its `Origin` must be this server's own, or, where a browser
  sends no `Origin`, its `Sec-Fetch-Site` must say same-origin. A request with neither (curl, a
  script) passes: no browser is acting for someone there.
- **CSRF token.** The pages' forms carry a token a page of another origin cannot read: a random
  value signed with the server's secret, set in a cookie (SameSite=Strict, HttpOnly) and repeated
  in the form; `verify_csrf` checks that both are there, equal and signed by this server.
"""
from __future__ import annotations

import hashlib
import hmac
import secrets
from typing import Any, Callable, Iterable, Optional
from urllib.parse import urlsplit

from ..i18n import _

CSRF_COOKIE = "gongkai_csrf"
CSRF_FIELD = "csrf_token"
LOCAL_HOSTS = ("localhost", "127.0.0.1", "[::1]")
WILDCARDS = ("", "0.0.0.0", "::", "[::]")
UNSAFE_METHODS = frozenset({"POST", "PUT", "PATCH", "DELETE"})


def host_name(value: str) -> str:
    """`Host` header or netloc -> the lower-case name without its port (`[::1]:8000` -> `[::1]`)."""
    value = value.strip().lower()
    if value.startswith("["):
        return value[: value.find("]") + 1] if "]" in value else value
    return value.rsplit(":", 1)[0] if value.count(":") == 1 else value


def allowed_hosts(listen_host: Optional[str] = None, extra: Iterable[str] = ()) -> tuple[str, ...]:
    """The names the server answers to: localhost's, the one it listens on, and `extra` (`*`: any)."""
    hosts = list(LOCAL_HOSTS)
    if listen_host and listen_host not in WILDCARDS:
        hosts.append(host_name(f"[{listen_host}]" if ":" in listen_host and not listen_host.startswith("[")
                               else listen_host))
    hosts += [h.strip().lower() if h.strip() == "*" else host_name(h) for h in extra if h.strip()]
    return tuple(dict.fromkeys(hosts))


# --- CSRF ------------------------------------------------------------------------------------------
def _sign(secret: bytes, nonce: str) -> str:
    return hmac.new(secret, nonce.encode("ascii"), hashlib.sha256).hexdigest()[:32]


def new_csrf_token(secret: bytes) -> str:
    nonce = secrets.token_urlsafe(18)
    return f"{nonce}.{_sign(secret, nonce)}"


def csrf_token_valid(secret: bytes, token: Optional[str]) -> bool:
    if not token or token.count(".") != 1 or len(token) > 200:
        return False
    nonce, signature = token.split(".")
    try:
        return hmac.compare_digest(signature, _sign(secret, nonce))
    except (TypeError, UnicodeEncodeError):
        return False


def verify_csrf(request: Any, submitted: Optional[str]) -> None:
    """Raise 403 unless the form's token is the one in this browser's cookie, signed by this server."""
    from fastapi import HTTPException

    secret = request.app.state.settings.secret
    cookie = request.cookies.get(CSRF_COOKIE)
    if not (submitted and cookie and hmac.compare_digest(str(submitted), cookie) and csrf_token_valid(secret, cookie)):
        raise HTTPException(403, _("The form has expired or was not sent from this server's page; "
                                   "reload the page and try again."))


# --- the middleware --------------------------------------------------------------------------------
class Guard:
    """ASGI middleware: the Host and Origin checks, the CSRF cookie for the pages, and the headers
    every response carries (Content-Security-Policy and the like)."""

    def __init__(self, app: Callable, *, hosts: Iterable[str], secret: bytes,
                 reject: Callable[..., Any], headers: Callable[[str], dict[bytes, bytes]] = lambda path: {}):
        """`reject(scope, receive, send, status, detail)` sends an error response; `headers(path)`
        are added to every response that does not set them itself."""
        self.app = app
        self.headers = headers
        self.hosts = frozenset(hosts)
        self.any_host = "*" in self.hosts
        self.secret = secret
        self.reject = reject

    async def __call__(self, scope, receive, send):
        if scope["type"] != "http":
            return await self.app(scope, receive, send)
        headers = {k.decode("latin-1"): v.decode("latin-1") for k, v in scope["headers"]
                   if k in (b"host", b"origin", b"sec-fetch-site", b"cookie")}
        state = scope.setdefault("state", {})
        token, new_cookie = self._csrf(headers.get("cookie", ""))
        state["csrf_token"] = token
        extra = self.headers(scope["path"])
        if new_cookie and not scope["path"].startswith(("/api/", "/static/")):
            extra[b"set-cookie"] = f"{CSRF_COOKIE}={token}; Path=/; HttpOnly; SameSite=Strict".encode("latin-1")

        async def send_with_headers(message):
            if message["type"] == "http.response.start":
                present = {k.lower() for k, _v in message.get("headers", [])}
                message = {**message, "headers": [*message.get("headers", []),
                                                  *((k, v) for k, v in extra.items() if k not in present)]}
            await send(message)

        host = headers.get("host", "")
        if not self.any_host and host_name(host) not in self.hosts:
            return await self.reject(scope, receive, send_with_headers, 400, _(
                "This server answers only to {allowed}; the request was addressed to {host}. "
                "Start it with --allow-host NAME to serve under another name.",
                allowed=", ".join(sorted(self.hosts)), host=host or "?"))
        if scope["method"] in UNSAFE_METHODS:
            refused = self._cross_site(headers, scope.get("scheme", "http"), host)
            if refused:
                return await self.reject(scope, receive, send_with_headers, 403, _(
                    "A page of another site ({origin}) cannot send this server a request.", origin=refused))
        return await self.app(scope, receive, send_with_headers)

    def _csrf(self, cookie_header: str) -> tuple[str, bool]:
        """(this browser's token, whether it is new and must be set)."""
        for part in cookie_header.split(";"):
            name, _sep, value = part.strip().partition("=")
            if name == CSRF_COOKIE and csrf_token_valid(self.secret, value):
                return value, False
        return new_csrf_token(self.secret), True

    @staticmethod
    def _cross_site(headers: dict[str, str], scheme: str, host: str) -> Optional[str]:
        """The foreign origin a browser says the request comes from, or None when it is this server."""
        origin = headers.get("origin")
        if origin is not None:
            if origin == "null":
                return "null"
            parts = urlsplit(origin)
            if parts.scheme != scheme or parts.netloc.lower() != host.strip().lower():
                return origin
            return None
        site = headers.get("sec-fetch-site")
        if site is not None and site not in ("same-origin", "none"):
            return site
        return None
