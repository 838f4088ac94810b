"""Acceptance: a screen reader reaches every word. The real app runs the demo under its
autopilot on a real X server (Xvfb) with the accessibility bus running, and an accessibility
client reads its tree through AT-SPI, as Orca does, on every page: no focusable control
without a name, every result readable, the step list honest about focus, and Stripe's
sign-in form (Email, Password, Sign in) inside the app's own tree.

The client (atspi_tree.py) runs with the system's Python: Debian's python3-pyatspi is not
in the project's virtualenv. scripts/bootstrap installs it, with at-spi2-core and Xvfb."""

from __future__ import annotations

import json
import os
import shutil
import subprocess
import sys
import tempfile
from collections.abc import Iterator
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import pytest

from tests.gui.test_web_host_x11 import free_display
from tests.platform_marks import on_ci

SYSTEM_PYTHON = "/usr/bin/python3"
CLIENT = Path(__file__).with_name("atspi_tree.py")
BUS_LAUNCHER = "/usr/libexec/at-spi-bus-launcher"
APP = "DentallySetup"
# The pages of the demo (the titles the wizard shows), and the guidance page's, which the
# step list shows as "Link with Stripe".
STEPS = ("Welcome", "Sign in to the portal", "Stripe status", "Link with Stripe",
         "Account check", "Payment settings", "Review and save", "Done")
GUIDANCE = "A new Stripe account"
# What each demo scenario must let a screen reader read: (page, label's name, words in it).
RESULTS: dict[str, tuple[tuple[str, str, str], ...]] = {
    "fresh": (
        ("Welcome", "Environment", "DEMO"),
        ("Welcome", "What this assistant does", "link the practice's Stripe account"),
        ("Sign in to the portal", "Sign-in result", "Signed in."),
        ("Stripe status", "Stripe link status", "not linked to Stripe yet"),
        ("Account check", "Linked account", "Linked account:"),
        ("Account check", "Whether the account can take payments", "Ready"),
        ("Review and save", "Changes to be saved", "✔ Saved"),
        ("Done", "Summary", "deposit"),
    ),
    # The practice's account already serves the Dentally app: the guidance page, then a
    # new account made in Stripe's chooser.
    "already-connected": (
        ("Stripe status", "Stripe link status", "already serves the Dentally app"),
        (GUIDANCE, "Why a new account is needed", "Dentally app"),
        (GUIDANCE, "1. Sign in as usual: explanation", "usual Stripe login"),
        ("Account check", "The Dentally app's account", "Dentally app"),
        ("Done", "Summary", "deposit"),
    ),
}


pytestmark = [pytest.mark.linux_only(reason="AT-SPI, the Linux accessibility bus"),
              pytest.mark.needs_program("Xvfb", "dbus-daemon",
                                        reason="scripts/bootstrap installs them")]


def _atspi_missing() -> str:
    """What is missing of AT-SPI's own parts (not programs on the PATH)."""
    if not Path(BUS_LAUNCHER).exists() or not Path(SYSTEM_PYTHON).exists():
        return "needs at-spi2-core and the system's Python (scripts/bootstrap installs them)"
    found = subprocess.run([SYSTEM_PYTHON, "-c", "import pyatspi"], capture_output=True,
                           timeout=30, check=False)
    return "" if found.returncode == 0 else "needs python3-pyatspi (scripts/bootstrap)"


@dataclass
class Desktop:
    """A private X server and session bus, with AT-SPI behind it: what a desktop with a
    screen reader gives an app."""

    env: dict[str, str]

    def read(self) -> list[dict[str, Any]]:
        """The accessibility tree of every application, as the client reads it."""
        out = subprocess.run([SYSTEM_PYTHON, str(CLIENT), APP], env=self.env,
                             capture_output=True, text=True, timeout=60, check=False)
        assert out.returncode == 0, out.stderr[-2000:]
        return list(json.loads(out.stdout))

    def listen(self, heard: Path) -> subprocess.Popen[bytes]:
        """What the screen reader hears (announcements, changed descriptions) into ``heard``,
        one JSON line each, until stopped."""
        return subprocess.Popen([SYSTEM_PYTHON, str(CLIENT), "--listen"], env=self.env,
                                stdout=heard.open("wb"), stderr=subprocess.DEVNULL)

    def screen_reader_starts(self) -> None:
        """What Orca does as it starts: tell the bus an assistive technology is running."""
        subprocess.run([SYSTEM_PYTHON, str(CLIENT), "--enable"], env=self.env, timeout=60,
                       check=True)


@pytest.fixture
def desktop(qtbot: Any) -> Iterator[Desktop]:
    missing = _atspi_missing()
    if missing:  # as for a missing program: a failure on CI, which installs everything
        if on_ci():
            pytest.fail(missing)
        pytest.skip(missing)
    # A short private folder: the buses' sockets live in it (a socket path has ~100 bytes).
    root = Path(tempfile.mkdtemp(prefix="a11y-"))
    run = root / "run"
    run.mkdir(mode=0o700)
    (root / "home").mkdir()
    n = free_display()
    env = {k: v for k, v in os.environ.items()
           if k not in ("QT_QPA_PLATFORM", "DBUS_SESSION_BUS_ADDRESS", "AT_SPI_BUS_ADDRESS",
                        "QT_LINUX_ACCESSIBILITY_ALWAYS_ON", "QT_ACCESSIBILITY")}
    # The bus and what it starts (the AT-SPI bus, dconf) keep their files in here.
    env.update(DISPLAY=f":{n}", XDG_RUNTIME_DIR=str(run), HOME=str(root / "home"),
               DBUS_SESSION_BUS_ADDRESS=f"unix:path={run}/bus")
    procs = [subprocess.Popen(["Xvfb", f":{n}", "-screen", "0", "1280x900x24", "-nolisten",
                               "tcp"], stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)]
    try:
        procs.append(subprocess.Popen(
            ["dbus-daemon", "--session", "--nofork", f"--address=unix:path={run}/bus"],
            env=env, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL))
        qtbot.waitUntil(lambda: Path(f"/tmp/.X11-unix/X{n}").exists()
                        and (run / "bus").exists(), timeout=15000)
        yield Desktop(env)
    finally:
        # The AT-SPI bus launcher and the registry end with the session bus they serve.
        for proc in reversed(procs):
            proc.terminate()
            try:
                proc.wait(timeout=10)
            except subprocess.TimeoutExpired:
                proc.kill()
        shutil.rmtree(root, ignore_errors=True)


# ---- reading the tree ------------------------------------------------------------------


def walk(node: dict[str, Any]) -> Iterator[dict[str, Any]]:
    """Every node on screen: a screen reader's review keys reach nothing else."""
    if "showing" not in node.get("states", []) and node.get("role") != "application":
        return
    yield node
    for child in node.get("children", []):
        yield from walk(child)


def named(node: dict[str, Any]) -> bool:
    """A name a screen reader reads. On Linux a combo box's name is its current item (Qt's
    design), so what names it is the label it is "labelled by" (its buddy)."""
    if node["role"] == "combo box":
        return bool(node.get("labelled_by"))
    return bool(node["name"].strip())


def the_window(apps: list[dict[str, Any]]) -> dict[str, Any] | None:
    for app in apps:
        for child in app.get("children", []):
            if child["name"].startswith("Dentally Setup") and "showing" in child["states"]:
                return child
    return None


def find(nodes: list[dict[str, Any]], role: str, name: str) -> dict[str, Any] | None:
    return next((n for n in nodes if n["role"] == role and n["name"] == name), None)


def spoken(node: dict[str, Any]) -> str:
    """Roughly what a screen reader says for a node: name, role, description."""
    words = [node["name"] or "(no name)", node["role"]]
    if node.get("labelled_by"):
        words[0] = f"{node['labelled_by'][0].rstrip(':')} ({node['name']})"
    if node.get("description"):
        words.append(node["description"].replace("\n", " / "))
    if "selected" in node["states"]:
        words.append("selected")
    return ", ".join(words)


@dataclass
class Reading:
    """What the client saw, page by page."""

    unnamed: dict[str, set[str]] = field(default_factory=dict)
    texts: dict[str, set[str]] = field(default_factory=dict)
    transcript: dict[str, list[str]] = field(default_factory=dict)
    stripe_form_inside: bool = False
    stripe_form_elsewhere: bool = False
    focused_steps: set[str] = field(default_factory=set)
    other_apps: set[int] = field(default_factory=set)

    def take(self, apps: list[dict[str, Any]]) -> None:
        window = the_window(apps)
        if window is None:
            return
        self.other_apps.add(len(apps) - 1)
        nodes = list(walk(window))
        steps = find(nodes, "list", "Steps")
        current = [c["name"] for c in (steps or {}).get("children", [])
                   if "selected" in c["states"]]
        self.focused_steps |= {c["name"] for c in (steps or {}).get("children", [])
                               if "focused" in c["states"]}
        titles = [n["name"] for n in nodes
                  if n["role"] == "label" and n["name"] in (*STEPS, GUIDANCE)]
        shown_as = ["Link with Stripe"] if titles == [GUIDANCE] else titles
        if len(current) != 1 or shown_as != current:
            return  # between two pages: the list and the page's heading disagree
        page = titles[0]
        for n in nodes:
            if "focusable" in n["states"] and not named(n):
                self.unnamed.setdefault(page, set()).add(f"{n['role']} {n.get('text', '')!r}")
            if n["name"] or n["description"]:
                # What it is for, then what it says (its description, or its text).
                text = "" if "editable" in n["states"] else n.get("text", "")
                says = f"{n['description']} {text}".strip()
                self.texts.setdefault(page, set()).add(f"{n['name']}: {says}")
        # The page as last read, settled before the autopilot moved on.
        self.transcript[page] = [spoken(n) for n in nodes
                                 if n["role"] not in ("filler", "panel", "scroll bar")
                                 and (n["name"] or n["description"])]
        email = find(nodes, "entry", "Email") or find(nodes, "text", "Email")
        inside = (email and find(nodes, "password text", "Password")
                  and find(nodes, "push button", "Sign in"))
        self.stripe_form_inside |= bool(inside)
        for app in apps:
            if the_window([app]) is None:
                others = [n for c in app.get("children", []) for n in walk(c)]
                self.stripe_form_elsewhere |= bool(find(others, "password text", "Password"))

    def read_out(self, page: str, label: str, words: str) -> bool:
        """Whether the label named ``label`` was read with ``words`` on ``page``."""
        return any(t.startswith(f"{label}: ") and words in t for t in self.texts.get(page, ()))


@pytest.mark.parametrize("scenario", list(RESULTS))
def test_a_screen_reader_reaches_every_word(scenario: str, desktop: Desktop, tmp_path: Path,
                                            qtbot: Any) -> None:
    desktop.screen_reader_starts()
    heard_file = tmp_path / "heard.jsonl"
    listener = desktop.listen(heard_file)
    qtbot.waitUntil(lambda: "listening" in heard_file.read_text(), timeout=30000)
    env = dict(desktop.env, DENTALLY_SETUP_HOME=str(tmp_path / "app-home"))
    # The autopilot waits 4 s on each page and each Stripe screen: time to read the tree,
    # whose every read is a new client walking all of it (2.5 s once missed the Done page's
    # summary on a busy machine: the app had quit before the next read).
    app = subprocess.Popen(
        [sys.executable, "-m", "dentally_setup", "--demo", "--autopilot", "--autopilot-delay",
         "4000", "--scenario", scenario],
        env=env, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)
    reading = Reading()
    try:
        def read_until_the_end() -> bool:
            if app.poll() is not None:
                return True
            reading.take(desktop.read())
            return False

        qtbot.waitUntil(read_until_the_end, timeout=170000)
        out, err = app.communicate(timeout=30)
    finally:
        if app.poll() is None:
            app.kill()
            app.wait(timeout=10)
        listener.terminate()
        listener.wait(timeout=10)
    heard = [json.loads(line) for line in heard_file.read_text().splitlines()]
    print("\n".join(f"heard: {h}" for h in heard))
    assert out.strip(), err[-3000:]
    report = json.loads(out.strip().splitlines()[-1])
    assert report["outcome"] == "linked", err[-3000:]
    said = "\n".join(f"== {page}\n" + "\n".join(lines)
                     for page, lines in reading.transcript.items())
    print(said)  # what a screen reader reads, page by page (pytest -s shows it)

    pages = [*STEPS, GUIDANCE] if scenario == "already-connected" else STEPS
    assert [p for p in pages if p not in reading.transcript] == [], said
    assert reading.unnamed == {}, said
    # Results, and words, are read, not only the name of the label that holds them.
    for page, label, words in RESULTS[scenario]:
        assert reading.read_out(page, label, words), (page, label, said)
    welcome = "\n".join(reading.transcript["Welcome"])
    assert f"Demo scenario ({scenario}), combo box" in welcome, welcome
    # The step list marks the current step as selected and never claims the focus.
    assert reading.focused_steps == set(), said
    # With a screen reader running, Stripe's form is inside the app's window, and no second
    # "DentallySetup" (a web host) holds it.
    assert reading.stripe_form_inside, said
    assert not reading.stripe_form_elsewhere
    assert reading.other_apps == {0}
    # Results are spoken as they appear: announced by the app, not only there to be found.
    said_aloud = [(h["name"], h["said"]) for h in heard if h["type"] == "object:announcement"]
    for label, words in (("Sign-in result", "Signed in."),
                         ("Stripe link status", "not linked to Stripe yet"),
                         ("Link progress", "Linked."),
                         ("Whether the account can take payments", "Ready"),
                         ("Changes to be saved", "✔ Saved")):
        assert any(n == label and words in s for n, s in said_aloud), (label, said_aloud)
    # Said once: the same words again are not news.
    assert len(said_aloud) == len(set(said_aloud)), said_aloud


def test_a_problem_is_read_out_as_it_appears(desktop: Desktop, tmp_path: Path,
                                             qtbot: Any) -> None:
    """The portal's first answer is garbled: the sign-in page shows a problem, and the screen
    reader is interrupted to read it (what, what next, the code for support)."""
    desktop.screen_reader_starts()
    heard_file = tmp_path / "heard.jsonl"
    listener = desktop.listen(heard_file)
    qtbot.waitUntil(lambda: "listening" in heard_file.read_text(), timeout=30000)
    env = dict(desktop.env, DENTALLY_SETUP_HOME=str(tmp_path / "app-home"))
    app = subprocess.Popen(
        [sys.executable, "-m", "dentally_setup", "--demo", "--autopilot", "--autopilot-delay",
         "0", "--scenario", "fresh", "--faults", "malformed:1"],
        env=env, stdout=subprocess.DEVNULL, stderr=subprocess.PIPE, text=True)

    def announced() -> list[dict[str, Any]]:
        heard = [json.loads(line) for line in heard_file.read_text().splitlines()]
        return [h for h in heard if h["type"] == "object:announcement" and h["name"] == "Problem"]

    try:
        def problem_read_out() -> bool:
            assert app.poll() is None, "the app ended before it showed the problem"
            return bool(announced())

        qtbot.waitUntil(problem_read_out, timeout=60000)
    finally:
        app.kill()
        app.wait(timeout=10)
        listener.terminate()
        listener.wait(timeout=10)
    problem = announced()[0]
    assert problem["said"].startswith("Problem: "), problem
    assert "\nCode for support: DS-" in problem["said"], problem
    assert problem["description"] == problem["said"]  # and there to be read again later
