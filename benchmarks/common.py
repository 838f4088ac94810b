"""Shared helpers for the benchmarks: running a child process while measuring its time and
the memory of its whole process tree, medians, and Qt set-up for in-process scripts."""

from __future__ import annotations

import os
import statistics
import subprocess
import sys
import threading
import time
from dataclasses import dataclass, field
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
BENCH = Path(__file__).resolve().parent
PYTHON = sys.executable
MB = 1024 * 1024


def is_root_on_linux() -> bool:
    return sys.platform.startswith("linux") and hasattr(os, "geteuid") and os.geteuid() == 0


def child_env(home: Path | str | None = None, **extra: str) -> dict[str, str]:
    """An environment for a benchmarked child: offscreen, an isolated home (no saved portal,
    no progress), the project importable."""
    env = dict(os.environ)
    env.setdefault("QT_QPA_PLATFORM", "offscreen")
    env["PYTHONPATH"] = os.pathsep.join(p for p in (str(ROOT), env.get("PYTHONPATH")) if p)
    env.pop("DENTALLY_PORTAL_URL", None)
    env.pop("DENTALLY_PORTAL_TOKEN", None)
    if home is not None:
        env["DENTALLY_SETUP_HOME"] = str(home)
    env.update(extra)
    return env


def tree_memory(proc) -> tuple[int, int, int]:
    """(RSS of the process, RSS summed over the process and all its descendants, PSS summed
    over the tree where the system reports it, else the RSS sum), in bytes. Shared
    libraries count once per process in the RSS sum and are split fairly in PSS."""
    import psutil

    try:
        procs = [proc, *proc.children(recursive=True)]
    except psutil.Error:
        return 0, 0, 0
    own = total = pss = 0
    for p in procs:
        try:
            rss = p.memory_info().rss
        except psutil.Error:
            continue
        total += rss
        if p is proc:
            own = rss
        try:
            pss += getattr(p.memory_full_info(), "pss", rss)
        except psutil.Error:
            pss += rss
    return own, total, pss


def _vm_hwm(pid: int) -> int:
    """The process's peak RSS so far from /proc (Linux), in bytes; 0 where unknown."""
    try:
        with open(f"/proc/{pid}/status", encoding="ascii") as f:
            for line in f:
                if line.startswith("VmHWM:"):
                    return int(line.split()[1]) * 1024
    except (OSError, ValueError):
        pass
    return 0


@dataclass
class RunResult:
    seconds: float
    returncode: int
    stdout: str
    stderr: str
    peak_rss: int = 0  # the main process, bytes
    peak_tree_rss: int = 0  # sampled, whole tree, bytes
    samples: list[tuple[float, int, int]] = field(default_factory=list)
    cpu_seconds: float = 0.0  # user + system of the main process (POSIX), 0 if unknown


def run_measured(cmd: list[str], env: dict[str, str], *, sample_ms: float = 10.0,
                 timeout: float = 180.0, cwd: Path | None = None) -> RunResult:
    """Run ``cmd``; time launch to exit; sample the tree's RSS every ``sample_ms``; on
    POSIX also read the main process's exact peak RSS from wait4().

    On Linux, wait4()'s peak is the larger of the child's own and this process's peak RSS
    (the child is spawned with our address space, and exec keeps the high-water mark of the
    one it replaces), so a benchmark that had grown to 41 MB reported 41 MB for a 28 MB
    child. When the reported peak is not above our own, the child's VmHWM (its own
    high-water mark, reset by exec) sampled from /proc is used instead."""
    import psutil

    start = time.perf_counter()
    popen = subprocess.Popen(cmd, env=env, cwd=cwd or ROOT, stdout=subprocess.PIPE,
                             stderr=subprocess.PIPE, text=True)
    out: list[str] = []
    err: list[str] = []
    readers = [threading.Thread(target=lambda s=s, b=b: b.append(s.read()), daemon=True)
               for s, b in ((popen.stdout, out), (popen.stderr, err))]
    for t in readers:
        t.start()
    peak_own = peak_tree = peak_hwm = 0
    samples: list[tuple[float, int, int]] = []
    try:
        proc = psutil.Process(popen.pid)
    except psutil.Error:
        proc = None
    stop = threading.Event()

    def sample() -> None:
        nonlocal peak_own, peak_tree, peak_hwm
        while not stop.is_set() and proc is not None:
            peak_hwm = max(peak_hwm, _vm_hwm(popen.pid))
            own, tree, _ = tree_memory(proc)
            if own:
                samples.append((time.perf_counter() - start, own, tree))
                peak_own, peak_tree = max(peak_own, own), max(peak_tree, tree)
            stop.wait(sample_ms / 1000)

    sampler = threading.Thread(target=sample, daemon=True)
    sampler.start()
    exact_peak = 0
    cpu = 0.0
    try:
        if hasattr(os, "wait4"):
            # A blocking wait returns the moment the child ends, and burns no CPU meanwhile
            # (polling every 0.5 ms cost a quarter of a core, taken from whatever else this
            # process runs, e.g. cli_group's sandbox portal); a timer enforces the timeout.
            killer = threading.Timer(timeout, popen.kill)
            killer.start()
            try:
                _pid, status, usage = os.wait4(popen.pid, 0)
            finally:
                killer.cancel()
            seconds = time.perf_counter() - start
            if seconds >= timeout:
                raise subprocess.TimeoutExpired(cmd, timeout)
            popen.returncode = os.waitstatus_to_exitcode(status)
            exact_peak = usage.ru_maxrss * 1024  # kilobytes on Linux
            if exact_peak <= _vm_hwm(os.getpid()) and peak_hwm:
                exact_peak = peak_hwm  # ours, not the child's (see above)
            cpu = usage.ru_utime + usage.ru_stime
        else:
            popen.wait(timeout)
            seconds = time.perf_counter() - start
    finally:
        stop.set()
        sampler.join()
        for t in readers:
            t.join(5)
    return RunResult(seconds, int(popen.returncode or 0), "".join(out), "".join(err),
                     max(exact_peak, peak_own), max(peak_tree, exact_peak, peak_own), samples,
                     cpu)


def median(values: list[float]) -> float:
    return statistics.median(values) if values else float("nan")


def run_script(name: str, args: list[str], env: dict[str, str],
               timeout: float = 180.0) -> dict:
    """Run ``benchmarks/<name>`` in a fresh interpreter; it prints one JSON line last."""
    import json

    res = run_measured([PYTHON, str(BENCH / name), *args], env, timeout=timeout)
    lines = [ln for ln in res.stdout.splitlines() if ln.startswith("{")]
    if res.returncode != 0 or not lines:
        raise RuntimeError(f"{name} failed ({res.returncode}):\n{res.stdout[-2000:]}\n"
                           f"{res.stderr[-3000:]}")
    data = json.loads(lines[-1])
    data["_peak_rss"] = res.peak_rss
    data["_peak_tree_rss"] = res.peak_tree_rss
    data["_seconds"] = res.seconds
    return data


def chromium_flags_for_bare() -> None:
    """The one flag Chromium needs to start as root on Linux (the app adds it itself)."""
    if is_root_on_linux():
        flags = os.environ.get("QTWEBENGINE_CHROMIUM_FLAGS", "").split()
        if "--no-sandbox" not in flags:
            flags.append("--no-sandbox")
        os.environ["QTWEBENGINE_CHROMIUM_FLAGS"] = " ".join(flags)


def make_app_like_the_app(args):
    """The app's own QApplication set-up (gui.run.make_app), whichever signature it has
    today (it gained the saved config as a second argument)."""
    import inspect

    from dentally_setup.gui import run

    if len(inspect.signature(run.make_app).parameters) > 1:
        from dentally_setup.store.config import load_config

        return run.make_app(args, load_config())
    return run.make_app(args)
