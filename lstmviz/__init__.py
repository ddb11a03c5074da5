"""lstmviz: see the unrolled computation of recurrent layers, exactly as Keras computes it."""

from lstmviz.errors import LstmvizError

__all__ = ["LstmvizError"]
__version__ = "0.1.0"
