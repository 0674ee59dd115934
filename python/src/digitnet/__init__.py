"""digitnet: an MNIST MLP trained from scratch in NumPy, shipped as int8, checked for parity."""

# The preprocessing module under a name of its own (its steps, for tests and the fixture
# generator); `digitnet.preprocess` is the function, bound next, and stays the public API.
from . import preprocess as preprocessing
from .preprocess import preprocess
from .pretrained import pretrained
from .reference import load_model

__version__ = "1.2.0"
__all__ = ["__version__", "load_model", "preprocess", "preprocessing", "pretrained"]
