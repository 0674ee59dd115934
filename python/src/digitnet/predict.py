"""`digitnet predict IMAGE...`: classify image files with the bundled weights.

Each image becomes RGBA pixels, then the preprocessing every engine uses (fixtures/PREPROCESS.md,
ink "auto": strokes on a transparent image by their alpha, on an opaque one, a scan or a photo,
by their contrast with the background read from the border), then the model. PNG and JPEG are
read with Pillow, the optional extra `digitnet[images]`; a NumPy `.npy` array needs nothing more.
"""

from __future__ import annotations

from pathlib import Path

import numpy as np

from .errors import DigitnetError
from .preprocess import preprocess
from .pretrained import bundled_versions, pretrained

NEEDS_PILLOW = (
    "reading PNG and JPEG needs Pillow, the optional extra: pip install 'digitnet[images]' "
    "(or pass a .npy array)"
)


def read_npy(path: Path) -> np.ndarray:
    """A .npy array of uint8: (H, W) grey levels, (H, W, 3) RGB or (H, W, 4) RGBA."""
    try:
        array = np.load(path, allow_pickle=False)
    except (OSError, ValueError, EOFError) as e:
        raise DigitnetError(f"{path}: not a readable .npy array ({e})") from None
    if array.dtype != np.uint8 or array.ndim not in (2, 3) or 0 in array.shape:
        raise DigitnetError(
            f"{path}: a {array.dtype} array of shape {array.shape}; expected uint8, (H, W) grey, "
            "(H, W, 3) RGB or (H, W, 4) RGBA"
        )
    if array.ndim == 3 and array.shape[2] not in (3, 4):
        raise DigitnetError(f"{path}: {array.shape[2]} channels; expected 3 (RGB) or 4 (RGBA)")
    return array


def read_picture(path: Path) -> np.ndarray:
    """A PNG, JPEG or any picture Pillow reads, as (H, W, 4) RGBA."""
    try:
        from PIL import Image, UnidentifiedImageError
    except ImportError:
        raise DigitnetError(f"{path}: {NEEDS_PILLOW}") from None
    try:
        with Image.open(path) as picture:
            return np.asarray(picture.convert("RGBA"))
    except (OSError, UnidentifiedImageError, Image.DecompressionBombError) as e:
        raise DigitnetError(f"{path}: not a picture Pillow can read ({e})") from None


def rgba_of(path: Path) -> np.ndarray:
    """The image at `path` as (H, W, 4) RGBA bytes; grey and RGB images are opaque."""
    if not path.is_file():
        raise DigitnetError(f"{path}: no such file")
    array = read_npy(path) if path.suffix.lower() == ".npy" else read_picture(path)
    if array.ndim == 2:
        array = np.repeat(array[..., None], 3, axis=2)
    if array.shape[2] == 3:
        array = np.dstack([array, np.full(array.shape[:2], 255, np.uint8)])
    return np.ascontiguousarray(array)


def classify_file(model, path: Path, top: int) -> list[tuple[int, float]]:
    """The `top` most probable digits of the image at `path`, most probable first."""
    rgba = rgba_of(path)
    height, width = rgba.shape[:2]
    x = preprocess(rgba, width, height)  # ink "auto"
    if x is None:
        raise DigitnetError(f"{path}: no ink found (an empty image, or all one colour)")
    return model.classify(x, top)


def cmd_predict(args) -> None:
    model = pretrained(args.weights)
    for name in args.images:
        top = classify_file(model, Path(name), args.top or 1)
        # no --top: the digit alone, for scripts; probabilities to 6 significant digits, so a
        # runner-up at 3e-05 does not read as 0.00 %
        answer = ", ".join(f"{d} ({p:.6g})" for d, p in top) if args.top else str(top[0][0])
        print(f"{name}: {answer}" if len(args.images) > 1 else answer)


def add_weights(parser, what: str) -> None:
    """--weights VERSION: one of the weights versions this package bundles."""
    versions = ", ".join(bundled_versions()) or "none"
    parser.add_argument("--weights", metavar="VERSION", help=f"{what} (bundled: {versions})")


def add_parser(sub) -> None:
    p = sub.add_parser(
        "predict",
        help="classify images of handwritten digits (PNG, JPEG with digitnet[images]; .npy)",
        description=__doc__.split("\n\n")[1],
    )
    p.add_argument(
        "images",
        nargs="+",
        metavar="IMAGE",
        help="an image of one digit: PNG or JPEG (needs Pillow: pip install 'digitnet[images]'), "
        "or a .npy uint8 array, (H, W) grey, (H, W, 3) RGB or (H, W, 4) RGBA",
    )
    add_weights(p, "the weights version to use, by default the newest, the pinned one")
    p.add_argument(
        "--top",
        type=int,
        choices=range(1, 11),
        metavar="K",
        help="print the K most probable digits with their probabilities (default: the digit alone)",
    )
    p.set_defaults(func=cmd_predict)
