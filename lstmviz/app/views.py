"""The views, in tab order, as the rest of lstmviz names them (no Qt here): the key used on
the command line (``--view``), in lessons and sessions, the module in ``lstmviz.ui.views``
and the class that draws it, and the tab's title. Keys 1-4 pick the tabs in this order."""

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
