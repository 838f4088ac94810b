"""The web host process seen from the app: starting it, its socket, and the *warm* host.

``WebHostProcess`` starts ``dentally-setup --web-host`` with QProcess, accepts its one
connection on a local socket (a named pipe on Windows) and checks its one-time nonce, queues
commands until it has said hello, relays its log records into our (redacted) log, and ends it
(politely, then by force).

Start-up: the sign-in page asks for a *warm* host (``prewarm``): a process that has started
Python and Qt and waits. The link page then only has to start Chromium in it
(``take_host``). An unclaimed warm host ends by itself after ``WARM_TTL_MS``.
"""

from __future__ import annotations

import itertools
import logging
import os
import secrets
import sys
from typing import Any

from PySide6.QtCore import QCoreApplication, QObject, QProcess, QProcessEnvironment, QTimer, Signal
from PySide6.QtNetwork import QLocalServer, QLocalSocket

from dentally_setup.gui.webhost_protocol import (
    NONCE_ENV,
    SERVER_ARG,
    LineBuffer,
    ProtocolError,
    decode,
    encode,
)

log = logging.getLogger(__name__)

WARM_TTL_MS = 120_000  # an unclaimed warm host gives its memory back after two minutes
QUIT_GRACE_MS = 3_000  # then the host is killed
START_TIMEOUT_MS = 30_000


def host_command(software_rendering: bool) -> tuple[str, list[str]]:
    """How to start the host: the built app runs itself; from source, ``-m dentally_setup``."""
    args = [SERVER_ARG]
    if software_rendering:
        args.append("--software-rendering")
    if getattr(sys, "frozen", False):
        return sys.executable, args
    return sys.executable, ["-m", "dentally_setup", *args]


class WebHostProcess(QObject):
    """One web host process and its socket. Commands sent before the host has connected
    wait in a queue."""

    hello = Signal()
    message = Signal(dict)
    ended = Signal(str)  # no longer usable; why, in words for the log
    exited = Signal()  # the process itself has gone (or never started)

    _names = itertools.count(1)

    def __init__(self, software_rendering: bool = False) -> None:
        super().__init__()
        self._nonce = secrets.token_hex(16)
        self._server = QLocalServer(self)
        self._server.setSocketOptions(QLocalServer.SocketOption.UserAccessOption)
        name = f"dentally-setup-web-{os.getpid()}-{next(self._names)}-{secrets.token_hex(4)}"
        if not self._server.listen(name):
            raise OSError(f"cannot open a local socket: {self._server.errorString()}")
        self._server.newConnection.connect(self._accept)
        self._socket: QLocalSocket | None = None
        self._lines = LineBuffer()
        self._queue: list[bytes] = []
        self.connected = False
        self.finished = False

        self._process = QProcess(self)
        env = QProcessEnvironment.systemEnvironment()
        env.insert(NONCE_ENV, self._nonce)
        self._process.setProcessEnvironment(env)
        self._process.setProcessChannelMode(QProcess.ProcessChannelMode.MergedChannels)
        self._process.readyReadStandardOutput.connect(self._child_output)
        self._process.finished.connect(self._process_finished)
        self._process.errorOccurred.connect(self._process_error)
        program, args = host_command(software_rendering)
        self._process.start(program, [*args, self._server.fullServerName()])
        self._start_timer = QTimer(self, singleShot=True, interval=START_TIMEOUT_MS)
        self._start_timer.timeout.connect(
            lambda: self._fail("did not start in time", kill=True))
        self._start_timer.start()
        log.info("web host starting")

    @property
    def pid(self) -> int:
        return int(self._process.processId())

    def send(self, message: dict[str, Any]) -> None:
        data = encode(message)
        if self._socket is not None and self.connected:
            self._socket.write(data)
            self._socket.flush()
        else:
            self._queue.append(data)

    def stop(self) -> None:
        """Ask the host to quit (it deletes its view, page and profile first), and kill it
        if it has not within QUIT_GRACE_MS."""
        if self.finished:
            return
        if not self.connected:  # still starting: nothing to tidy up in it yet
            self._fail("no longer needed", kill=True)
            return
        self.send({"cmd": "quit"})
        if self._process.state() != QProcess.ProcessState.NotRunning:
            QTimer.singleShot(QUIT_GRACE_MS, self, self._kill)
        self._server.close()

    def wait_ended(self, msecs: int) -> None:
        """Block until the process has ended, killing it after ``msecs`` (at exit only)."""
        if self._socket is not None:
            self._socket.flush()
        if not self._process.waitForFinished(msecs):
            self._process.kill()
            self._process.waitForFinished(1000)

    def _kill(self) -> None:
        if self._process.state() != QProcess.ProcessState.NotRunning:
            log.warning("web host did not quit; ending it")
            self._process.kill()

    def _accept(self) -> None:
        socket = self._server.nextPendingConnection()
        if socket is None:
            return
        if self._socket is not None:  # only the process we started may talk to us
            socket.abort()
            return
        self._socket = socket
        socket.readyRead.connect(self._read)
        socket.disconnected.connect(lambda: self._fail("closed its connection"))

    def _read(self) -> None:
        assert self._socket is not None
        try:
            lines = self._lines.feed(bytes(self._socket.readAll().data()))
        except ProtocolError:
            self._fail("sent an over-long message", kill=True)
            return
        for line in lines:
            try:
                msg = decode(line)
            except ProtocolError as exc:
                log.warning("ignored a message from the web host: %s", exc)
                continue
            if not self.connected:
                if msg.get("ev") != "hello" or not secrets.compare_digest(
                        str(msg.get("nonce", "")), self._nonce):
                    self._fail("did not identify itself", kill=True)
                    return
                self._greeted()
                continue
            if msg.get("ev") == "log":
                _relay_log(msg)
            else:
                self.message.emit(msg)

    def _greeted(self) -> None:
        assert self._socket is not None
        self.connected = True
        self._start_timer.stop()
        self._server.close()  # no further connections
        for data in self._queue:
            self._socket.write(data)
        self._queue.clear()
        self._socket.flush()
        log.info("web host %s connected", self.pid)
        self.hello.emit()

    def _child_output(self) -> None:
        text = bytes(self._process.readAllStandardOutput().data()).decode("utf-8", "replace")
        for line in text.splitlines():
            if line.strip():
                log.debug("web host: %s", line)

    def _process_error(self, error: QProcess.ProcessError) -> None:
        if error == QProcess.ProcessError.FailedToStart:
            self._fail(f"could not be started ({self._process.errorString()})")
            self.exited.emit()

    def _process_finished(self, code: int, status: QProcess.ExitStatus) -> None:
        how = "crashed" if status == QProcess.ExitStatus.CrashExit else f"exited with {code}"
        self._fail(how)
        self.exited.emit()

    def _fail(self, why: str, *, kill: bool = False) -> None:
        """The host is no longer usable. Its process is given QUIT_GRACE_MS to end by
        itself (it is normally on its way out), or killed at once when it misbehaved."""
        if self.finished:
            return
        self.finished = True
        self._start_timer.stop()
        self._server.close()
        if self._process.state() != QProcess.ProcessState.NotRunning:
            if kill:
                self._process.kill()
            else:
                QTimer.singleShot(QUIT_GRACE_MS, self, self._kill)
        log.info("web host ended: %s", why)
        self.ended.emit(why)


def _relay_log(msg: dict[str, Any]) -> None:
    """A record from the host, into the app's log (our filters redact it again)."""
    try:
        level = int(msg.get("level", logging.INFO))
    except (TypeError, ValueError):
        level = logging.INFO
    name = str(msg.get("name") or "webhost")
    logging.getLogger(f"webhost.{name}").log(level, "%s", str(msg.get("msg", ""))[:4000])


# ---- the warm host ----------------------------------------------------------------------

_warm: WebHostProcess | None = None
_warm_timer: QTimer | None = None
_live: set[WebHostProcess] = set()  # hosts stay referenced until their process has ended
_quit_hooked = False
_stopped = False


def _track(host: WebHostProcess) -> WebHostProcess:
    global _quit_hooked
    if not _quit_hooked:
        app = QCoreApplication.instance()
        if app is not None:
            app.aboutToQuit.connect(stop_all)
            _quit_hooked = True
    _live.add(host)
    host.exited.connect(lambda: _live.discard(host))
    return host


def prewarm(software_rendering: bool = False) -> None:
    """Start a host now, so the link page finds one ready (the page before calls this)."""
    global _warm, _warm_timer
    if _stopped:
        return  # the app is quitting
    if _warm is not None and not _warm.finished:
        _warm_timer_restart()
        return
    try:
        _warm = _track(WebHostProcess(software_rendering))
    except OSError:
        log.warning("could not start a web host ahead of time", exc_info=True)
        _warm = None
        return
    _warm_timer_restart()


def _warm_timer_restart() -> None:
    global _warm_timer
    if _warm_timer is None:
        _warm_timer = QTimer(singleShot=True)
        _warm_timer.timeout.connect(drop_warm)
    _warm_timer.start(WARM_TTL_MS)


def drop_warm() -> None:
    """End the warm host, if any (unclaimed for too long, or no longer needed)."""
    global _warm
    host, _warm = _warm, None
    if host is not None:
        log.info("unused web host ended")
        host.stop()


def take_host(software_rendering: bool = False) -> WebHostProcess:
    """The warm host if there is a live one, else a new one."""
    global _warm
    host, _warm = _warm, None
    if _warm_timer is not None:
        _warm_timer.stop()
    if host is not None and not host.finished:
        return host
    return _track(WebHostProcess(software_rendering))


def stop_all() -> None:
    """At exit: every host is asked to quit and waited for (briefly), so none outlives
    the app and Qt does not destroy a QProcess whose process still runs."""
    global _stopped
    _stopped = True  # a page's late timer must not start another one now
    drop_warm()
    for host in list(_live):
        host.stop()
        host.wait_ended(QUIT_GRACE_MS)
