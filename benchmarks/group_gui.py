"""The wizard at a dental group's size: the `group` scenario (40 sites, 60 appointment
types) served by `dentally-setup sandbox` in its own process, as a real portal is (in
this process its server threads would compete with the window for the GIL). Walks to the
payment settings page by itself and measures, each painted before the clock stops:

- opening the settings page (Next on the account check -> the page ready with 40 sites
  read), and the longest GUI-thread stall during it;
- switching site (every site once, median and worst);
- rendering the review page (Next on the settings page -> the review painted);
- (each also as CPU time of the GUI thread, which a busy machine inflates less)
- the longest GUI-thread stall while all 40 sites save (a precise 5 ms timer, as
  benchmarks/stall.py); the portal answers each request after LATENCY seconds.

Prints one JSON line.
"""

import json
import os
import statistics
import sys
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))
sys.path.insert(0, str(Path(__file__).resolve().parent))

LATENCY = float(os.environ.get("BENCH_LATENCY", "0"))


def start_portal(state_dir):
    """`dentally-setup sandbox --scenario group` as a child; (process, URL, token)."""
    import subprocess

    proc = subprocess.Popen(
        [sys.executable, "-m", "dentally_setup", "sandbox", "--scenario", "group", "--reset",
         "--state-dir", str(state_dir), "--latency", str(LATENCY)],
        stdout=subprocess.PIPE, text=True)
    found = {}
    for line in proc.stdout:
        for key in ("Portal URL", "Token"):
            if line.startswith(key + ":"):
                found[key] = line.split()[2] if key == "Portal URL" else line.split()[1]
        if line.startswith("Press Ctrl+C"):
            break
    return proc, found["Portal URL"], found["Token"]


def main():
    import signal
    import tempfile

    from common import make_app_like_the_app
    from PySide6.QtCore import QTimer
    from stall import StallMeter

    from dentally_setup.app import gui_parser
    from dentally_setup.flow.state import WizardState
    from dentally_setup.flow.steps import Step
    from dentally_setup.gui.wizard import SetupWizard

    args = gui_parser().parse_args([])
    app = make_app_like_the_app(args)
    portal, url, token = start_portal(Path(tempfile.mkdtemp(prefix="bench-group-")))
    state = WizardState(demo=True, scenario="group", portal_url=url, token=token)
    wizard = SetupWizard(state)
    meter = StallMeter(parent=wizard)
    out = {"latency_s": LATENCY}
    marks = {}

    def long_gaps(since, until):
        # Where the long gaps were, in ms after ``since`` (for a diagnosis).
        clipped = ((t, min(t, until) - max(t - g, since)) for t, g in meter.gaps
                   if t >= since and t - g <= until)
        return [(round((t - since) * 1000), round(g * 1000, 1))
                for t, g in clipped if g > 0.012]

    def painted(page):
        page.repaint()  # synchronous: the page as the person sees it

    def on_settings(page):
        painted(page)
        marks["settings_ready"] = time.perf_counter()
        out["open_settings_ms"] = (marks["settings_ready"] - marks["to_settings"]) * 1000
        out["open_settings_cpu_ms"] = (time.thread_time() - marks["to_settings_cpu"]) * 1000
        out["open_settings_stall_ms"] = meter.longest(marks["to_settings"]) * 1000
        out["open_long_gaps"] = long_gaps(marks["to_settings"], marks["settings_ready"])
        switches, cpu = [], []
        for i in [*range(1, page.site.count()), 0]:
            start, start_cpu = time.perf_counter(), time.thread_time()
            page.site.setCurrentIndex(i)
            painted(page)
            switches.append(time.perf_counter() - start)
            cpu.append(time.thread_time() - start_cpu)
        out["switch_site_median_ms"] = statistics.median(switches) * 1000
        out["switch_site_worst_ms"] = max(switches) * 1000
        out["switch_site_cpu_median_ms"] = statistics.median(cpu) * 1000
        # One policy for the group, as the autopilot and an IT person would set it.
        page.same_for_all.setChecked(True)
        for box in (page.deposits_on, page.balances, page.invoices):
            box.setChecked(True)
        page.default.setText("25.00")
        page.default.textEdited.emit("25.00")
        marks["to_review"] = time.perf_counter()
        marks["to_review_cpu"] = time.thread_time()
        QTimer.singleShot(0, wizard.next)

    def on_review(page):
        painted(page)
        out["render_review_ms"] = (time.perf_counter() - marks["to_review"]) * 1000
        out["render_review_cpu_ms"] = (time.thread_time() - marks["to_review_cpu"]) * 1000
        out["sites"] = len(wizard.state.practice.sites)
        out["types"] = len(wizard.state.types)
        out["sites_to_save"] = len(page.plan.to_write)
        marks["save"] = time.perf_counter()
        QTimer.singleShot(0, page.save)

    def auto_next(page):
        step = page.step
        if step in (Step.WELCOME, Step.SIGN_IN, Step.STRIPE_STATUS):
            QTimer.singleShot(0, wizard.next)
        elif step == Step.ACCOUNT_CHECK:
            def go():
                marks["to_settings"] = time.perf_counter()
                marks["to_settings_cpu"] = time.thread_time()
                wizard.next()
            QTimer.singleShot(0, go)
        elif step == Step.SETTINGS:
            on_settings(page)
        elif step == Step.REVIEW and "save" not in marks:
            on_review(page)
        elif step == Step.REVIEW:
            marks["saved"] = time.perf_counter()
            QTimer.singleShot(0, app.quit)
        return True

    wizard.set_auto_next(auto_next)
    QTimer.singleShot(120_000, app.quit)
    wizard.show()
    meter.start()
    wizard.page_ready(wizard.currentPage())
    app.exec()
    meter.stop()
    portal.send_signal(signal.SIGTERM)  # our own child; it saves and stops
    portal.wait(timeout=30)
    if "saved" not in marks:
        print(f"group_gui: did not finish saving ({sorted(marks)})", file=sys.stderr)
        os._exit(1)
    out["save_s"] = marks["saved"] - marks["save"]
    out["save_stall_ms"] = meter.longest(marks["save"], marks["saved"]) * 1000
    out["sites_saved"] = len(wizard.state.saved)
    out["save_long_gaps"] = long_gaps(marks["save"], marks["saved"])
    print(json.dumps(out), flush=True)
    os._exit(0)


if __name__ == "__main__":
    main()
