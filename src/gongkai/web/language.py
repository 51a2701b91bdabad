"""The language of each request: Chinese by default, English on request.

Pages: `?lang=en` (or `zh`) switches and is remembered in a cookie; the cookie holds for the
next pages. The JSON API: `?lang=`, else the `Accept-Language` header, else the cookie. Then
GONGKAI_LANG, then Chinese. The choice is set with `use_language` around the request, so the
templates, findings (`Finding.localized`) and messages all follow it.
"""
from __future__ import annotations

from typing import Optional
from urllib.parse import parse_qsl, urlencode

from ..i18n import LANGUAGES, language, normalize_language, use_language

COOKIE = "gongkai_lang"
COOKIE_AGE = 365 * 24 * 3600


def accepted(header: str) -> Optional[str]:
    """The first of our languages an Accept-Language header prefers (`zh-CN,zh;q=0.9,en;q=0.8`)."""
    choices = []
    for i, part in enumerate(header.split(",")):
        tag, _, params = part.strip().partition(";")
        q = 1.0
        for p in params.split(";"):
            key, _, value = p.strip().partition("=")
            if key == "q":
                try:
                    q = float(value)
                except ValueError:
                    q = 0.0
        lang = normalize_language(tag.strip())
        if lang and q > 0:
            choices.append((-q, i, lang))
    return min(choices)[2] if choices else None


def _cookie(headers: list[tuple[bytes, bytes]]) -> Optional[str]:
    for key, value in headers:
        if key == b"cookie":
            for part in value.decode("latin-1").split(";"):
                name, _, v = part.strip().partition("=")
                if name == COOKIE:
                    return normalize_language(v)
    return None


def request_language(path: str, query: str, headers: list[tuple[bytes, bytes]]) -> tuple[Optional[str], bool]:
    """(language, chosen by the query): None leaves the default."""
    asked = normalize_language(dict(parse_qsl(query)).get("lang"))
    if asked:
        return asked, True
    if path.startswith("/api/"):
        header = next((v.decode("latin-1") for k, v in headers if k == b"accept-language"), "")
        return accepted(header) or _cookie(headers), False
    return _cookie(headers), False


class LanguageMiddleware:
    """ASGI middleware: the request's language for everything below it; `?lang=` sets the cookie."""

    def __init__(self, app):
        self.app = app

    async def __call__(self, scope, receive, send):
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        lang, chosen = request_language(scope.get("path", ""), scope.get("query_string", b"").decode("latin-1"),
                                        scope.get("headers", []))

        async def remember(message):
            if chosen and message["type"] == "http.response.start":
                cookie = f"{COOKIE}={lang}; Path=/; Max-Age={COOKIE_AGE}; SameSite=Lax"
                message.setdefault("headers", []).append((b"set-cookie", cookie.encode("latin-1")))
            await send(message)

        # the default resolved once per request, not on each of a page's thousand messages
        with use_language(lang or language()):
            await self.app(scope, receive, remember)


def switch_url(request, lang: str) -> str:
    """The current page's address in another language (`?lang=` set, other parameters kept)."""
    if lang not in LANGUAGES:
        raise ValueError(lang)
    query = [(k, v) for k, v in parse_qsl(request.url.query, keep_blank_values=True) if k != "lang"]
    return request.url.path + "?" + urlencode(query + [("lang", lang)])


__all__ = ["LanguageMiddleware", "request_language", "accepted", "switch_url", "COOKIE"]
