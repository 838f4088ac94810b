"""`settings apply --all-sites` for a dental group: the sandbox with 200 sites and 64
appointment types answering every request after LATENCY seconds (in this process), the CLI
as a child process. For each --jobs value: wall time and the CLI's peak RSS, against the
sequential floor measured in the same run: the number of requests the portal answered
times the latency (what a one-request-at-a-time client cannot beat). Also the CPU time of
each side: the sandbox portal spends some on every request (a PUT asks the Stripe
imitation whether the account is ready), and on a busy 2-core machine that competes with
the CLI. The sandbox is reset
before each run, so every run writes all 200 sites. Prints one JSON line."""

import json
import os
import sys
import tempfile
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))
sys.path.insert(0, str(Path(__file__).resolve().parent))

SITES = int(os.environ.get("BENCH_SITES", "200"))
TYPES = int(os.environ.get("BENCH_TYPES", "64"))
LATENCY = float(os.environ.get("BENCH_LATENCY", "0.05"))
JOBS = [int(j) for j in os.environ.get("BENCH_JOBS", "4,16").split(",")]

POLICY = """[deposits]
enabled = true
default = "25.00"
[deposits.appointment_types]
"Hygiene 30 min" = "0"
[balances]
enabled = true
[invoices]
enabled = true
"""


def main():
    from common import MB, PYTHON, child_env, run_measured

    from dentally_setup.sandbox import Sandbox

    out = {"sites": SITES, "types": TYPES, "latency_s": LATENCY, "runs": {}}
    with tempfile.TemporaryDirectory() as tmp:
        policy = Path(tmp) / "policy.toml"
        policy.write_text(POLICY, encoding="utf-8")
        sb = Sandbox("group", Path(tmp) / "world", sites=SITES, types=TYPES, latency=LATENCY)
        sb.start()
        try:
            for jobs in JOBS:
                sb.reset()
                with sb.world.lock:
                    sb.world.requests.clear()
                env = child_env(Path(tmp) / "home", DENTALLY_PORTAL_URL=sb.portal_url,
                                DENTALLY_PORTAL_TOKEN=sb.token)
                portal_cpu = time.process_time()  # this process serves the portal
                res = run_measured([PYTHON, "-m", "dentally_setup", "settings", "apply",
                                    str(policy), "--all-sites", "--jobs", str(jobs)],
                                   # Sampling memory costs this process CPU that the portal
                                   # needs; the peak (VmHWM) is exact at any rate.
                                   env, timeout=300, sample_ms=50)
                portal_cpu = time.process_time() - portal_cpu
                with sb.world.lock:
                    requests = len(sb.world.requests)
                    written = sum(sb.world.applied_writes.values())
                if res.returncode != 0 or written != SITES:
                    raise SystemExit(f"apply failed ({res.returncode}, {written} written):\n"
                                     f"{res.stdout[-1500:]}\n{res.stderr[-1500:]}")
                floor = requests * LATENCY
                out["runs"][str(jobs)] = {
                    "seconds": res.seconds, "requests": requests,
                    "sequential_floor_s": floor, "ratio_to_floor": res.seconds / floor,
                    "peak_rss_mb": res.peak_rss / MB, "written": written,
                    "cli_cpu_s": res.cpu_seconds, "portal_cpu_s": portal_cpu,
                }
                print(f"[bench] --jobs {jobs}: {res.seconds:.2f} s, {requests} requests, "
                      f"floor {floor:.1f} s, peak {res.peak_rss / MB:.0f} MB, CPU: CLI "
                      f"{res.cpu_seconds:.1f} s, portal {portal_cpu:.1f} s",
                      file=sys.stderr, flush=True)
        finally:
            sb.stop()
    print(json.dumps(out), flush=True)


if __name__ == "__main__":
    main()
