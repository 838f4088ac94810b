from __future__ import annotations

import logging
import os
import stat
from collections.abc import Iterator
from pathlib import Path

import pytest

from dentally_setup import logsetup
from dentally_setup.redact import clear_registered_secrets, register_secret

TOKEN = "dp_live_tok_9f8e7d6c5b4a"
AUTHORIZE = ("https://connect.stripe.com/oauth/authorize?response_type=code&client_id=ca_123"
             "&scope=read_write&state=st_0123456789abcdef")
SK = "sk_test_51HxYzAbCdEfGh"


@pytest.fixture(autouse=True)
def _clean_logging() -> Iterator[None]:
    root = logging.getLogger()
    level, handlers = root.level, list(root.handlers)
    clear_registered_secrets()
    yield
    logsetup.shutdown_logging()
    for h in list(root.handlers):
        if h not in handlers:
            root.removeHandler(h)
    root.setLevel(level)
    clear_registered_secrets()


def _flush() -> None:
    for h in logging.getLogger().handlers:
        h.flush()


def _ours() -> list[logging.Handler]:
    return [h for h in logging.getLogger().handlers if getattr(h, logsetup._OURS, None)]


def test_log_file_location_and_format(isolated_home: Path) -> None:
    path = logsetup.setup_logging()
    assert path == isolated_home / "logs" / "dentally-setup.log"
    logging.getLogger("dentally_setup.test").info("hello %s", "world")
    _flush()
    line = path.read_text(encoding="utf-8").strip()
    assert line.endswith("INFO    dentally_setup.test: hello world")
    assert line[:4].isdigit()  # starts with the time


def test_secrets_in_messages_and_args_are_redacted() -> None:
    path = logsetup.setup_logging()
    register_secret(TOKEN)
    log = logging.getLogger("dentally_setup.test")
    log.info("using token %s", TOKEN)
    log.info("opening %s", AUTHORIZE)
    log.warning("key was " + SK)
    log.info("headers %r", {"Authorization": f"Bearer {TOKEN}"})
    _flush()
    text = path.read_text(encoding="utf-8")
    for secret in (TOKEN, "st_0123456789abcdef", "51HxYzAbCdEfGh", "ca_123"):
        assert secret not in text
    assert "https://connect.stripe.com/oauth/authorize?[redacted]" in text
    assert "sk_test_[redacted]" in text
    assert "using token [redacted]" in text


def test_tracebacks_are_redacted() -> None:
    path = logsetup.setup_logging()
    register_secret(TOKEN)
    log = logging.getLogger("dentally_setup.test")

    def fail(token: str) -> None:
        raise RuntimeError(f"portal refused {token} at {AUTHORIZE} with {SK}")

    try:
        fail(TOKEN)
    except RuntimeError:
        log.exception("link failed")
    log.info("where am I", stack_info=True)
    _flush()
    text = path.read_text(encoding="utf-8")
    assert "Traceback (most recent call last)" in text
    assert "RuntimeError: portal refused [redacted] at" in text
    for secret in (TOKEN, "st_0123456789abcdef", "51HxYzAbCdEfGh"):
        assert secret not in text


def test_idempotent_setup(isolated_home: Path) -> None:
    first = logsetup.setup_logging()
    second = logsetup.setup_logging(verbose=True)
    assert first == second
    assert len(_ours()) == 1
    assert logging.getLogger().level == logging.DEBUG
    logsetup.setup_logging(console=True)
    logsetup.setup_logging(console=True)
    assert len(_ours()) == 2
    for h in _ours():
        assert isinstance(h.formatter, logsetup.RedactingFormatter)
        assert any(isinstance(f, logsetup.RedactingFilter) for f in h.filters)


def test_file_handler_follows_a_new_home(tmp_path: Path, monkeypatch) -> None:
    logsetup.setup_logging()
    monkeypatch.setenv("DENTALLY_SETUP_HOME", str(tmp_path / "other"))
    path = logsetup.setup_logging()
    assert path == tmp_path / "other" / "logs" / "dentally-setup.log"
    assert len(_ours()) == 1
    logging.getLogger("x").warning("moved")
    _flush()
    assert "moved" in path.read_text(encoding="utf-8")


def test_rotation_settings() -> None:
    logsetup.setup_logging()
    (fh,) = _ours()
    assert isinstance(fh, logsetup.RotatingFile)
    assert fh.max_bytes == 1_000_000 and fh.backups == 5


def test_rotation_keeps_the_newest_files(tmp_path: Path) -> None:
    folder = tmp_path / "rotation"
    folder.mkdir()
    path = folder / "app.log"
    handler = logsetup.RotatingFile(path, max_bytes=100, backups=2)
    handler.setFormatter(logging.Formatter("%(message)s"))
    log = logging.getLogger("dentally_setup.test.rotation")
    log.propagate = False
    log.addHandler(handler)
    try:
        for n in range(12):
            log.warning("record %02d %s", n, "x" * 30)  # 40 bytes: three records a file
    finally:
        log.removeHandler(handler)
        handler.close()
    files = sorted(folder.iterdir())
    assert [f.name for f in files] == ["app.log", "app.log.1", "app.log.2"]
    assert path.read_text(encoding="utf-8").startswith("record 09")
    assert (folder / "app.log.1").read_text(encoding="utf-8").startswith("record 06")
    assert (folder / "app.log.2").read_text(encoding="utf-8").startswith("record 03")
    assert all(f.stat().st_size <= 100 + 40 for f in files)


@pytest.fixture
def usual_umask() -> Iterator[None]:
    # The usual umask, under which the log was 0644 and its folder 0755.
    old = os.umask(0o022)
    yield
    os.umask(old)


@pytest.mark.posix_only(reason="file modes are POSIX")
@pytest.mark.usefixtures("usual_umask")
def test_log_file_and_folder_are_private(isolated_home: Path) -> None:
    path = logsetup.setup_logging()
    logging.getLogger("dentally_setup.test").warning("hello")
    _flush()
    assert stat.S_IMODE(path.stat().st_mode) == 0o600
    assert stat.S_IMODE(path.parent.stat().st_mode) == 0o700


@pytest.mark.posix_only(reason="file modes are POSIX")
@pytest.mark.usefixtures("usual_umask")
def test_an_older_versions_open_log_and_folder_are_made_private(isolated_home: Path) -> None:
    folder = isolated_home / "logs"
    folder.mkdir(mode=0o755)
    old_log = folder / logsetup.LOG_FILE
    old_log.write_text("from an older version\n")
    old_log.chmod(0o644)
    path = logsetup.setup_logging()
    logging.getLogger("dentally_setup.test").warning("hello")
    _flush()
    assert path == old_log and "from an older version" in path.read_text()
    assert stat.S_IMODE(path.stat().st_mode) == 0o600
    assert stat.S_IMODE(folder.stat().st_mode) == 0o700


@pytest.mark.posix_only(reason="file modes are POSIX")
@pytest.mark.usefixtures("usual_umask")
def test_rotated_files_are_private(tmp_path: Path) -> None:
    folder = tmp_path / "rotation"
    folder.mkdir()
    path = folder / "app.log"
    handler = logsetup.RotatingFile(path, max_bytes=50, backups=2)
    handler.setFormatter(logging.Formatter("%(message)s"))
    log = logging.getLogger("dentally_setup.test.rotation_modes")
    log.propagate = False
    log.addHandler(handler)
    try:
        for n in range(6):
            log.warning("record %02d %s", n, "x" * 30)
    finally:
        log.removeHandler(handler)
        handler.close()
    files = sorted(folder.iterdir())
    assert [f.name for f in files] == ["app.log", "app.log.1", "app.log.2"]
    assert {stat.S_IMODE(f.stat().st_mode) for f in files} == {0o600}


@pytest.mark.posix_only(reason="file modes are POSIX")
def test_a_folder_that_refuses_modes_still_gets_the_log(isolated_home: Path,
                                                        monkeypatch: pytest.MonkeyPatch) -> None:
    # A FAT-formatted stick (a trainer's portable demo) answers chmod with EPERM.
    def refuse(*_args: object) -> None:
        raise PermissionError(1, "Operation not permitted")

    monkeypatch.setattr(os, "fchmod", refuse)
    path = logsetup.setup_logging()
    logging.getLogger("dentally_setup.test").warning("still logged")
    _flush()
    assert "still logged" in path.read_text(encoding="utf-8")


class _Collect(logging.Handler):
    def __init__(self) -> None:
        super().__init__()
        self.formatted: list[str] = []
        self.messages: list[str] = []

    def emit(self, record: logging.LogRecord) -> None:
        self.formatted.append(self.format(record))
        self.messages.append(record.getMessage())  # what a Qt log view might read


def test_add_handler_redacts_for_extra_handlers() -> None:
    logging.getLogger().setLevel(logging.INFO)
    handler = logsetup.add_handler(_Collect())
    logsetup.add_handler(handler)
    assert logging.getLogger().handlers.count(handler) == 1
    register_secret(TOKEN)
    logging.getLogger("dentally_setup.gui").info("token %s, key %s", TOKEN, SK)
    assert TOKEN not in handler.formatted[0] and TOKEN not in handler.messages[0]
    assert "sk_test_[redacted]" in handler.messages[0]
    assert "dentally_setup.gui" in handler.formatted[0]
    logging.getLogger().removeHandler(handler)


def test_bad_format_arguments_do_not_lose_the_record() -> None:
    handler = logsetup.add_handler(_Collect())
    logging.getLogger().removeHandler(handler)
    record = logging.LogRecord("x", logging.INFO, __file__, 1, "two %s %s", (SK,), None)
    handler.handle(record)
    assert handler.messages and SK not in handler.messages[0]
    assert "two %s %s" in handler.messages[0]
