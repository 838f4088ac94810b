"""The web host process seen from the app: starting it, its socket, and the *warm* host.

``WebHostProcess`` starts ``dentally-setup --web-host`` with QProcess (without the app's own
DENTALLY_* variables, which carry its secrets), listens only to the connection that proves
it is that process with the one-time nonce, queues commands until it has said hello, relays
its log records into our (redacted) log, and ends it (politely, then by force).

Start-up: ``app_side_lifecycle`` asks for a *warm* host (``prewarm``) on the steps before
Stripe's page: a process that has started Python and Qt and waits. The link page then only
has to start Chromium in it (``take_host``). An unclaimed warm host ends by itself after
``WARM_TTL_MS``.
"""

from __future__ import annotations

import hmac
import itertools
import logging
import os
import secrets
import sys
from collections.abc import Callable
from typing import Any, ClassVar

from PySide6.QtCore import QCoreApplication, QObject, QProcess, QProcessEnvironment, QTimer, Signal
from PySide6.QtNetwork import QLocalServer, QLocalSocket

from dentally_setup.gui.stripe_page.protocol import (
    NONCE_ENV,
    SCRIPTS_ARG,
    SERVER_ARG,
    Command,
    Event,
    LineBuffer,
    ProtocolError,
    decode,
    encode,
)

log = logging.getLogger(__name__)

WARM_TTL_MS = 120_000  # an unclaimed warm host gives its memory back after two minutes
QUIT_GRACE_MS = 3_000  # then the host is killed
START_TIMEOUT_MS = 30_000
# The app's own variables carry its secrets (the portal token, the demo token, the sandbox's
# Stripe key) and the host needs none of them: it gets every DENTALLY_* variable removed.
_OWN_ENV_PREFIX = "DENTALLY_"


def host_command(software_rendering: bool, allow_scripts: bool = False) -> tuple[str, list[str]]:
    """How to start the host: the built app runs itself; from source, ``-m dentally_setup``."""
    args = [SERVER_ARG]
    if software_rendering:
        args.append("--software-rendering")
    if allow_scripts:
        args.append(SCRIPTS_ARG)
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

    def __init__(self, software_rendering: bool = False, allow_scripts: bool = False) -> None:
        super().__init__()
        self.allow_scripts = allow_scripts
        self._nonce = secrets.token_hex(16)
        self._server = QLocalServer(self)
        self._server.setSocketOptions(QLocalServer.SocketOption.UserAccessOption)
        name = f"dentally-setup-web-{os.getpid()}-{next(self._names)}-{secrets.token_hex(4)}"
        if not self._server.listen(name):
            raise OSError(f"cannot open a local socket: {self._server.errorString()}")
        self._server.newConnection.connect(self._accept)
        self._socket: QLocalSocket | None = None
        # Connections that have not said hello yet, each with its own line buffer: any local
        # program of this user can connect, and only the one with the nonce is listened to.
        self._candidates: dict[QLocalSocket, LineBuffer] = {}
        self._lines = LineBuffer()
        self._queue: list[bytes] = []
        self.connected = False
        self.finished = False

        self._process = QProcess(self)
        env = QProcessEnvironment.systemEnvironment()
        for key in env.keys():
            if key.startswith(_OWN_ENV_PREFIX):
                env.remove(key)
        env.insert(NONCE_ENV, self._nonce)
        self._process.setProcessEnvironment(env)
        self._process.setProcessChannelMode(QProcess.ProcessChannelMode.MergedChannels)
        self._process.readyReadStandardOutput.connect(self._child_output)
        self._process.finished.connect(self._process_finished)
        self._process.errorOccurred.connect(self._process_error)
        program, args = host_command(software_rendering, allow_scripts)
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
        self.send({"cmd": Command.QUIT})
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
        while self._server.hasPendingConnections():
            socket = self._server.nextPendingConnection()
            if socket is None:
                return
            if self.connected:  # only the process we started may talk to us
                socket.abort()
                continue
            self._candidates[socket] = LineBuffer()
            socket.readyRead.connect(lambda s=socket: self._read_hello(s))
            socket.disconnected.connect(lambda s=socket: self._candidates.pop(s, None))

    def _read_hello(self, socket: QLocalSocket) -> None:
        """A new connection's first line must be our hello with the nonce. Anything else
        (a wrong nonce, one that is not ASCII, a line that is not JSON) closes that
        connection only: the real host may still connect after it."""
        lines_in = self._candidates.get(socket)
        if lines_in is None or self.connected:
            return
        try:
            lines = lines_in.feed(bytes(socket.readAll().data()))
            if not lines:
                return
            greeted = _is_our_hello(decode(lines[0]), self._nonce)
        except Exception as exc:  # a hostile or broken first line: that connection only
            log.warning("a local connection sent a bad first message (%s); closed",
                        type(exc).__name__)
            greeted = False
        if not greeted:
            log.warning("a local connection did not identify itself as the web host; closed")
            self._candidates.pop(socket, None)
            socket.abort()
            socket.deleteLater()
            return
        del self._candidates[socket]
        socket.readyRead.disconnect()
        self._drop_candidates()
        self._socket = socket
        self._lines = lines_in  # with whatever part of a next line came with the hello
        socket.readyRead.connect(self._read)
        socket.disconnected.connect(lambda: self._fail("closed its connection"))
        self._greeted()
        self._handle(lines[1:])

    def _drop_candidates(self) -> None:
        for other in list(self._candidates):
            other.abort()
            other.deleteLater()
        self._candidates.clear()

    def _read(self) -> None:
        assert self._socket is not None
        try:
            lines = self._lines.feed(bytes(self._socket.readAll().data()))
        except ProtocolError:
            self._fail("sent an over-long message", kill=True)
            return
        self._handle(lines)

    def _handle(self, lines: list[bytes]) -> None:
        for line in lines:
            try:
                msg = decode(line)
            except ProtocolError as exc:
                log.warning("ignored a message from the web host: %s", exc)
                continue
            try:
                handler = self.HANDLERS.get(Event(str(msg.get("ev"))))
            except ValueError:  # not an event: the browser logs and ignores it
                handler = None
            if handler is not None:
                handler(self, msg)
            else:  # the rest is for the browser (RemoteLinkBrowser.HANDLERS)
                self.message.emit(msg)

    def _on_log(self, msg: dict[str, Any]) -> None:
        _relay_log(msg)

    def _on_hello_again(self, _msg: dict[str, Any]) -> None:
        log.warning("the web host said hello twice; ignored")

    # The host's events this object handles itself (the first hello in _read_hello); the
    # rest go out as ``message`` to the browser. A test holds both tables to Event.
    HANDLERS: ClassVar[dict[Event, Callable[[WebHostProcess, dict[str, Any]], None]]] = {
        Event.HELLO: _on_hello_again,
        Event.LOG: _on_log,
    }

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
        self._drop_candidates()
        if self._process.state() != QProcess.ProcessState.NotRunning:
            if kill:
                self._process.kill()
            else:
                QTimer.singleShot(QUIT_GRACE_MS, self, self._kill)
        log.info("web host ended: %s", why)
        self.ended.emit(why)


def _is_our_hello(msg: dict[str, Any], nonce: str) -> bool:
    """The host's hello carries the nonce; compared as bytes (a text comparison raises on a
    non-ASCII string) and in constant time."""
    given = msg.get("nonce")
    return (msg.get("ev") == Event.HELLO and isinstance(given, str)
            and hmac.compare_digest(given.encode("utf-8"), nonce.encode("utf-8")))


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


def prewarm(software_rendering: bool = False, allow_scripts: bool = False) -> None:
    """Start a host now, so the link page finds one ready (the page before calls this)."""
    global _warm, _warm_timer
    if _stopped:
        return  # the app is quitting
    if _warm is not None and not _warm.finished and _warm.allow_scripts == allow_scripts:
        _warm_timer_restart()
        return
    drop_warm()
    try:
        _warm = _track(WebHostProcess(software_rendering, allow_scripts))
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


def take_host(software_rendering: bool = False, allow_scripts: bool = False) -> WebHostProcess:
    """The warm host if there is a live one started for the same use, else a new one."""
    global _warm
    host, _warm = _warm, None
    if _warm_timer is not None:
        _warm_timer.stop()
    if host is not None and not host.finished:
        if host.allow_scripts == allow_scripts:
            return host
        host.stop()
    return _track(WebHostProcess(software_rendering, allow_scripts))


def stop_all() -> None:
    """At exit: every host is asked to quit and waited for (briefly), so none outlives
    the app and Qt does not destroy a QProcess whose process still runs."""
    global _stopped
    _stopped = True  # a page's late timer must not start another one now
    drop_warm()
    for host in list(_live):
        host.stop()
        host.wait_ended(QUIT_GRACE_MS)
