"""Grouping the same change on many sites (the review page of a dental group)."""

from __future__ import annotations

from dentally_setup.settings.diff import diff_settings, group_changes
from tests.settings.helpers import TYPES, settings


def test_38_sites_with_the_same_change_read_once_and_the_exceptions_per_site() -> None:
    off = settings(enabled=False, default=None)
    policy = settings(default=2500)
    already_20 = settings(default=2000)
    current = {f"site_{n}": off for n in range(1, 41)}
    current["site_7"] = already_20
    current["site_30"] = policy  # already matches: no change at all
    current["site_12"] = settings(enabled=False, default=None, balances=True)
    changes = {sid: diff_settings(cur, policy, TYPES, "GBP") for sid, cur in current.items()}

    groups = group_changes(changes)

    common = groups[0]
    assert len(common.site_ids) == 37 and common.site_ids[:2] == ("site_1", "site_2")
    assert [str(c) for c in common.changes] == [
        "Deposits for online bookings: Off -> On", "Default deposit: — -> £25.00"]
    rest = {g.site_ids: [str(c) for c in g.changes] for g in groups[1:]}
    assert rest == {
        ("site_7",): ["Default deposit: £20.00 -> £25.00"],
        ("site_12",): ["Deposits for online bookings: Off -> On",
                       "Default deposit: — -> £25.00", "Balances paid online: On -> Off"],
    }
    assert all("site_30" not in g.site_ids for g in groups)


def test_equal_sized_groups_keep_the_order_of_their_first_site() -> None:
    on, off = settings(), settings(enabled=False, default=None)
    changes = {"a": diff_settings(on, off, TYPES, "GBP"), "b": diff_settings(off, on, TYPES, "GBP")}
    assert [g.site_ids for g in group_changes(changes)] == [("a",), ("b",)]
    assert group_changes({}) == [] and group_changes({"a": []}) == []
