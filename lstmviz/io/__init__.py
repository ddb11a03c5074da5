"""File loaders: model and weights files -> ``ModelSpec``.

Which format a file is, and which reader reads it, is ``lstmviz.io.formats``' registry
(from the bytes, never the name). The Keras readers are ``lstmviz.io.keras``'s; their names
(``read_model_file``, ``read_weights_file``, ``spec_from_keras_config`` ...) are here too,
imported when first asked for: the app, whose files a child process reads
(``io/isolated.py``), needs none of them to start.

The loaders only read data: they never unpickle, unmarshal or evaluate anything, and refuse
layers that carry code (``Lambda``). Every failure is an ``LstmvizError`` with one line:
``"<file name>: <what is wrong>; <what is supported>"``.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    from .keras import (
        class_names,
        read_hdf5_model,
        read_hdf5_weights,
        read_keras3_zip,
        read_model_file,
        read_weights_file,
        spec_from_keras_config,
    )

__all__ = ["read_model_file", "read_weights_file", "read_keras3_zip", "read_hdf5_model",
           "read_hdf5_weights", "spec_from_keras_config", "class_names"]

#: the names ``lstmviz.io.keras`` gives here (any other is a submodule or missing)
_KERAS = frozenset(__all__)


def __getattr__(name: str) -> Any:
    if name in _KERAS:
        from . import keras

        return getattr(keras, name)
    if name.isidentifier() and not name.startswith("_"):
        # a submodule asked for by attribute (``lstmviz.io.keras_writer.save_keras``, as the
        # README writes it), imported then, as ``import lstmviz.io.keras_writer`` would
        from importlib import import_module
        from importlib.util import find_spec

        if find_spec(f"{__name__}.{name}") is not None:
            return import_module(f"{__name__}.{name}")
    raise AttributeError(f"module {__name__!r} has no attribute {name!r}")
