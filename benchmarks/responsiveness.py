"""GUI-thread responsiveness while the portal is slow: the app's wizard in-process with the
demo sandbox whose portal holds every API request for DELAY seconds (fault "delay"). The
sign-in page signs in by itself (the demo's token is set); a precise 5 ms timer measures the
longest gap between ticks while the sign-in requests are outstanding. Prints one JSON line."""

import json
import os
import sys
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))
sys.path.insert(0, str(Path(__file__).resolve().parent))

DELAY = float(os.environ.get("BENCH_PORTAL_DELAY", "2.0"))


def main():
    from common import make_app_like_the_app
    from PySide6.QtCore import QTimer
    from stall import StallMeter

    from dentally_setup.app import gui_parser, start_demo
    from dentally_setup.flow.steps import Step
    from dentally_setup.gui.run import initial_state
    from dentally_setup.gui.wizard import SetupWizard

    args = gui_parser().parse_args(["--demo", "--demo-reset", "--faults", f"delay:{DELAY}"])
    app = make_app_like_the_app(args)
    demo = start_demo(args)
    wizard = SetupWizard(initial_state(args, demo), demo=demo)
    sign_in = wizard.pages[Step.SIGN_IN]
    meter = StallMeter(parent=wizard)
    out = {"portal_delay_s": DELAY}
    marks = {}

    def tick_watch():
        # Note when the sign-in request starts and ends (polled every 1 ms, off the meter).
        now = time.perf_counter()
        if sign_in.working and "start" not in marks:
            marks["start"] = now
        if not sign_in.working and "start" in marks and "end" not in marks:
            marks["end"] = now

    def auto_next(page):
        if page.step == Step.WELCOME:
            QTimer.singleShot(0, wizard.next)
            return True
        if page.step == Step.SIGN_IN:
            marks.setdefault("end", time.perf_counter())
            QTimer.singleShot(0, app.quit)
            return True
        return False

    watch = QTimer()
    watch.setInterval(1)
    watch.timeout.connect(tick_watch)
    wizard.set_auto_next(auto_next)
    QTimer.singleShot(max(30_000, int(DELAY * 10_000)), app.quit)
    wizard.show()
    meter.start()
    watch.start()
    wizard.page_ready(wizard.currentPage())
    app.exec()
    meter.stop()
    demo.stop()
    if "start" not in marks:
        print("responsiveness: the sign-in request never started", file=sys.stderr)
        os._exit(1)
    start, end = marks["start"], marks["end"]
    # Gaps that began after the request was sent: the waiting itself. The page switch that
    # sends it (building and painting the sign-in page) is reported on its own.
    gaps = [g for t, g in meter.gaps if t - g >= start and t <= end]
    switch = max((g for t, g in meter.gaps if t - g < start <= t), default=0.0)
    out.update(
        outstanding_s=end - start,
        ticks=len(gaps),
        longest_stall_ms=max(gaps, default=0.0) * 1000,
        p99_gap_ms=sorted(gaps)[int(len(gaps) * 0.99) - 1] * 1000 if gaps else 0.0,
        page_switch_stall_ms=switch * 1000,
        longest_stall_whole_run_ms=meter.longest() * 1000,
        # where the long gaps were, in seconds after the request started (for a diagnosis)
        long_gaps=[(round(t - start, 3), round(g * 1000, 1))
                   for t, g in meter.gaps if start <= t <= end and g > 0.012],
    )
    print(json.dumps(out), flush=True)
    os._exit(0)


if __name__ == "__main__":
    main()
