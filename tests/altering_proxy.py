"""A proxy in front of the sandbox portal that changes what a PUT's answer says was
stored: a portal that adjusts a value, or another save landing at the same moment."""

from __future__ import annotations

import contextlib
import http.client
import json
import threading
import urllib.parse
from collections.abc import Callable, Iterator
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any


class _AlteringProxy(BaseHTTPRequestHandler):
    """Passes every request to the sandbox portal and its answer back, except that a PUT's
    answer has ``server.alter`` applied to its payment settings: a portal that stores
    something other than what was sent (it adjusts a value, or another save lands)."""

    def _forward(self) -> None:
        target = urllib.parse.urlsplit(self.server.target)  # type: ignore[attr-defined]
        length = int(self.headers.get("Content-Length") or 0)
        body = self.rfile.read(length) if length else None
        conn = http.client.HTTPConnection(target.hostname, target.port, timeout=5)
        headers = {k: v for k, v in self.headers.items() if k.lower() != "host"}
        conn.request(self.command, self.path, body=body, headers=headers)
        resp = conn.getresponse()
        data = resp.read()
        if self.command == "PUT" and resp.status == 200:
            answer = json.loads(data)
            settings = answer["payment_settings"]
            for (section, key), value in self.server.alter.items():  # type: ignore[attr-defined]
                settings[section][key] = value
            data = json.dumps(answer).encode()
        self.send_response(resp.status)
        for key, value in resp.getheaders():
            if key.lower() not in ("content-length", "transfer-encoding", "connection",
                                   "date", "server"):
                self.send_header(key, value)
        self.send_header("Content-Length", str(len(data)))
        self.end_headers()
        self.wfile.write(data)
        conn.close()

    do_GET = do_PUT = do_POST = _forward

    def log_message(self, *_args: object) -> None:
        pass


_SHORTCUTS = {"deposits_enabled": ("deposits", "enabled"),
              "balances_enabled": ("balances", "enabled"),
              "invoices_enabled": ("invoices", "enabled")}


@contextlib.contextmanager
def altering_proxies() -> Iterator[Callable[..., str]]:
    """Yields ``start(sandbox, balances_enabled=False)`` -> a portal URL whose PUT answers
    say the site holds that, whatever was sent (a real server over real HTTP)."""
    servers: list[ThreadingHTTPServer] = []

    def start(sb: Any, **changes: Any) -> str:
        server = ThreadingHTTPServer(("127.0.0.1", 0), _AlteringProxy)
        server.target = sb.portal_url  # type: ignore[attr-defined]
        server.alter = {_SHORTCUTS[k]: v for k, v in changes.items()}  # type: ignore[attr-defined]
        threading.Thread(target=server.serve_forever, daemon=True).start()
        servers.append(server)
        path = urllib.parse.urlsplit(sb.portal_url).path
        return f"http://127.0.0.1:{server.server_address[1]}{path}"

    try:
        yield start
    finally:
        for server in servers:
            server.shutdown()
            server.server_close()
