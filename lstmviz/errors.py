"""The one exception type lstmviz raises for anything a user did or a file holds."""


class LstmvizError(Exception):
    """A problem described for humans: what is wrong, and what is supported.

    Every error the engine, the loaders and the CLI raise on purpose is of this type,
    so callers (the CLI, the app) can show ``str(err)`` as one clear line.
    """
