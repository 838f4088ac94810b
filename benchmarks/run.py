"""Run every benchmark and print one table (Markdown). Not a pass/fail check: it reports.

    .venv/bin/python benchmarks/run.py                 # all figures, 5 runs each
    .venv/bin/python benchmarks/run.py --runs 3 --output docs/benchmarks-table.md
    .venv/bin/python benchmarks/run.py --installed     # also the built app in dist/ (builds
                                                       # it first when missing)

Each figure is the median of --runs runs, each run a fresh process, and is set against a
baseline measured in the same run (app and baseline runs alternate, so a busy machine
slows both). Needs psutil (in the test extras).
"""

from __future__ import annotations

import argparse
import datetime as dt
import json
import os
import platform
import subprocess
import sys
import tempfile
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))

from build_size import folder_mb, size_target
from common import BENCH, MB, PYTHON, ROOT, child_env, median, run_measured, run_script

# A person reads the Stripe status page ("Next, Stripe's own page opens...") before Next.
READ_STATUS_S = 1.0

# On Windows the console front door (the windowed DentallySetup.exe has no stdout).
DIST_APP = ROOT / "dist" / "DentallySetup" / (
    "dentally-setup.exe" if sys.platform == "win32" else "DentallySetup")


def log(text: str) -> None:
    print(f"[bench] {text}", file=sys.stderr, flush=True)


# ---- the figures ----------------------------------------------------------------------------

def startup(runs: int, home: Path, frozen: Path | None) -> dict:
    """Launch to the first wizard page painted (the process exits right after it), and the
    peak RSS up to then: production mode (no demo, nothing saved) against a bare QWizard."""
    env = child_env(home)
    cmds = {
        "bare": [PYTHON, str(BENCH / "bare_wizard.py")],
        "app": [PYTHON, "-m", "dentally_setup", "--quit-after-first-paint"],
    }
    if frozen is not None:
        cmds["installed"] = [str(frozen), "--quit-after-first-paint"]
    results: dict[str, list] = {k: [] for k in cmds}
    for cmd in cmds.values():  # warm-up: file cache, first-run folders
        run_measured(cmd, env)
    for i in range(runs):
        for name, cmd in cmds.items():
            res = run_measured(cmd, env)
            if res.returncode != 0:
                raise RuntimeError(f"{name} start-up failed: {res.stderr[-2000:]}")
            results[name].append(res)
        log(f"start-up run {i + 1}/{runs}: " + ", ".join(
            f"{k} {v[-1].seconds:.3f}s" for k, v in results.items()))
    return {name: {"seconds": median([r.seconds for r in rs]),
                   "peak_mb": median([r.peak_tree_rss for r in rs]) / MB}
            for name, rs in results.items()}


def link_page(runs: int, home: Path) -> dict:
    env = child_env(home)
    app_runs, bare_runs, read_runs = [], [], []
    for i in range(runs):
        bare_runs.append(run_script("bare_webview.py", [], env))
        app_runs.append(run_script("app_link_page.py", [], env))
        read_runs.append(run_script("app_link_page.py", [str(READ_STATUS_S)], env))
        log(f"link page run {i + 1}/{runs}: bare {bare_runs[-1]['link_page_s']:.3f}s, "
            f"app {app_runs[-1]['link_page_s']:.3f}s, "
            f"app after {READ_STATUS_S:g} s on the status page {read_runs[-1]['link_page_s']:.3f}s")

    def med(key: str, rs: list) -> float:
        return median([r[key] for r in rs])

    return {
        "app_s": med("link_page_s", app_runs),
        "read_s": med("link_page_s", read_runs),
        "bare_s": med("link_page_s", bare_runs),
        "stall_ms": med("link_stall_ms", app_runs),
        "start_pss": med("start_pss_mb", app_runs),
        "start_rss": med("start_rss_mb", app_runs),
        "before_pss": med("before_pss_mb", app_runs),
        "with_web_pss": med("with_web_pss_mb", app_runs),
        "after_pss": med("after_pss_mb", app_runs),
        "before_rss": med("before_rss_mb", app_runs),
        "after_rss": med("after_rss_mb", app_runs),
        "before_own": med("before_own_rss_mb", app_runs),
        "after_own": med("after_own_rss_mb", app_runs),
        "with_web_processes": app_runs[-1]["with_web_processes"],
        "after_processes": app_runs[-1]["after_web_processes"],
        "gone_s": app_runs[-1].get("web_processes_gone_s"),
        "bare_peak_tree_mb": median([r["_peak_tree_rss"] for r in bare_runs]) / MB,
    }


def responsiveness(runs: int, home: Path) -> dict:
    env = child_env(home)
    rs = []
    for i in range(runs):
        rs.append(run_script("responsiveness.py", [], env, timeout=120))
        log(f"responsiveness run {i + 1}/{runs}: longest stall {rs[-1]['longest_stall_ms']:.1f} ms")
    return {"worst_ms": max(r["longest_stall_ms"] for r in rs),
            "median_ms": median([r["longest_stall_ms"] for r in rs]),
            "p99_ms": median([r["p99_gap_ms"] for r in rs]),
            "outstanding_s": median([r["outstanding_s"] for r in rs]),
            "switch_ms": max(r["page_switch_stall_ms"] for r in rs),
            "delay_s": rs[0]["portal_delay_s"]}


def whole_demo(runs: int, exe: list[str], label: str) -> dict:
    secs, peaks, own, codes = [], [], [], []
    for i in range(runs):
        with tempfile.TemporaryDirectory() as home:
            res = run_measured([*exe, "--demo", "--autopilot", "--autopilot-delay", "0"],
                               child_env(home), timeout=300)
        last = [ln for ln in res.stdout.splitlines() if ln.startswith("{")]
        outcome = json.loads(last[-1]).get("outcome") if last else None
        codes.append(res.returncode)
        if outcome != "linked":
            raise RuntimeError(f"{label} demo failed ({res.returncode}, {outcome}):\n"
                               f"{res.stdout[-1500:]}\n{res.stderr[-3000:]}")
        secs.append(res.seconds)
        peaks.append(res.peak_tree_rss / MB)
        own.append(res.peak_rss / MB)
        log(f"{label} demo run {i + 1}/{runs}: {res.seconds:.2f}s, tree peak {peaks[-1]:.0f} MB")
    return {"seconds": median(secs), "peak_tree_mb": median(peaks), "peak_main_mb": median(own),
            "exit_codes": codes}


def build_sizes() -> dict | None:
    folder = DIST_APP.parent
    if not folder.is_dir():
        return None
    archives = sorted(folder.parent.glob("DentallySetup-*.tar.gz"), key=os.path.getmtime)
    out = {"folder_mb": folder_mb(folder)}
    if archives:
        out["archive"] = archives[-1].name
        out["archive_mb"] = archives[-1].stat().st_size / MB
    return out


# ---- the report ---------------------------------------------------------------------------

def machine() -> str:
    cpu = platform.processor() or platform.machine()
    try:
        for line in Path("/proc/cpuinfo").read_text().splitlines():
            if line.startswith("model name"):
                cpu = line.split(":", 1)[1].strip()
                break
    except OSError:
        pass
    import psutil
    import PySide6

    return (f"{cpu}, {os.cpu_count()} cores, {psutil.virtual_memory().total / 2**30:.0f} GB RAM, "
            f"{platform.system()} {platform.release()}, Python {platform.python_version()}, "
            f"PySide6 {PySide6.__version__}, QT_QPA_PLATFORM=offscreen (no screen)")


def verdict(ok: bool | None) -> str:
    return "—" if ok is None else ("yes" if ok else "**no**")


def app_rows(r: dict) -> list[tuple[str, ...]]:
    """The single-practice figures (start-up, link page, responsiveness, whole demo)."""
    rows = []
    s = r["startup"]
    ratio = s["app"]["seconds"] / s["bare"]["seconds"]
    rows.append(("Start-up: launch → first page painted (production mode)",
                 f"{s['app']['seconds']:.3f} s", f"{s['bare']['seconds']:.3f} s (bare QWizard)",
                 f"{ratio:.2f}×", "≤ 1.3×", verdict(ratio <= 1.3)))
    if "installed" in s:
        ratio = s["installed"]["seconds"] / s["bare"]["seconds"]
        rows.append(("Start-up, installed build (dist/)", f"{s['installed']['seconds']:.3f} s",
                     f"{s['bare']['seconds']:.3f} s (bare QWizard)", f"{ratio:.2f}×", "≤ 1.3×",
                     verdict(ratio <= 1.3)))
    ratio = s["app"]["peak_mb"] / s["bare"]["peak_mb"]
    rows.append(("Memory: peak RSS before the link page (start-up)",
                 f"{s['app']['peak_mb']:.0f} MB", f"{s['bare']['peak_mb']:.0f} MB (bare QWizard)",
                 f"{ratio:.2f}×", "≤ 1.3×", verdict(ratio <= 1.3)))
    lp = r["link"]
    delta = lp["after_pss"] - lp["before_pss"]
    since_start = lp["after_pss"] - lp["start_pss"]
    rows.append(("Memory: all processes after leaving the link page (demo; PSS sum, RSS sum, "
                 "main process RSS)",
                 f"{lp['after_pss']:.0f} / {lp['after_rss']:.0f} / {lp['after_own']:.0f} MB "
                 f"(with the page shown: {lp['with_web_pss']:.0f} MB PSS)",
                 f"{lp['before_pss']:.0f} / {lp['before_rss']:.0f} / {lp['before_own']:.0f} MB "
                 "just before entering it (the idle web host included); "
                 f"{lp['start_pss']:.0f} MB PSS, {lp['start_rss']:.0f} MB RSS on the welcome "
                 "page, before any web host",
                 f"{delta:+.0f} MB PSS, {lp['after_rss'] - lp['before_rss']:+.0f} MB RSS; "
                 f"since the welcome page {since_start:+.0f} MB PSS, "
                 f"{lp['after_rss'] - lp['start_rss']:+.0f} MB RSS",
                 "≤ +20 MB", verdict(delta <= 20)))
    left = lp["after_processes"]
    rows.append(("Web view processes left after leaving the link page",
                 f"{len(left)} ({', '.join(left) or 'none'})",
                 f"{len(lp['with_web_processes'])} while shown "
                 f"({', '.join(lp['with_web_processes'])})",
                 "—", "0", verdict(not left)))
    ratio = lp["read_s"] / lp["bare_s"]
    rows.append(("Link page: enter → Stripe's (sandbox) page painted, after "
                 f"{READ_STATUS_S:g} s on the status page (the web host starts on the sign-in "
                 "page)", f"{lp['read_s']:.3f} s",
                 f"{lp['bare_s']:.3f} s (bare QWebEngineView script)",
                 f"{ratio:.2f}×", "≤ 1.5×", verdict(ratio <= 1.5)))
    ratio = lp["app_s"] / lp["bare_s"]
    # The target assumes a person, who spends a moment on the page before (the row above);
    # with no pause at all the web host is still starting. Kept for information.
    rows.append(("(info) Link page, no pause: Next pressed the moment each page is ready "
                 "(about 0.1 s from the sign-in page to the link page: the web host is still "
                 "starting)",
                 f"{lp['app_s']:.3f} s", f"{lp['bare_s']:.3f} s (bare QWebEngineView script)",
                 f"{ratio:.2f}×", "—", "(info)"))
    rs = r["resp"]
    rows.append((f"Responsiveness: longest GUI stall, portal {rs['delay_s']:.0f} s slow "
                 "(sign-in)", f"{rs['worst_ms']:.0f} ms (median of runs {rs['median_ms']:.0f} ms, "
                 f"p99 gap {rs['p99_ms']:.1f} ms)", "5 ms timer", "—", "< 50 ms",
                 verdict(rs["worst_ms"] < 50)))
    rows.append(("(info) GUI stall of the page switch that sends the sign-in",
                 f"{rs['switch_ms']:.0f} ms (worst run)", "—", "—", "—", "—"))
    rows.append(("(info) Longest GUI stall while the link page opens",
                 f"{lp['stall_ms']:.0f} ms", "—", "—", "—", "—"))
    d = r["demo"]
    ratio = d["peak_tree_mb"] / lp["bare_peak_tree_mb"]
    bad = [c for c in d["exit_codes"] if c != 0]
    rows.append(("Whole demo, autopilot, zero delay: wall time", f"{d['seconds']:.2f} s"
                 + (f" (**exit codes {d['exit_codes']}** after a linked outcome)" if bad else ""),
                 "—", "—", "exit 0", verdict(not bad)))
    rows.append(("Whole demo: peak memory (all processes, RSS sum)",
                 f"{d['peak_tree_mb']:.0f} MB (main process {d['peak_main_mb']:.0f} MB)",
                 f"{lp['bare_peak_tree_mb']:.0f} MB (bare web view script)", f"{ratio:.2f}×",
                 "—", "—"))
    if "demo_installed" in r:
        di = r["demo_installed"]
        rows.append(("Whole demo, installed build: wall time / peak memory",
                     f"{di['seconds']:.2f} s / {di['peak_tree_mb']:.0f} MB (exit "
                     f"{di['exit_codes']})", "—", "—", "exit 0",
                     verdict(not any(di["exit_codes"]))))
    if r.get("sizes"):
        z = r["sizes"]
        # The 300 MB target is the Windows folder's (measured by CI); on Linux, within 10%
        # of the floor QtWebEngine's libraries set (benchmarks/build_size.py).
        target = size_target(sys.platform)
        rows.append((f"Installed build: folder size ({platform.system()})",
                     f"{z['folder_mb']:.0f} MB", "—", "—",
                     target[1] if target else "—",
                     verdict(z["folder_mb"] <= target[0]) if target else "—"))
        if "archive_mb" in z:
            rows.append(("Installed build: compressed (tar.gz)", f"{z['archive_mb']:.0f} MB",
                         "—", "—", "—", "—"))
    return rows


def group_gui(runs: int, home: Path) -> dict:
    env = child_env(home)
    rs = []
    for i in range(runs):
        rs.append(run_script("group_gui.py", [], env, timeout=300))
        log(f"group GUI run {i + 1}/{runs}: open {rs[-1]['open_settings_ms']:.0f} ms, "
            f"switch {rs[-1]['switch_site_median_ms']:.0f} ms, review "
            f"{rs[-1]['render_review_ms']:.0f} ms, save stall {rs[-1]['save_stall_ms']:.0f} ms")
    keys = [k for k, v in rs[0].items() if isinstance(v, int | float)]
    out = {k: median([r[k] for r in rs]) for k in keys}
    out["save_stall_worst_ms"] = max(r["save_stall_ms"] for r in rs)
    return out


def cli_group(home: Path) -> dict:
    """One run (each writes 200 sites at 50 ms a request, a few seconds each)."""
    res = run_script("cli_group.py", [], child_env(home), timeout=600)
    return res


def group_rows(r: dict) -> list[tuple[str, ...]]:
    """A dental group's figures: the wizard with 40 sites and 60 types, the CLI with 200."""
    rows: list[tuple[str, ...]] = []
    g = r.get("group_gui")
    if g:
        for label, key, cpu in (
                ("open the payment settings page (40 sites read, 60 types shown)",
                 "open_settings_ms", "open_settings_cpu_ms"),
                ("switch site (median of all 40)", "switch_site_median_ms",
                 "switch_site_cpu_median_ms"),
                ("render the review page (40 sites)", "render_review_ms",
                 "render_review_cpu_ms")):
            rows.append((f"Group (40 sites, 60 types): {label}", f"{g[key]:.0f} ms",
                         f"GUI-thread CPU {g[cpu]:.0f} ms", "—", "< 100 ms",
                         verdict(g[key] < 100)))
        rows.append((f"Group: longest GUI stall while 40 sites save (the portal a separate "
                     f"process answering after {g['latency_s'] * 1000:.0f} ms)",
                     f"{g['save_stall_ms']:.0f} ms (worst run {g['save_stall_worst_ms']:.0f} ms)",
                     f"saved in {g['save_s']:.1f} s", "—", "< 50 ms",
                     verdict(g["save_stall_ms"] < 50)))
    c = r.get("cli_group")
    if c:
        for jobs, run in c["runs"].items():
            rows.append((f"CLI: settings apply --all-sites, {c['sites']} sites, "
                         f"{c['latency_s'] * 1000:.0f} ms a request, --jobs {jobs}",
                         f"{run['seconds']:.2f} s, peak RSS {run['peak_rss_mb']:.0f} MB "
                         f"(CPU {run.get('cli_cpu_s', 0):.1f} s)",
                         f"{run['sequential_floor_s']:.1f} s sequential floor "
                         f"({run['requests']} requests × latency)",
                         f"{run['ratio_to_floor']:.2f}×", "≤ 5 s, ≤ 40 MB",
                         verdict(run["seconds"] <= 5 and run["peak_rss_mb"] <= 40)))
    return rows


def table(r: dict, runs: int) -> str:
    rows = app_rows(r) if "startup" in r else []
    rows += group_rows(r)
    head = ("| Figure | Dentally Setup | Baseline (same run) | Ratio | Target | Met |\n"
            "|---|---|---|---|---|---|\n")
    body = "\n".join("| " + " | ".join(row) + " |" for row in rows)
    when = dt.datetime.now().astimezone().strftime("%Y-%m-%d %H:%M %Z")
    return (f"Measured {when} on {machine()}. Medians of {runs} runs unless said; "
            f"MB = 2^20 bytes.\n\n{head}{body}\n")


def main(argv: list[str] | None = None) -> int:
    p = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    p.add_argument("--runs", type=int, default=5, help="runs per timing (default 5)")
    p.add_argument("--installed", action="store_true",
                   help="also measure the built app in dist/ (built first when missing) and "
                        "check it runs the demo under autopilot")
    p.add_argument("--output", type=Path, help="also write the table to this Markdown file")
    p.add_argument("--only", choices=("app", "group"),
                   help="only the single-practice figures, or only a dental group's")
    args = p.parse_args(argv)
    started = time.perf_counter()
    os.environ.setdefault("QT_QPA_PLATFORM", "offscreen")
    # Bytecode for the app, as an installed app has: with PYTHONDONTWRITEBYTECODE set (it is
    # here) every run would otherwise compile the app's modules again, and the baseline,
    # which imports only PySide6 (compiled at install), would not.
    subprocess.run([PYTHON, "-m", "compileall", "-q", str(ROOT / "dentally_setup")],
                   check=True, stdout=subprocess.DEVNULL)

    frozen = None
    if args.installed:
        if not DIST_APP.exists():
            log("no build in dist/: running scripts/build-installer")
            subprocess.run(["bash", str(ROOT / "scripts" / "build-installer")], check=True)
        frozen = DIST_APP

    results: dict = {}
    with tempfile.TemporaryDirectory() as tmp:
        home = Path(tmp)
        if args.only != "group":
            log("start-up and start-up memory")
            results["startup"] = startup(args.runs, home / "startup", frozen)
            log("link page")
            results["link"] = link_page(args.runs, home / "link")
            log("responsiveness")
            results["resp"] = responsiveness(min(args.runs, 3), home / "resp")
            log("whole demo")
            results["demo"] = whole_demo(min(args.runs, 3), [PYTHON, "-m", "dentally_setup"],
                                         "python")
            if frozen is not None:
                results["demo_installed"] = whole_demo(1, [str(frozen)], "installed")
            results["sizes"] = build_sizes()
        if args.only != "app":
            log("a dental group: the wizard (40 sites) and the command line (200 sites)")
            results["group_gui"] = group_gui(min(args.runs, 3), home / "group")
            results["cli_group"] = cli_group(home / "cli-group")
    text = table(results, args.runs)
    print(text)
    if args.output:
        args.output.parent.mkdir(parents=True, exist_ok=True)
        args.output.write_text(text, encoding="utf-8")
        log(f"table written to {args.output}")
    raw = Path(tempfile.gettempdir()) / "dentally-benchmarks.json"
    raw.write_text(json.dumps(results, indent=1, default=str), encoding="utf-8")
    log(f"raw figures in {raw}; took {time.perf_counter() - started:.0f} s")
    return 0


if __name__ == "__main__":
    sys.exit(main())
