"""An accessibility client, as a screen reader is one: reads every application's tree from
the AT-SPI bus (pyatspi) and prints it as one JSON line.

Run with the system's Python (/usr/bin/python3), not the project's virtualenv: Debian's
python3-pyatspi lives in the system's site-packages and needs its PyGObject. The test that
uses it (test_screen_reader.py) runs it as a separate process, as a real assistive
technology is one. Usage: atspi_tree.py [--enable | --listen] [APP_NAME]
  --enable   tell the bus that an assistive technology is running (what Orca does when it
             starts: org.a11y.Status IsEnabled and ScreenReaderEnabled), then exit.
  --listen   print, one JSON line each, the events a screen reader speaks from: what an
             application announces, and descriptions that change; until stopped.
"""

from __future__ import annotations

import json
import sys
from typing import Any

MAX_NODES = 4000
MAX_DEPTH = 60
# The states a screen reader reads out (or uses to decide what to read).
STATES = ("focusable", "focused", "showing", "visible", "enabled", "selected", "checked",
          "editable", "sensitive", "active")


def enable() -> None:
    """Announce an assistive technology on the bus, as Orca does at its start."""
    from gi.repository import Gio, GLib  # type: ignore[import-not-found]

    bus = Gio.bus_get_sync(Gio.BusType.SESSION, None)
    for prop in ("IsEnabled", "ScreenReaderEnabled"):
        bus.call_sync("org.a11y.Bus", "/org/a11y/bus", "org.freedesktop.DBus.Properties",
                      "Set", GLib.Variant("(ssv)", ("org.a11y.Status", prop,
                                                    GLib.Variant("b", True))),
                      None, Gio.DBusCallFlags.NONE, 3000, None)


LISTENED = ("object:announcement", "object:property-change:accessible-description",
            "object:property-change:accessible-name")


def listen() -> None:
    from gi.repository import Atspi  # type: ignore[import-not-found]

    def heard(event: Any) -> None:
        try:
            source = event.source
            name = source.get_name() if source is not None else ""
            role = source.get_role_name() if source is not None else ""
            described = source.get_description() if source is not None else ""
        except Exception:  # the object went away before we asked
            name = role = described = ""
        said = event.any_data if isinstance(event.any_data, str) else ""
        print(json.dumps({"type": event.type, "role": role, "name": name,
                          "description": described, "said": said}), flush=True)

    listener = Atspi.EventListener.new(heard)
    for kind in LISTENED:
        listener.register(kind)
    print(json.dumps({"type": "listening"}), flush=True)
    Atspi.event_main()


def node(acc: Any, depth: int, budget: list[int]) -> dict[str, Any]:
    import pyatspi  # type: ignore[import-not-found]

    budget[0] -= 1
    out: dict[str, Any] = {"role": acc.getRoleName(), "name": acc.name or "",
                           "description": acc.description or ""}
    state = acc.getState()
    out["states"] = [s for s in STATES
                     if state.contains(getattr(pyatspi, "STATE_" + s.upper()))]
    try:
        text = acc.queryText()
        out["text"] = text.getText(0, min(text.characterCount, 2000))
    except NotImplementedError:
        pass
    labels = []
    for relation in acc.getRelationSet():
        if relation.getRelationType() == pyatspi.RELATION_LABELLED_BY:
            labels += [relation.getTarget(i).name for i in range(relation.getNTargets())]
    if labels:
        out["labelled_by"] = labels
    children = []
    if depth < MAX_DEPTH and not state.contains(pyatspi.STATE_DEFUNCT):
        for i in range(acc.childCount):
            if budget[0] <= 0:
                break
            child = acc.getChildAtIndex(i)
            if child is not None:
                children.append(node(child, depth + 1, budget))
    if children:
        out["children"] = children
    return out


def main(argv: list[str]) -> int:
    if "--enable" in argv:
        enable()
        return 0
    import gi  # type: ignore[import-not-found]

    gi.require_version("Atspi", "2.0")
    from gi.repository import Atspi  # type: ignore[import-not-found]

    if "--listen" in argv:
        listen()
        return 0

    # A busy or stuck application must not hang the reader: 3 s per call at most.
    Atspi.set_timeout(3000, 5000)
    import pyatspi

    wanted = [a for a in argv[1:] if not a.startswith("-")]
    desktop = pyatspi.Registry.getDesktop(0)
    apps = []
    for i in range(desktop.childCount):
        app = desktop.getChildAtIndex(i)
        if app is None or (wanted and app.name not in wanted):
            continue
        try:
            apps.append(node(app, 0, [MAX_NODES]))
        except Exception as exc:  # an app that went away while being read
            apps.append({"role": "application", "name": app.name, "error": repr(exc)})
    print(json.dumps(apps))
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv))
