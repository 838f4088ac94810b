"""HTML pages for the Stripe imitation and the portal's callback, from the files in
templates/. Values are HTML-escaped unless their name ends in ``_html`` (pre-built markup)."""

from __future__ import annotations

import functools
import html
from importlib import resources
from string import Template

STRIPE_NOTE = "Stripe (sandbox imitation) – nothing here is real and no money moves"
PORTAL_NOTE = "Dentally Portal (sandbox) – a demo on this computer"


@functools.cache
def _template(name: str) -> Template:
    text = resources.files("dentally_setup.sandbox").joinpath("templates", name).read_text("utf-8")
    return Template(text)


def esc(value: object) -> str:
    return html.escape("" if value is None else str(value), quote=True)


def render(name: str, *, page: str, title: str, brand: str = "stripe",
           note: str = STRIPE_NOTE, **values: object) -> str:
    """Fill ``templates/<name>`` and wrap it in the base page with ``data-page=page``."""
    filled = {k: (str(v) if k.endswith("_html") else esc(v)) for k, v in values.items()}
    filled.setdefault("title", esc(title))
    content = _template(name).substitute(filled)
    return _template("base.html").substitute(
        title=esc(title), page=esc(page), note=esc(note), brand=esc(brand), content=content
    )


def message_page(page: str, title: str, message: str, *, portal: bool = False) -> str:
    """A plain page saying one thing (errors, and the portal's "you can close this")."""
    if portal:
        return render("message.html", page=page, title=title, brand="Dentally Portal",
                      note=PORTAL_NOTE, message=message)
    return render("message.html", page=page, title=title, message=message)
