"""The app's own link page, in-process with the demo sandbox (scenario "fresh"): the
wizard walks to the link page by itself; we time entering the page (the moment Next is
pressed on the page before it) to Stripe's (sandbox) page painted in the web view, then go
back and check the web view's processes end and memory returns. Prints one JSON line.

Memory is the whole process tree (this process plus QtWebEngine's helper processes):
RSS summed, and PSS summed (shared pages split fairly; Linux only)."""

import json
import os
import sys
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))
sys.path.insert(0, str(Path(__file__).resolve().parent))

import psutil
from common import MB, make_app_like_the_app, tree_memory

SETTLE_S = 4.0  # how long to wait for the web view's processes to end after leaving
# Seconds spent on the Stripe status page before Next (argv[1]; 0: pressed the moment the
# page is ready, the worst case for a web host started on the sign-in page).
THINK_S = float(sys.argv[1]) if len(sys.argv) > 1 else 0.0


def is_web_process(p):
    """QtWebEngine's helpers, and the app's web host process that runs them."""
    try:
        return "QtWebEngine" in p.name() or "--web-host" in p.cmdline()
    except psutil.Error:
        return False


def web_processes(me):
    try:
        return [p for p in me.children(recursive=True) if is_web_process(p)]
    except psutil.Error:
        return []


def process_kinds(procs):
    """Chromium's process types (zygote, renderer, gpu-process, utility) from the command
    lines of QtWebEngine's helpers; "web-host" for the app's own child process."""
    kinds = []
    for p in procs:
        try:
            args = p.cmdline()
            kind = "web-host" if "--web-host" in args else next(
                (a.split("=", 1)[1] for a in args if a.startswith("--type=")), "?")
        except psutil.Error:
            continue
        kinds.append(kind)
    return sorted(kinds)


def main():
    from PySide6.QtCore import QTimer
    from stall import StallMeter

    from dentally_setup.app import gui_parser, start_demo
    from dentally_setup.flow.steps import Step
    from dentally_setup.gui.run import initial_state
    from dentally_setup.gui.wizard import SetupWizard

    args = gui_parser().parse_args(["--demo", "--demo-reset"])
    app = make_app_like_the_app(args)
    demo = start_demo(args)
    me = psutil.Process()
    wizard = SetupWizard(initial_state(args, demo), demo=demo)
    meter = StallMeter(parent=wizard)
    out = {}
    marks = {}

    def fail(reason):
        out["error"] = reason
        app.quit()

    def press_next(page, read=False):
        if wizard.currentPage() is not page or not page.autopilot_ready():
            return
        if page.nextId() == int(Step.LINK) and THINK_S and not read:
            # A person reads the status page before pressing Next.
            QTimer.singleShot(int(THINK_S * 1000), lambda: press_next(page, read=True))
            return
        if page.step == Step.WELCOME:
            # Before the sign-in page, which starts the web host ahead of time.
            own, rss, pss = tree_memory(me)
            out.update(start_rss_mb=rss / MB, start_pss_mb=pss / MB)
        if page.nextId() == int(Step.LINK):
            own, rss, pss = tree_memory(me)
            out.update(before_rss_mb=rss / MB, before_pss_mb=pss / MB, before_own_rss_mb=own / MB,
                       before_web_processes=process_kinds(web_processes(me)))
            marks["t0"] = time.perf_counter()
        wizard.next()

    def auto_next(page):
        if page.step < Step.LINK:
            QTimer.singleShot(0, lambda: press_next(page))
            return True
        return False

    def browser_created(browser):
        # Both kinds of browser report the first paint after the first load by the rule in
        # dentally_setup/gui/stripe_page/engine_paint.py (the web host forwards it).
        browser.painted.connect(painted)

    def painted():
        t1 = time.perf_counter()
        out["link_page_s"] = t1 - marks["t0"]
        out["link_stall_ms"] = meter.longest(marks["t0"], t1) * 1000
        QTimer.singleShot(500, measure_with_web)

    def measure_with_web():
        own, rss, pss = tree_memory(me)
        out.update(with_web_rss_mb=rss / MB, with_web_pss_mb=pss / MB, with_web_own_rss_mb=own / MB,
                   with_web_processes=process_kinds(web_processes(me)))
        marks["left"] = time.perf_counter()
        wizard.back()  # leave the link page: cleanupPage -> the web view is shut down
        QTimer.singleShot(250, watch_after)

    def watch_after():
        procs = web_processes(me)
        waited = time.perf_counter() - marks["left"]
        if procs and waited < SETTLE_S:
            QTimer.singleShot(250, watch_after)
            return
        if not procs:
            out["web_processes_gone_s"] = round(waited, 2)
        QTimer.singleShot(int(max(0.0, SETTLE_S - waited) * 1000), measure_after)

    def measure_after():
        own, rss, pss = tree_memory(me)
        out.update(after_rss_mb=rss / MB, after_pss_mb=pss / MB, after_own_rss_mb=own / MB,
                   after_web_processes=process_kinds(web_processes(me)))
        app.quit()

    wizard.set_auto_next(auto_next)
    wizard.browserCreated.connect(browser_created)
    QTimer.singleShot(90_000, lambda: fail("timed out"))
    wizard.show()
    meter.start()
    QTimer.singleShot(0, lambda: press_next(wizard.currentPage()))
    app.exec()
    meter.stop()
    demo.stop()
    if "error" in out or "after_rss_mb" not in out:
        print(json.dumps(out), flush=True)
        print(f"app_link_page: {out.get('error', 'did not finish')}", file=sys.stderr)
        os._exit(1)
    print(json.dumps(out), flush=True)
    os._exit(0)  # skip Chromium's teardown: it is not part of the measurement


if __name__ == "__main__":
    main()
