"""Running the app under uvicorn so that slow or numerous clients cannot take the server down.

- `HeadTimeoutProtocol`: uvicorn's HTTP/1.1 protocol, plus a deadline for each request's head
  (request line and headers): a client that connects and sends nothing, or sends its headers a
  byte at a time (slowloris), is disconnected after `HEAD_TIMEOUT` seconds instead of holding a
  connection for ever. (Upload bodies have their own idle and total timeouts: uploads.py.)
- `quiet_accept_errors`: at the open-files limit asyncio reports every failed `accept()` with a
  traceback; the server says it in one line, at most once a minute.
- `raise_open_files_limit`: the soft limit of open files raised to the hard one before serving.
"""
from __future__ import annotations

import asyncio
import logging
import time

from uvicorn.protocols.http.h11_impl import H11Protocol

from ..i18n import _

HEAD_TIMEOUT = 15.0
_ACCEPT_FAILED = "socket.accept() out of system resource"
log = logging.getLogger("uvicorn.error")


class HeadTimeoutProtocol(H11Protocol):
    head_timeout = HEAD_TIMEOUT

    def connection_made(self, transport) -> None:  # type: ignore[override]
        self._head_deadline = None
        super().connection_made(transport)
        self._arm()

    def on_response_complete(self) -> None:
        super().on_response_complete()
        self._arm()  # the next request on this connection must arrive in time too

    def handle_events(self) -> None:
        cycle = self.cycle
        super().handle_events()
        if self.cycle is not cycle:  # a request's head has arrived
            self._disarm()

    def connection_lost(self, exc) -> None:
        self._disarm()
        super().connection_lost(exc)

    def _arm(self) -> None:
        self._disarm()
        if not self.transport.is_closing():
            self._head_deadline = self.loop.call_later(self.head_timeout, self._head_timed_out)

    def _disarm(self) -> None:
        if self._head_deadline is not None:
            self._head_deadline.cancel()
            self._head_deadline = None

    def _head_timed_out(self) -> None:
        self._head_deadline = None
        if self.cycle is None or self.cycle.response_complete:  # no request being answered
            if not self.transport.is_closing():
                self.transport.close()


def quiet_accept_errors() -> None:
    """On the running loop: a failed accept() (too many open files) logged in one line, at most
    once a minute; everything else as before."""
    loop = asyncio.get_running_loop()
    previous = loop.get_exception_handler()
    last = [float("-inf")]

    def handler(loop: asyncio.AbstractEventLoop, context: dict) -> None:
        if context.get("message") == _ACCEPT_FAILED:
            now = time.monotonic()
            if now - last[0] >= 60:
                last[0] = now
                log.warning(_("gongkai: cannot accept new connections ({reason}); too many open connections or "
                              "files; retrying (said once a minute)", reason=context.get("exception")))
            return
        if previous is not None:
            previous(loop, context)
        else:
            loop.default_exception_handler(context)

    loop.set_exception_handler(handler)


def raise_open_files_limit() -> None:
    try:
        import resource

        soft, hard = resource.getrlimit(resource.RLIMIT_NOFILE)
        if hard == resource.RLIM_INFINITY or soft < hard:
            resource.setrlimit(resource.RLIMIT_NOFILE, (hard if hard != resource.RLIM_INFINITY else max(soft, 65536),
                                                         hard))
    except (ImportError, ValueError, OSError):
        pass
