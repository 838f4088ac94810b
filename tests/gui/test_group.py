"""The wizard with a dental group (the demo's `group` scenario: 40 sites, 60 appointment
types, some sites already set differently): filtering types, copying a site's settings,
the review grouping identical changes, and saving many sites."""

from __future__ import annotations

import json
from typing import Any

from dentally_setup.flow.steps import Step
from tests.gui.deposits import type_deposit


def to_group_settings(make_wizard: Any) -> tuple[Any, Any]:
    h = make_wizard("group")
    h.next()
    for step in (Step.SIGN_IN, Step.STRIPE_STATUS, Step.ACCOUNT_CHECK):
        h.wait_ready(step)
        h.next()
    return h, h.wait_ready(Step.SETTINGS)


def visible_type_names(page: Any) -> list[str]:
    proxy = page.types_filter
    return [str(proxy.index(row, 0).data()) for row in range(proxy.rowCount())]


def test_the_settings_page_is_built_while_the_account_check_is_on_screen(make_wizard: Any
                                                                        ) -> None:
    h = make_wizard("group")
    h.next()
    for step in (Step.SIGN_IN, Step.STRIPE_STATUS):
        h.wait_ready(step)
        h.next()
    h.wait_ready(Step.ACCOUNT_CHECK)
    assert Step.REVIEW not in h.wizard.pages  # only the page that comes next
    # Built before Next is pressed, so Next does not wait for it.
    h.qtbot.waitUntil(lambda: Step.SETTINGS in h.wizard.pages)
    h.next()
    page = h.wait_ready(Step.SETTINGS)
    assert page.site.count() == 40


def test_the_filter_narrows_the_types_but_never_hides_a_problem(make_wizard: Any) -> None:
    h, page = to_group_settings(make_wizard)
    bookable = [t for t in h.state.types if t.online_bookable]
    assert page.types_model.rowCount() == len(bookable) > 40
    h.qtbot.keyClicks(page.type_filter, "HYGIENE")
    names = visible_type_names(page)
    assert names and all("hygiene" in n.lower() for n in names)
    assert page.filter_count.text() == f"{len(names)} of {len(bookable)} shown"
    # A problem on a type outside the filter keeps its row on screen.
    hygiene = next(t for t in bookable if t.name == "Hygiene 30 min")
    page.deposits_on.setChecked(True)
    type_deposit(h.qtbot, page, hygiene.id, "999")
    assert "price" in page.type_problem(hygiene.id)
    page.type_filter.setText("invisalign")
    assert "Hygiene 30 min" in visible_type_names(page)
    assert "Invisalign consultation" in visible_type_names(page)
    assert not page.isComplete()
    page.type_filter.clear()
    assert len(visible_type_names(page)) == len(bookable)


def test_copy_from_another_site(make_wizard: Any) -> None:
    h, page = to_group_settings(make_wizard)
    sites = h.state.practice.sites
    # The scenario sets site 3 differently on the portal: deposits of £20.00.
    model = next(s for s in sites if h.state.current[s.id].settings.deposits_enabled)
    assert page.site.currentData() == sites[0].id
    assert not page.deposits_on.isChecked()
    assert not page.copy_button.isEnabled()  # no site chosen yet
    page.copy_from.setCurrentIndex(0)
    assert not page.copy_button.isEnabled()  # the site shown: nothing to copy
    page.copy_from.setCurrentIndex(page.copy_from.findData(model.id))
    page.copy_button.click()
    assert page.deposits_on.isChecked() and page.default.text() == "20.00"
    assert h.state.drafts[sites[0].id] == h.state.drafts[model.id]
    assert "Copied the settings from" in page.subTitle()
    # Only the site shown took them: "same settings for all sites" is not ticked.
    assert not h.state.drafts[sites[1].id].deposits_enabled
    page.site.setCurrentIndex(1)
    assert not page.deposits_on.isChecked()


def set_one_policy(h: Any, page: Any) -> None:
    page.same_for_all.setChecked(True)
    page.deposits_on.setChecked(True)
    page.default.clear()
    h.qtbot.keyClicks(page.default, "25.00")


def test_review_shows_the_common_change_once_and_the_sites_that_differ(make_wizard: Any
                                                                      ) -> None:
    h, page = to_group_settings(make_wizard)
    set_one_policy(h, page)
    h.next()
    review = h.wait_step(Step.REVIEW) or h.page(Step.REVIEW)
    h.qtbot.waitUntil(review.save_button.isEnabled, timeout=10000)
    text = review.summary.toPlainText()
    current = {sid: v.settings for sid, v in h.state.current.items()}
    # The scenario's exceptions: deposits already on at £20.00, or balances already on.
    differ = [s for s in h.state.practice.sites
              if current[s.id].deposits_enabled or current[s.id].balances_enabled]
    assert 4 <= len(differ) <= 12
    common = 40 - len(differ)
    assert f"{common} sites\nEvery site not named below." in text
    assert text.count("Deposits for online bookings") < 8  # once per distinct change
    assert "Sites that differ" in text
    for site in differ:
        assert site.name in text
    # The common sites are counted, not listed: 40 names would bury the exceptions.
    plain = [s for s in h.state.practice.sites if s not in differ]
    assert plain[0].name not in text
    assert len(review.plan.to_write) == 40


def review_of_one_policy(make_wizard: Any) -> tuple[Any, Any]:
    h, page = to_group_settings(make_wizard)
    set_one_policy(h, page)
    h.next()
    h.wait_step(Step.REVIEW)
    review = h.page(Step.REVIEW)
    h.qtbot.waitUntil(review.save_button.isEnabled, timeout=10000)
    return h, review


def applied(h: Any) -> dict[str, int]:
    with h.sandbox.world.lock:
        return dict(h.sandbox.world.applied_writes)


def progress_on_disk() -> dict[str, Any]:
    from dentally_setup.store.progress import progress_path

    try:
        return dict(json.loads(progress_path().read_text(encoding="utf-8")))
    except (OSError, ValueError):
        return {}


def saving_count(review: Any) -> int:
    """N in the busy line's "Saving N of 40…" (-1 when it says something else)."""
    text = review.busy.label.text()
    if not (review.busy.isVisible() and text.startswith("Saving ") and "of 40" in text):
        return -1
    return int(text.split()[1])


def test_saving_40_sites_counts_them_and_writes_each_once_through_faults(make_wizard: Any
                                                                         ) -> None:
    h, review = review_of_one_policy(make_wizard)
    # A slow portal that is also rate limited and briefly unavailable: the writes are
    # retried with their keys, so each site is still written exactly once.
    h.sandbox.faults.delay(0.05)
    h.sandbox.faults.rate_limit(3, retry_after=1)
    h.sandbox.faults.fail_every(9, 503)
    review.save_button.click()
    h.qtbot.waitUntil(lambda: saving_count(review) >= 1, timeout=20000)
    assert review.busy.bar.maximum() == 40
    h.qtbot.waitUntil(lambda: review.isComplete(), timeout=60000)
    assert len(h.state.saved) == 40 and h.state.pending_writes == {}
    assert applied(h) == {s.id: 1 for s in h.state.practice.sites}
    assert "✔ Saved: all 40 sites" in review.summary.toPlainText()
    # The progress file (written off the GUI thread) ends up saying so too.
    h.qtbot.waitUntil(lambda: progress_on_disk().get("completed_writes") and
                      len(progress_on_disk()["completed_writes"]) == 40, timeout=10000)
    assert progress_on_disk()["pending_writes"] == {}


def test_cancel_stops_new_writes_and_save_again_does_only_the_rest(make_wizard: Any) -> None:
    from dentally_setup.gui.worker import busy_tasks

    h, review = review_of_one_policy(make_wizard)
    h.sandbox.faults.delay(0.3)  # four writes at a time, each a little over 0.6 s
    review.save_button.click()
    keys = {sid: w.idempotency_key for sid, w in h.state.pending_writes.items()}
    assert len(keys) == 40
    h.qtbot.waitUntil(lambda: saving_count(review) >= 1, timeout=20000)
    review.busy.cancel_button.click()
    # Writes already sent are still finishing: Save waits for them (no write twice at once).
    assert not review.save_button.isEnabled()
    h.qtbot.waitUntil(lambda: busy_tasks() == 0, timeout=20000)  # writes in flight ended
    done = applied(h)
    assert 1 <= len(done) < 40 and set(done.values()) == {1}
    assert set(h.state.saved) == set(done)  # what reached the portal is shown as saved
    # The rest were never sent and keep their keys (in the resume file too).
    assert set(h.state.pending_writes) == {s.id for s in h.state.practice.sites} - set(done)
    assert all(w.idempotency_key == keys[sid] for sid, w in h.state.pending_writes.items())
    assert f"{len(done)} of 40 sites saved" in review.subTitle()
    assert review.save_button.isEnabled()
    h.sandbox.faults.delay(0)
    review.save_button.click()
    h.qtbot.waitUntil(lambda: review.isComplete(), timeout=60000)
    assert applied(h) == {s.id: 1 for s in h.state.practice.sites}
