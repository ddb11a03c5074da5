"""The NumPy engine: Keras' recurrent layers stepped one timestep at a time. No Qt here."""

from lstmviz.engine.layers import SUPPORTED as SUPPORTED_LAYERS, make_layer
from lstmviz.engine.model import Model
from lstmviz.engine.spec import LayerSpec, ModelSpec, TensorRef
from lstmviz.engine.trace import LayerTrace, Trace

__all__ = ["Model", "LayerSpec", "ModelSpec", "TensorRef", "Trace", "LayerTrace",
           "make_layer", "SUPPORTED_LAYERS"]
