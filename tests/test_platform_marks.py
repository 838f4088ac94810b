"""Tests for one platform only are marked so, and skipped elsewhere with a visible reason
(tests/platform_marks.py); a program a test needs is skipped when missing, a failure on CI."""

from __future__ import annotations

import os
import re
import subprocess
import sys
from pathlib import Path

import pytest

from tests.platform_marks import PLATFORM_MARKERS, missing_program_reason, platform_skip_reason

ROOT = Path(__file__).resolve().parent.parent
TESTS = ROOT / "tests"


def marks(*decorators: pytest.MarkDecorator) -> list:
    return [d.mark for d in decorators]


def test_a_test_for_another_platform_is_skipped_with_its_reason() -> None:
    linux = marks(pytest.mark.linux_only(reason="memory maps"))
    assert platform_skip_reason(linux, "linux") is None
    why = platform_skip_reason(linux, "win32")
    assert why == "linux_only: runs on Linux only (memory maps); this is win32"
    posix = marks(pytest.mark.posix_only(reason="SIGKILL"))
    assert platform_skip_reason(posix, "darwin") is None
    assert platform_skip_reason(posix, "linux") is None
    assert "Linux and macOS" in (platform_skip_reason(posix, "win32") or "")
    windows = marks(pytest.mark.windows_only(reason="GetParent"))
    assert platform_skip_reason(windows, "win32") is None
    assert "Windows only (GetParent)" in (platform_skip_reason(windows, "darwin") or "")
    assert platform_skip_reason(marks(pytest.mark.macos_only(reason="x")), "linux")
    assert platform_skip_reason(marks(pytest.mark.slow), "win32") is None


def test_a_platform_marker_must_say_why() -> None:
    with pytest.raises(pytest.UsageError, match="needs reason"):
        platform_skip_reason(marks(pytest.mark.linux_only), "win32")
    with pytest.raises(pytest.UsageError, match="needs reason"):
        platform_skip_reason(marks(pytest.mark.linux_only(reason=" ")), "linux")


def test_a_missing_program_is_named() -> None:
    mark = marks(pytest.mark.needs_program("Xvfb", "xauth", reason="a real X server"))
    assert missing_program_reason(mark, which=lambda name: f"/usr/bin/{name}") is None
    why = missing_program_reason(mark, which=lambda name: None if name == "Xvfb" else name)
    assert why == "needs_program: Xvfb not installed (a real X server)"


PROBE = '''
import pytest

@pytest.mark.{other}(reason="the probe's reason")
def test_elsewhere():
    raise AssertionError("ran on the wrong platform")

@pytest.mark.{here}(reason="runs here")
def test_here():
    pass

@pytest.mark.needs_program("dentally-no-such-program", reason="the probe needs it")
def test_needs():
    pass
'''


@pytest.mark.parametrize("ci", ["", "true"])
def test_the_hooks_skip_visibly_and_fail_on_ci(tmp_path: Path, ci: str) -> None:
    """A real pytest run with the project's settings (pyproject.toml: markers, -ra,
    --strict-markers) and the hooks tests/conftest.py installs."""
    here = next(m for m, (prefixes, _) in PLATFORM_MARKERS.items()
                if m != "posix_only" and sys.platform.startswith(prefixes))
    other = next(m for m, (prefixes, _) in PLATFORM_MARKERS.items()
                 if m != "posix_only" and not sys.platform.startswith(prefixes))
    (tmp_path / "conftest.py").write_text(
        "from tests.conftest import pytest_collection_modifyitems, pytest_runtest_setup\n",
        encoding="utf-8")
    (tmp_path / "test_probe.py").write_text(PROBE.format(other=other, here=here),
                                            encoding="utf-8")
    env = {**os.environ, "PYTHONPATH": str(ROOT), "CI": ci}
    done = subprocess.run(
        [sys.executable, "-m", "pytest", "-p", "no:cacheprovider", "-c",
         str(ROOT / "pyproject.toml"), "--rootdir", str(tmp_path), str(tmp_path)],
        cwd=tmp_path, env=env, capture_output=True, text=True, timeout=120)
    out = done.stdout
    assert re.search(rf"SKIPPED .*{other}: runs on .* only \(the probe's reason\)", out), out
    assert "ran on the wrong platform" not in out
    assert "needs_program: dentally-no-such-program not installed (the probe needs it)" in out
    if ci:
        assert done.returncode == 1, out
        assert "1 passed, 1 skipped, 1 error" in out, out
    else:
        assert done.returncode == 0, out
        assert "1 passed, 2 skipped" in out, out


# What makes a test hold on one platform only. A file that uses one of these must carry a
# platform marker (or skip with one), so that it is not run, and fails, on the wrong platform.
PLATFORM_BOUND = {
    "signal.SIGKILL": "no SIGKILL on Windows",
    "/proc/": "no /proc on Windows or macOS",
    "Xvfb": "X11 only",
    "xdotool": "X11 only",
    "os.fork": "no fork on Windows",
    "memory_maps": "memory maps the Linux way",
}


def test_platform_bound_tests_are_marked() -> None:
    unmarked = []
    for path in sorted(TESTS.rglob("test_*.py")):
        if path.name == Path(__file__).name:
            continue
        text = path.read_text(encoding="utf-8")
        used = [what for what in PLATFORM_BOUND if what in text]
        if used and not re.search(r"mark\.(linux|posix|windows|macos)_only", text):
            unmarked.append(f"{path.relative_to(ROOT)} uses {', '.join(used)}")
    assert not unmarked, unmarked


def test_no_platform_skipif_left() -> None:
    """Platform conditions are markers (one rule, one way to report), not ad-hoc skipifs."""
    found = []
    for path in sorted(TESTS.rglob("*.py")):
        text = path.read_text(encoding="utf-8")
        for m in re.finditer(r"skipif\((.{0,200}?)reason", text, re.S):
            if re.search(r"sys\.platform|os\.name|platform\.system", m.group(1)):
                found.append(str(path.relative_to(ROOT)))
    assert not found, found
