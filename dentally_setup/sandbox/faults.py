"""Fault injection for the sandbox portal: make it slow, flaky, busy or broken on purpose.

Every rule applies to portal API requests only (paths under /api), never to the Stripe
imitation or the portal's browser callback: trainers want to show error handling in the app,
not a broken Stripe page. Rules are counted down as requests arrive, under one lock, so tests
and the GUI can change them while servers are running.
"""

from __future__ import annotations

import threading
from dataclasses import dataclass

RULE_HELP = (
    "fail:N[:STATUS], fail-every:N[:STATUS], drop-after-apply[:N], delay:SECONDS[:N], "
    "rate-limit:N[:RETRY_AFTER], malformed:N"
)


@dataclass(frozen=True)
class FaultAction:
    """What to do instead of answering normally: ``fail``, ``rate_limit`` or ``malformed``."""

    kind: str
    status: int = 503
    retry_after: int = 1


class Faults:
    """Thread-safe fault rules for the sandbox portal."""

    def __init__(self) -> None:
        self._lock = threading.Lock()
        # Set when the sandbox stops, so a request held by a delay rule ends at once.
        self._stopping = threading.Event()
        self._fail_n = 0
        self._fail_status = 503
        self._every_n = 0
        self._every_status = 503
        self._every_count = 0
        self._drop_n = 0
        self._delay_s = 0.0
        self._delay_n: int | None = 0
        self._rate_n = 0
        self._retry_after = 1
        self._malformed_n = 0

    # ---- rules -------------------------------------------------------------------------

    def fail_next(self, n: int, status: int = 503) -> None:
        """Answer the next ``n`` API requests with ``status`` (an ``unavailable`` error)."""
        _check_count(n, "fail")
        _check_status(status)
        with self._lock:
            self._fail_n, self._fail_status = n, status

    def fail_every(self, n: int, status: int = 503) -> None:
        """Answer every ``n``-th API request with ``status`` (the portal-trouble scenario)."""
        _check_count(n, "fail-every", minimum=1)
        _check_status(status)
        with self._lock:
            self._every_n, self._every_status, self._every_count = n, status, 0

    def drop_after_apply(self, n: int = 1) -> None:
        """Apply the next ``n`` POST/PUT changes, then hang up without answering."""
        _check_count(n, "drop-after-apply")
        with self._lock:
            self._drop_n = n

    def delay(self, seconds: float, n: int | None = None) -> None:
        """Hold each of the next ``n`` API requests (every request when ``n`` is None)."""
        if not seconds >= 0:
            raise ValueError("A delay must be zero seconds or more.")
        if n is not None:
            _check_count(n, "delay")
        with self._lock:
            self._delay_s, self._delay_n = float(seconds), n

    def rate_limit(self, n: int, retry_after: int = 1) -> None:
        """Answer the next ``n`` API requests with 429 and ``Retry-After: retry_after``."""
        _check_count(n, "rate-limit")
        if retry_after < 0:
            raise ValueError("Retry-After must be zero seconds or more.")
        with self._lock:
            self._rate_n, self._retry_after = n, retry_after

    def malformed(self, n: int) -> None:
        """Answer the next ``n`` API requests with 200 and a body that is not valid JSON."""
        _check_count(n, "malformed")
        with self._lock:
            self._malformed_n = n

    def clear(self) -> None:
        with self._lock:
            self._fail_n = self._every_n = self._every_count = self._drop_n = 0
            self._rate_n = self._malformed_n = 0
            self._delay_s, self._delay_n = 0.0, 0

    # ---- command line ------------------------------------------------------------------

    @classmethod
    def parse(cls, spec: str) -> Faults:
        """Rules from the command line, e.g. ``fail:3:503,delay:2.0,rate-limit:1:2``."""
        faults = cls()
        faults.add(spec)
        return faults

    def add(self, spec: str) -> None:
        """Add the rules in ``spec`` (see ``parse``); raises ValueError in plain English."""
        rules = [part.strip() for part in spec.split(",") if part.strip()]
        if not rules:
            raise ValueError(f"No fault rules given. Use for example: {RULE_HELP}")
        for rule in rules:
            name, *args = [p.strip() for p in rule.split(":")]
            handler = _PARSERS.get(name.lower())
            if handler is None:
                raise ValueError(f"Unknown fault rule '{name}'. The rules are: {RULE_HELP}")
            handler(self, rule, args)

    # ---- used by the portal ------------------------------------------------------------

    def take_delay(self) -> float:
        with self._lock:
            if self._delay_s <= 0:
                return 0.0
            if self._delay_n is None:
                return self._delay_s
            if self._delay_n > 0:
                self._delay_n -= 1
                return self._delay_s
            return 0.0

    def wait(self, seconds: float) -> None:
        """Hold a request, but let ``stop`` cut the wait short."""
        self._stopping.wait(seconds)

    def take_action(self) -> FaultAction | None:
        with self._lock:
            if self._fail_n > 0:
                self._fail_n -= 1
                return FaultAction("fail", status=self._fail_status)
            if self._every_n > 0:
                self._every_count += 1
                if self._every_count % self._every_n == 0:
                    return FaultAction("fail", status=self._every_status)
            if self._rate_n > 0:
                self._rate_n -= 1
                return FaultAction("rate_limit", status=429, retry_after=self._retry_after)
            if self._malformed_n > 0:
                self._malformed_n -= 1
                return FaultAction("malformed", status=200)
        return None

    def take_drop(self, method: str) -> bool:
        if method not in ("POST", "PUT"):
            return False
        with self._lock:
            if self._drop_n > 0:
                self._drop_n -= 1
                return True
        return False

    def set_stopping(self, stopping: bool) -> None:
        if stopping:
            self._stopping.set()
        else:
            self._stopping.clear()


def _check_count(n: int, name: str, minimum: int = 0) -> None:
    if not isinstance(n, int) or isinstance(n, bool) or n < minimum:
        raise ValueError(f"The count for '{name}' must be a whole number of {minimum} or more.")


def _check_status(status: int) -> None:
    if not isinstance(status, int) or not 400 <= status <= 599:
        raise ValueError("The status for a failure must be an HTTP error status (400 to 599).")


def _int_arg(rule: str, value: str, what: str) -> int:
    try:
        return int(value)
    except ValueError:
        raise ValueError(f"In '{rule}', the {what} '{value}' is not a whole number.") from None


def _num_arg(rule: str, value: str, what: str) -> float:
    try:
        return float(value)
    except ValueError:
        raise ValueError(f"In '{rule}', the {what} '{value}' is not a number.") from None


def _need(rule: str, args: list[str], low: int, high: int, example: str) -> None:
    if not low <= len(args) <= high:
        raise ValueError(f"'{rule}' is not a valid rule; write it like {example}.")


def _p_fail(f: Faults, rule: str, args: list[str]) -> None:
    _need(rule, args, 1, 2, "fail:3 or fail:3:503")
    status = _int_arg(rule, args[1], "status") if len(args) > 1 else 503
    f.fail_next(_int_arg(rule, args[0], "count"), status)


def _p_fail_every(f: Faults, rule: str, args: list[str]) -> None:
    _need(rule, args, 1, 2, "fail-every:3 or fail-every:3:503")
    status = _int_arg(rule, args[1], "status") if len(args) > 1 else 503
    f.fail_every(_int_arg(rule, args[0], "count"), status)


def _p_drop(f: Faults, rule: str, args: list[str]) -> None:
    _need(rule, args, 0, 1, "drop-after-apply or drop-after-apply:2")
    f.drop_after_apply(_int_arg(rule, args[0], "count") if args else 1)


def _p_delay(f: Faults, rule: str, args: list[str]) -> None:
    _need(rule, args, 1, 2, "delay:2.0 or delay:2.0:5")
    n = _int_arg(rule, args[1], "count") if len(args) > 1 else None
    f.delay(_num_arg(rule, args[0], "number of seconds"), n)


def _p_rate(f: Faults, rule: str, args: list[str]) -> None:
    _need(rule, args, 1, 2, "rate-limit:1 or rate-limit:1:2")
    retry = _int_arg(rule, args[1], "Retry-After") if len(args) > 1 else 1
    f.rate_limit(_int_arg(rule, args[0], "count"), retry)


def _p_malformed(f: Faults, rule: str, args: list[str]) -> None:
    _need(rule, args, 1, 1, "malformed:1")
    f.malformed(_int_arg(rule, args[0], "count"))


_PARSERS = {
    "fail": _p_fail,
    "fail-every": _p_fail_every,
    "drop-after-apply": _p_drop,
    "delay": _p_delay,
    "rate-limit": _p_rate,
    "malformed": _p_malformed,
}
