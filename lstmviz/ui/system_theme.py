"""The theme follows the system's light/dark setting until the user picks one.

- ``system_theme(app)``: "light" or "dark" from ``QStyleHints.colorScheme()`` (Qt 6.5+),
  None when the platform does not say (then the app's default, dark).
- ``startup_theme(settings, app)``: the theme picked in View > Theme (``theme_picked`` set
  in the preferences by ``mark_picked``), else the system's, else the theme saved last.
- ``follow_system(window)``: while nothing is picked, a change of the system's setting
  (``colorSchemeChanged``) switches the window's theme with it.

A theme given on the command line (``--theme``) is used for that run only, not "picked".
"""

from __future__ import annotations

from PySide6 import QtCore, QtGui, QtWidgets

PICKED = "theme_picked"


def system_theme(app=None, scheme=None) -> str | None:
    if scheme is None:
        app = app or QtWidgets.QApplication.instance()
        hints = app.styleHints() if app is not None else None
        getter = getattr(hints, "colorScheme", None)
        if getter is None:
            return None
        scheme = getter()
    if scheme == QtCore.Qt.ColorScheme.Light:
        return "light"
    if scheme == QtCore.Qt.ColorScheme.Dark:
        return "dark"
    return None


def picked(settings) -> bool:
    value = settings.value(PICKED, False)
    return value is True or str(value).lower() in ("true", "1")


def mark_picked(settings, name: str) -> None:
    settings.setValue("theme", name)
    settings.setValue(PICKED, True)


def startup_theme(settings=None, app=None, default: str = "dark") -> str:
    settings = settings or QtCore.QSettings("lstmviz", "lstmviz")
    saved = settings.value("theme", None)
    if picked(settings) and saved:
        return str(saved)
    return system_theme(app) or (str(saved) if saved else default)


def follow_system(window) -> None:
    """Switch ``window``'s theme when the system's light/dark setting changes, until the
    user picks a theme (lecture mode's projector theme is left alone)."""
    hints = QtGui.QGuiApplication.styleHints()
    signal = getattr(hints, "colorSchemeChanged", None)
    if signal is None:
        return

    def changed(scheme):
        on_scheme_changed(window, scheme)
    signal.connect(changed)
    window.destroyed.connect(lambda *_: _disconnect(signal, changed))


def on_scheme_changed(window, scheme) -> str | None:
    """The theme applied (or None when the user's pick or the presenter stays)."""
    from lstmviz.ui import theme as th

    settings = getattr(window, "settings", None)
    if settings is not None and picked(settings):
        return None
    presenter = getattr(window, "presenter", None)
    if presenter is not None and getattr(presenter, "active", False):
        return None
    name = system_theme(scheme=scheme)
    if name is None or name == th.current().name:
        return None
    window.set_theme(name)
    return name


def _disconnect(signal, slot) -> None:
    try:
        signal.disconnect(slot)
    except (RuntimeError, TypeError):
        pass
