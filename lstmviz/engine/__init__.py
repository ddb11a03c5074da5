"""The NumPy engine: Keras' recurrent layers stepped one timestep at a time. No Qt here.

Names are imported on first use (PEP 562), so that ``lstmviz.engine.spec`` alone (what the
loaders' child process needs) does not pay for the layers and the model.
"""

from importlib import import_module

__all__ = ["Model", "LayerSpec", "ModelSpec", "TensorRef", "Trace", "LayerTrace",
           "make_layer", "SUPPORTED_LAYERS"]

_WHERE = {
    "Model": ("model", "Model"), "LayerSpec": ("spec", "LayerSpec"),
    "ModelSpec": ("spec", "ModelSpec"), "TensorRef": ("spec", "TensorRef"),
    "Trace": ("trace", "Trace"), "LayerTrace": ("trace", "LayerTrace"),
    "make_layer": ("layers", "make_layer"), "SUPPORTED_LAYERS": ("layers", "SUPPORTED"),
}


def __getattr__(name):
    if name in _WHERE:
        mod, attr = _WHERE[name]
        value = getattr(import_module(f"{__name__}.{mod}"), attr)
        globals()[name] = value
        return value
    raise AttributeError(f"module {__name__!r} has no attribute {name!r}")


def __dir__():
    return sorted(list(globals()) + __all__)
