"""Shared plumbing for the two sandbox servers: a reply type, a handler that hands every
request to an app object, and a server thread that starts fast and stops cleanly."""

from __future__ import annotations

import json
import logging
import threading
import urllib.parse
from dataclasses import dataclass, field
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any, Protocol

log = logging.getLogger(__name__)

MAX_BODY = 1024 * 1024  # the contract's 1 MB limit on request bodies
DRAIN_LIMIT = 16 * MAX_BODY


@dataclass
class Request:
    method: str
    path: str
    query: dict[str, str]
    headers: dict[str, str]  # lower-case names
    body: bytes | None  # None when the body was over MAX_BODY (not read)


@dataclass
class Reply:
    status: int
    body: bytes = b""
    content_type: str = "application/json; charset=utf-8"
    headers: dict[str, str] = field(default_factory=dict)
    drop: bool = False  # hang up without answering (fault injection)


def json_reply(status: int, data: Any, headers: dict[str, str] | None = None) -> Reply:
    body = json.dumps(data, indent=1).encode("utf-8")
    return Reply(status, body, headers=dict(headers or {}))


def html_reply(status: int, page: str) -> Reply:
    return Reply(status, page.encode("utf-8"), "text/html; charset=utf-8",
                 {"Cache-Control": "no-store"})


def redirect(location: str, status: int = 303) -> Reply:
    return Reply(status, b"", "text/plain; charset=utf-8", {"Location": location})


class App(Protocol):
    def handle(self, request: Request) -> Reply: ...


class _Server(ThreadingHTTPServer):
    daemon_threads = True
    # The listen backlog. socketserver's 5 is overrun when a group's 8 or 16 reads connect
    # at once while the accepting thread waits for the GIL: the kernel drops the extra
    # connection attempts and the client tries again only after a second (measured: the
    # wizard read 40 sites in 1.1 s instead of 0.1 s). A real server's backlog is larger.
    request_queue_size = 128
    app: App


class _Handler(BaseHTTPRequestHandler):
    server_version = "DentallySandbox/1.0"
    server: _Server

    def _dispatch(self) -> None:
        parts = urllib.parse.urlsplit(self.path)
        headers = {k.lower(): v for k, v in self.headers.items()}
        body: bytes | None = b""
        try:
            length = int(headers.get("content-length") or 0)
        except ValueError:
            length = 0
        if length > MAX_BODY:
            body = None
            # Read and drop it, so the client gets our 422 instead of a reset connection;
            # past DRAIN_LIMIT just hang up rather than read someone's gigabytes.
            self.close_connection = True
            if length <= DRAIN_LIMIT:
                remaining = length
                while remaining > 0:
                    chunk = self.rfile.read(min(remaining, 65536))
                    if not chunk:
                        break
                    remaining -= len(chunk)
        elif length > 0:
            body = self.rfile.read(length)
        query = dict(urllib.parse.parse_qsl(parts.query, keep_blank_values=True))
        request = Request(self.command, parts.path, query, headers, body)
        try:
            reply = self.server.app.handle(request)
        except Exception:
            log.exception("The sandbox failed on %s %s", self.command, parts.path)
            reply = json_reply(500, {"error": {"code": "unavailable",
                                               "message": "The sandbox had an internal error."}})
        if reply.drop:
            self.close_connection = True
            return
        try:
            self.send_response(reply.status)
            self.send_header("Content-Type", reply.content_type)
            self.send_header("Content-Length", str(len(reply.body)))
            for name, value in reply.headers.items():
                self.send_header(name, value)
            self.end_headers()
            if self.command != "HEAD":
                self.wfile.write(reply.body)
        except (BrokenPipeError, ConnectionResetError):
            # The client gave up (e.g. its timeout was shorter than a delay fault).
            log.debug("client went away before the answer to %s %s", self.command, parts.path)

    do_GET = do_POST = do_PUT = do_DELETE = do_PATCH = do_HEAD = _dispatch

    def log_message(self, format: str, *args: Any) -> None:
        # The stdlib logs the full request line, which would include OAuth codes and state.
        path = urllib.parse.urlsplit(self.path).path
        log.debug("%s %s", self.command, path)


class ServerThread:
    """One ThreadingHTTPServer on 127.0.0.1 and a free port, in a daemon thread."""

    def __init__(self, app: App, name: str, port: int = 0) -> None:
        self.app = app
        self.name = name
        self.wanted_port = port  # 0: any free port
        self._server: _Server | None = None
        self._thread: threading.Thread | None = None

    @property
    def port(self) -> int:
        if self._server is None:
            raise RuntimeError(f"the sandbox {self.name} server is not running")
        return int(self._server.server_address[1])

    def start(self) -> None:
        server = _Server(("127.0.0.1", self.wanted_port), _Handler)
        server.app = self.app
        # A short poll interval lets stop() return quickly instead of within half a second.
        self._thread = threading.Thread(target=server.serve_forever, kwargs={"poll_interval": 0.05},
                                        name=f"sandbox-{self.name}", daemon=True)
        self._server = server
        self._thread.start()
        log.info("sandbox %s listening on 127.0.0.1:%d", self.name, self.port)

    def stop(self) -> None:
        server, thread = self._server, self._thread
        self._server = self._thread = None
        if server is None:
            return
        server.shutdown()
        server.server_close()
        if thread is not None:
            thread.join(timeout=5)
