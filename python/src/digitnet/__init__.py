"""digitnet: an MNIST MLP trained from scratch in NumPy, shipped as int8, checked for parity."""

from .preprocess import preprocess
from .pretrained import pretrained
from .reference import load_model

__version__ = "1.0.0"
__all__ = ["__version__", "load_model", "preprocess", "pretrained"]
