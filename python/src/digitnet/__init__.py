"""digitnet: an MNIST MLP trained from scratch in NumPy, shipped as int8, checked for parity."""

__version__ = "1.0.0"
