"""The Review page's summary for many sites: each distinct change once ("31 sites"), then
the sites that differ, each with its own. The grouping itself is settings.diff's
``group_changes``; this only writes it as the page's HTML. Texts are the ReviewPage's (the
same translation context as before they moved here)."""

from __future__ import annotations

from collections.abc import Callable

from PySide6.QtCore import QCoreApplication

from dentally_setup.gui.i18n import tr_flow
from dentally_setup.gui.pages.stripe_status import esc
from dentally_setup.settings.diff import ChangeGroup

# Up to this many sites in the common group are named; beyond, "every site not named below".
NAME_UP_TO = 5


def _tr(text: str) -> str:
    return QCoreApplication.translate("ReviewPage", text)


def site_list(site_ids: list[str], total: int, name: Callable[[str], str]) -> str:
    """"Harrogate", "Harrogate, Ilkley", or "all 40 sites" / "12 sites: …"."""
    names = ", ".join(name(sid) for sid in site_ids)
    if len(site_ids) == 1:
        return names
    if len(site_ids) == total:
        return _tr("all {n} sites").format(n=total)
    return _tr("{n} sites: {names}").format(n=len(site_ids), names=names)


def grouped_html(groups: list[ChangeGroup], total: int, name: Callable[[str], str]
                 ) -> list[str]:
    """Each distinct change once: the common one first ("38 sites"), then the sites that
    differ, each with its own. Which sites is said without listing 38 names."""
    parts: list[str] = []
    setting, now, new_ = _tr("Setting"), _tr("Now"), _tr("New")
    for n, group in enumerate(groups):
        count = len(group.site_ids)
        if count == 1:
            heading = esc(name(group.site_ids[0]))
            who = ""
        else:
            heading = esc(_tr("{n} sites").format(n=count))
            if count == total:
                who = _tr("Every site.")
            elif n == 0 and count > NAME_UP_TO:
                who = _tr("Every site not named below.")
            else:
                who = esc(", ".join(name(s) for s in group.site_ids))
        if n == 1 and len(groups[0].site_ids) > 1:
            parts.append(_tr("<h3>Sites that differ</h3>"))
        rows = "".join(
            f"<tr><td>{esc(tr_flow(c.label))}</td><td>{esc(tr_flow(c.before))}</td>"
            f"<td>→</td><td><b>{esc(tr_flow(c.after))}</b></td></tr>" for c in group.changes)
        tag = "h4" if n > 0 and len(groups[0].site_ids) > 1 else "h3"
        parts.append(f"<{tag}>{heading}</{tag}>" + (f"<p>{who}</p>" if who else ""))
        parts.append(f"<table cellspacing='6'><tr><th align='left'>{setting}</th>"
                     f"<th align='left'>{now}</th><th></th>"
                     f"<th align='left'>{new_}</th></tr>{rows}</table>")
    return parts
