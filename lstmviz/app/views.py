"""The views, in tab order, as the rest of lstmviz names them (no Qt here): the key used on
the command line (``--view``), in lessons and sessions, the module in ``lstmviz.ui.views``
and the class that draws it, and the tab's title. Keys 1-4 pick the tabs in this order.
The Train tab follows them (``TRAIN_KEY``)."""

from __future__ import annotations

#: (key = module in lstmviz.ui.views, class, tab title)
VIEWS: tuple[tuple[str, str, str], ...] = (
    ("unrolled", "UnrolledView", "Unrolled"),
    ("cell", "CellView", "Cell"),
    ("over_time", "OverTimeView", "Over time"),
    ("weights", "WeightsView", "Weights"),
)
#: a tab's short title, where the window's tab bar has no room for the whole ones (a view
#: not named here keeps its title)
SHORT_TITLES: dict[str, str] = {"over_time": "Time"}
#: shorter titles still, taken one more at a time in this order where even the short ones
#: have no room (the projector theme at 760 x 540, beside the side panel); the tab's
#: tooltip names the view whole
SHORTER_TITLES: tuple[tuple[str, str], ...] = (("unrolled", "Unroll"), ("weights", "Wts"))
#: The views' keys, in tab order.
VIEW_KEYS: tuple[str, ...] = tuple(key for key, _, _ in VIEWS)
#: the Train tab's key (``ui/train_panel``): the tab after the views, no view of the stack
TRAIN_KEY = "train"
#: every tab's key, in tab order: the views', then the Train tab's (``--view train``, a
#: lesson's Train steps)
TAB_KEYS: tuple[str, ...] = (*VIEW_KEYS, TRAIN_KEY)
#: the Train tab's gradient pages a picture draws of a model on its own inputs at its weights,
#: without a run (``lstmviz.picture(view=...)``, ``app.train_user.probe_model``); its Updates
#: page needs a run's update
GRADIENT_PICTURES: tuple[str, ...] = ("dh", "connectivity", "gates")
#: ``--view train`` with an animation: the Train tab does not change with the stack's steps
TRAIN_NOT_ANIMATED = ("--view train: the Train tab is exported as a picture (--screenshot, --export-png, "
                      "--export-svg); an animation steps through the stack: give --view "
                      + ", ".join(VIEW_KEYS) + " or window")
#: File > Export > Animation over the Train tab: the same in the window's words (the dialog
#: offers the views of the stack instead of the tab on screen)
TRAIN_NOT_ANIMATED_HERE = "The Train tab is exported as a picture (PNG, SVG); animate a view of the stack:"


def tab_key(name) -> str | None:
    """The tab's key a name means (``over_time``, ``over-time``, ``Over time``; 1-4 the
    views in tab order; ``train``), None where it names no tab."""
    key = str(name).strip().lower().replace("-", "_").replace(" ", "_")
    if key.isdigit() and 1 <= int(key) <= len(VIEW_KEYS):
        return VIEW_KEYS[int(key) - 1]
    return key if key in TAB_KEYS else None
