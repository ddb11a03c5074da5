"""The Qt window and its views (the only part of lstmviz that imports PySide6 and pyqtgraph)."""

import os

# Qt's raster engine hands every fill of 96 scanlines or more to a thread pool of its own
# and waits for it. For the views' chart-sized fills the hand-off costs more than the fill,
# and far more while other processes hold the cores: one seek of the Cell tab took 22 ms
# with the pool and 16.5 ms without it here (2 cores, load ~2). Qt reads the variable once,
# at its first such fill, so it is set before any window paints; a value the user set stays.
os.environ.setdefault("QT_NO_GUI_THREADPOOL", "1")
