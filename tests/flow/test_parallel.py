"""Working on many sites at once, bounded (flow/parallel.py)."""

from __future__ import annotations

import threading

import pytest

from dentally_setup.flow.parallel import (
    MAX_JOBS,
    check_jobs,
    for_each_site,
    read_each_site,
    read_jobs,
)

SITES = [f"site_{n}" for n in range(1, 21)]


def test_never_more_than_jobs_at_once_and_every_site_once() -> None:
    lock = threading.Lock()
    running, peak, seen = 0, 0, []
    gate = threading.Barrier(4, timeout=10)  # proves 4 really run together

    def work(sid: str) -> str:
        nonlocal running, peak
        with lock:
            running += 1
            peak = max(peak, running)
            seen.append(sid)
        if sid in SITES[:4]:
            gate.wait()
        with lock:
            running -= 1
        return sid.upper()

    results, errors = for_each_site(work, SITES, jobs=4)
    assert peak == 4 and errors == {}
    assert sorted(seen) == sorted(SITES) and len(seen) == len(SITES)
    assert results == {sid: sid.upper() for sid in SITES}


def test_stop_starts_no_new_site_and_reports_the_ones_in_flight() -> None:
    stop = threading.Event()
    started: list[str] = []
    ended: list[str] = []

    def work(sid: str) -> str:
        started.append(sid)
        if sid == "site_2":
            stop.set()  # Cancel pressed while site_1 and site_2 are in flight
        return sid

    results, _errors = for_each_site(work, SITES, jobs=2, stop=stop,
                                    on_done=lambda sid, _r, _e: ended.append(sid))
    assert set(started) == set(results) == set(ended)
    assert len(started) <= 3 < len(SITES)


def test_errors_are_kept_per_site_and_reads_raise_the_first() -> None:
    def work(sid: str) -> str:
        if sid in ("site_3", "site_5"):
            raise ValueError(sid)
        return sid

    results, errors = for_each_site(work, SITES, jobs=3)
    assert set(errors) == {"site_3", "site_5"} and len(results) == len(SITES) - 2
    with pytest.raises(ValueError, match="site_3"):
        read_each_site(work, SITES[:4], jobs=2)
    assert list(read_each_site(str.upper, SITES, jobs=3)) == SITES  # in the order given


def test_reads_go_twice_as_wide_as_writes_within_the_bound() -> None:
    lock = threading.Lock()
    running, peak = 0, 0
    gate = threading.Barrier(4, timeout=10)  # 4 reads together with --jobs 2

    def work(sid: str) -> str:
        nonlocal running, peak
        with lock:
            running += 1
            peak = max(peak, running)
        if sid in SITES[:4]:
            gate.wait()
        with lock:
            running -= 1
        return sid

    assert list(read_each_site(work, SITES, jobs=2)) == SITES
    assert peak == 4
    assert read_jobs(1) == 2 and read_jobs(MAX_JOBS) == MAX_JOBS


def test_the_bound_is_checked() -> None:
    assert check_jobs(MAX_JOBS) == 16
    for bad in (0, 17):
        with pytest.raises(ValueError, match="from 1 to 16"):
            check_jobs(bad)


def test_first_alone_runs_the_first_site_before_any_other() -> None:
    order: list[str] = []
    lock = threading.Lock()
    first_running = threading.Event()
    overlap: list[str] = []

    def work(sid: str) -> str:
        with lock:
            if first_running.is_set():
                overlap.append(sid)
            order.append(sid)
            if sid == SITES[0]:
                first_running.set()
        if sid == SITES[0]:
            with lock:
                first_running.clear()
        return sid

    stop = threading.Event()
    results, _ = for_each_site(work, SITES, jobs=4, first_alone=True, stop=stop)
    assert order[0] == SITES[0] and overlap == [] and len(results) == len(SITES)
    # A failure on the first one (stop set by its outcome) starts no other.
    started: list[str] = []
    halt = threading.Event()

    def failing(sid: str) -> str:
        started.append(sid)
        raise ValueError(sid)

    for_each_site(failing, SITES, jobs=4, first_alone=True, stop=halt,
                  on_done=lambda _s, _r, _e: halt.set())
    assert started == [SITES[0]]
