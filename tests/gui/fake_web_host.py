"""A web host that misbehaves, for the forced-failure tests: a real process that connects to
the app's socket the way the real host does (AF_UNIX on Linux), then fails as asked.

  exit-at-start       ends at once, before saying hello
  silent-after-open   says hello, answers "open", then reads nothing and answers nothing
  no-embed            answers everything but never puts a window inside the app's
  no-paint            answers everything, says Stripe's page loaded, never paints it
"""

from __future__ import annotations

import json
import os
import socket
import sys
import threading


def main() -> int:
    behaviour, server = sys.argv[1], sys.argv[-1]
    if behaviour == "exit-at-start":
        return 3
    conn = socket.socket(socket.AF_UNIX, socket.SOCK_STREAM)
    conn.connect(server)
    nonce = os.environ.pop("DENTALLY_WEBHOST_NONCE", "")

    def send(message: dict[str, object]) -> None:
        conn.sendall(json.dumps(message).encode() + b"\n")

    send({"ev": "hello", "nonce": nonce})
    pending = b""
    while True:
        data = conn.recv(65536)
        if not data:
            return 0
        pending += data
        *lines, pending = pending.split(b"\n")
        for line in lines:
            cmd = json.loads(line).get("cmd")
            if cmd == "open":
                send({"ev": "opened", "embedded": True})
                if behaviour == "silent-after-open":
                    threading.Event().wait()  # hung for good: the app must not wait for it
            elif cmd == "load" and behaviour == "no-paint":
                send({"ev": "signal", "name": "pageKind", "args": ["signin"]})
            elif cmd == "ping":
                send({"ev": "pong"})
            elif cmd == "quit":
                return 0


if __name__ == "__main__":
    sys.exit(main())
