""""Painted" for a QWebEngineView, the same rule for the app and the baseline: the app's
own rule (dentally_setup/gui/stripe_page/engine_paint.py) is used for the bare view too."""

from dentally_setup.gui.stripe_page.engine_paint import PaintAfterLoad


def watch_painted(view, on_painted):
    """Call ``on_painted()`` once, at the first paint after the first successful load."""
    return PaintAfterLoad(view, on_painted)
