"""Where Stripe's page is shown: the Support window's setting, and the rule that turns it
(with the platform and the failure this PC remembers) into one way. Plain Python, so the
wizard, the Support window and ``dentally-setup doctor`` share one rule and one wording.

Precedence, highest first:

1. ``DENTALLY_WEBVIEW=inline`` or ``=process`` in the environment: one run, set on purpose
   by someone at the PC, so it wins over anything saved.
2. The Support window's setting (``Config.stripe_page``): ``browser`` and ``inline`` are
   always honoured; ``separate`` is honoured where the window system can show another
   process's window inside ours (Windows, X11), else the page opens in the app's process.
3. A screen reader running: the app's own process (only there is Stripe's form inside the
   app's accessibility tree, where the screen reader looks for it), over ``separate`` too.
4. Automatic (no setting): the separate process where the window system allows it, unless
   it has failed on this PC before (``Config.web_host_failed``).

A failure of the separate process is remembered whatever the setting; an explicit
``separate`` tries it again anyway (support chose it), and choosing ``separate`` in the
Support window forgets the old failure, so "automatic" also tries again afterwards.
"""

from __future__ import annotations

from collections.abc import Collection
from enum import StrEnum

from dentally_setup.store.config import Config


class Route(StrEnum):
    """One way to show Stripe's page; the values are what the config file holds."""

    SEPARATE = "separate"  # a web host process whose window sits inside ours
    INLINE = "inline"  # QtWebEngine in the app's own process
    BROWSER = "browser"  # the system browser, at once; nothing of Stripe inside the app


# The Support window's wording for each setting (None: automatic), and doctor's.
SETTING_WORDS: dict[Route | None, str] = {
    None: "automatic (the app chooses)",
    Route.SEPARATE: "in a separate process (gives its memory back afterwards)",
    Route.INLINE: "in this window's process",
    Route.BROWSER: "in my browser",
}

ROUTE_WORDS: dict[Route, str] = {
    Route.SEPARATE: "in a separate process",
    Route.INLINE: "in the app's own process",
    Route.BROWSER: "in the system browser",
}


def setting(config: Config) -> Route | None:
    """The saved setting, or None for automatic (store/config.py accepts only these)."""
    return Route(config.stripe_page) if config.stripe_page else None


def env_override(env_value: str | None) -> Route | None:
    """``DENTALLY_WEBVIEW`` as a route, or None when it is unset or not understood."""
    value = (env_value or "").strip().lower()
    return {"inline": Route.INLINE, "process": Route.SEPARATE}.get(value)


def route_for(platform: str, config: Config, env_value: str | None,
              embedding_platforms: Collection[str], *, screen_reader: bool = False) -> Route:
    """Which way Stripe's page opens next. ``platform``: Qt's platform plug-in name;
    ``embedding_platforms``: those where another process's window can sit inside ours;
    ``screen_reader``: an assistive technology is running."""
    forced = env_override(env_value)
    if forced is not None:
        return forced
    chosen = setting(config)
    if chosen in (Route.BROWSER, Route.INLINE):
        return chosen
    if platform not in embedding_platforms or screen_reader:
        return Route.INLINE
    if chosen is Route.SEPARATE or not config.web_host_failed:
        return Route.SEPARATE
    return Route.INLINE


def describe(config: Config, env_value: str | None) -> list[tuple[str, str]]:
    """The setting and the remembered failure in plain words, for doctor and the Support
    window: (label, text) rows, the lines after the first with no label of their own."""
    rows = [("Stripe's page", SETTING_WORDS[setting(config)]
             + " (the Support window's setting)")]
    if config.web_host_failed:
        rows.append(("", "the separate process failed to show it on this PC before, so "
                         "while the setting is automatic it opens in the app's own process"))
    else:
        rows.append(("", "no failure of the separate process remembered on this PC"))
    forced = env_override(env_value)
    if forced is not None:
        rows.append(("", f"DENTALLY_WEBVIEW={env_value} is set, so it opens "
                         f"{ROUTE_WORDS[forced]} whatever the setting"))
    return rows
