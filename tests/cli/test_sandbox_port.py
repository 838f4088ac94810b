"""`sandbox --port N`: a fixed callback address for real Stripe test mode."""

from __future__ import annotations

import socket

from dentally_setup.cli.main import main


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


def test_fixed_port_gives_a_fixed_callback(tmp_path, capsys):
    port = free_port()
    code = main(["sandbox", "--port", str(port), "--state-dir", str(tmp_path),
                 "--print-and-exit"])
    out = capsys.readouterr().out
    assert code == 0
    assert f"http://127.0.0.1:{port}/api" in out


def test_busy_port_is_explained(tmp_path, capsys):
    with socket.socket() as busy:
        busy.bind(("127.0.0.1", 0))
        busy.listen()
        port = busy.getsockname()[1]
        code = main(["sandbox", "--port", str(port), "--state-dir", str(tmp_path),
                     "--print-and-exit"])
    captured = capsys.readouterr()
    assert code == 2
    assert f"cannot listen on port {port}" in captured.err
    assert "Traceback" not in captured.err + captured.out
