"""Symmetric int8 quantization: W ~ q * scale, q in -127..127, one scale per output or per layer.

The scales are the ones the model file stores (`short_float`), and q is rounded against those
stored scales, so what `quantize` returns is exactly what an engine reading the file dequantizes.
"""

from __future__ import annotations

import numpy as np


def short_float(v: float) -> float:
    """The float64 nearest to the shortest decimal of v as a float32: trained values are float32,
    so this keeps all their precision in about 9 digits instead of 17 (what the file stores)."""
    return float(str(np.float32(v)))


def quantize(w: np.ndarray, per_channel: bool = True) -> tuple[np.ndarray, np.ndarray]:
    """Quantize W of shape (inputs, outputs); returns (q int8, scales float64 of shape (outputs,)
    or (1,)). Per channel, each output column gets its own scale, so a column of small weights
    is not crushed by another column's outlier."""
    w = np.asarray(w, dtype=np.float64)
    peak = np.abs(w).max(axis=0) if per_channel else np.abs(w).max().reshape(1)
    exact = np.where(peak > 0, peak / 127.0, 1.0)  # an all-zero column keeps a valid scale
    scales = np.array([short_float(s) for s in exact])
    q = np.clip(np.round(w / scales), -127, 127).astype(np.int8)
    return q, scales


def dequantize(q: np.ndarray, scales: np.ndarray) -> np.ndarray:
    """The reference's dequantization: int8 times its column's scale, in float64."""
    return q.astype(np.float64) * scales
