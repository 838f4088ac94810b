"""Tests that hold on one platform only say so with a marker, and are skipped elsewhere with a
reason pytest's ``-ra`` summary shows; nothing passes or skips quietly on the wrong platform.

    @pytest.mark.linux_only(reason="reads memory maps the Linux way")
    @pytest.mark.posix_only(reason="signal.SIGKILL does not exist on Windows")
    @pytest.mark.needs_program("Xvfb", reason="a real X server")

A marker without a reason is refused at collection: the skip line must say why. A test
marked ``needs_program`` is skipped when the program is missing, except on CI (the ``CI``
variable GitHub Actions sets), where a missing program is a failure: CI installs them all.
The markers are registered in pyproject.toml; tests/conftest.py calls these functions.
"""

from __future__ import annotations

import os
import shutil
import sys
from collections.abc import Callable, Iterable, Mapping

import pytest
from pytest import Mark

# marker -> (the platforms it runs on, as sys.platform prefixes; how the skip line names them)
PLATFORM_MARKERS: dict[str, tuple[tuple[str, ...], str]] = {
    "linux_only": (("linux",), "Linux"),
    "windows_only": (("win32",), "Windows"),
    "macos_only": (("darwin",), "macOS"),
    "posix_only": (("linux", "darwin", "freebsd"), "Linux and macOS"),
}


def _reason(mark: Mark) -> str:
    reason = mark.kwargs.get("reason", "")
    if not isinstance(reason, str) or not reason.strip():
        raise pytest.UsageError(
            f"@pytest.mark.{mark.name} needs reason=\"...\": the skip line must say why")
    return reason


def platform_skip_reason(marks: Iterable[Mark], platform: str) -> str | None:
    """Why a test with these marks does not run on *platform* (a sys.platform value), or
    None when it runs there."""
    for mark in marks:
        if mark.name not in PLATFORM_MARKERS:
            continue
        prefixes, where = PLATFORM_MARKERS[mark.name]
        reason = _reason(mark)
        if not platform.startswith(prefixes):
            return f"{mark.name}: runs on {where} only ({reason}); this is {platform}"
    return None


def missing_program_reason(marks: Iterable[Mark],
                           which: Callable[[str], str | None] = shutil.which) -> str | None:
    """Why a test marked ``needs_program`` cannot run here (a program not on PATH)."""
    for mark in marks:
        if mark.name != "needs_program":
            continue
        reason = _reason(mark)
        missing = [name for name in mark.args if which(name) is None]
        if missing:
            return f"needs_program: {', '.join(missing)} not installed ({reason})"
    return None


def on_ci(environ: Mapping[str, str] = os.environ) -> bool:
    return environ.get("CI", "").lower() in ("true", "1")


def check_collected(items: Iterable[pytest.Item]) -> None:
    """pytest_collection_modifyitems: refuse a platform or program marker with no reason (on
    every platform, not only where it would skip), and mark for skipping what cannot run
    here, so that -ra names the test itself."""
    for item in items:
        marks = list(item.iter_markers())
        why = platform_skip_reason(marks, sys.platform)
        for mark in marks:
            if mark.name == "needs_program":
                _reason(mark)
        if why is None and not on_ci():
            why = missing_program_reason(marks)
        if why:
            item.add_marker(pytest.mark.skip(reason=why))


def check_item(item: pytest.Item) -> None:
    """pytest_runtest_setup: on CI a missing program fails the test instead (CI installs
    every program the tests need)."""
    why = missing_program_reason(item.iter_markers())
    if why and on_ci():
        pytest.fail(f"{why}; CI installs every program the tests need "
                    "(scripts/bootstrap, .github/workflows/platforms.yml)")
