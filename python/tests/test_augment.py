import numpy as np

from digitnet import augment


def blob(n=50, seed=0):
    """Digits-like images: ink in the middle, empty border of 6 px."""
    imgs = np.zeros((n, 28, 28), np.uint8)
    imgs[:, 6:22, 6:22] = np.random.default_rng(seed).integers(0, 256, (n, 16, 16))
    return imgs


def test_shift_moves_ink_and_fills_with_zeros():
    img = np.zeros((1, 28, 28), np.uint8)
    img[0, 0, 27] = 200  # top-right corner
    out = augment.shift(img, np.array([1]), np.array([0]))
    assert out.sum() == 0, "ink pushed out of frame must vanish, never wrap to the left edge"
    out = augment.shift(img, np.array([-3]), np.array([2]))
    assert out[0, 2, 24] == 200 and out.sum() == 200
    assert not out[0, :2].any() and not out[0, :, 25:].any()  # vacated rows/columns are zero


def test_random_shift_keeps_ink_in_frame_and_is_independent_per_image():
    imgs = blob()
    rng = np.random.default_rng(3)
    for sigma in (0.0, 1.5):
        out = augment.random_shift(imgs, rng, 4, sigma)
        assert np.array_equal(out.sum(axis=(1, 2)), imgs.sum(axis=(1, 2)))  # mass kept
        moved = [not np.array_equal(a, b) for a, b in zip(out, imgs)]
        assert 0 < sum(moved) < len(imgs) or sigma == 0.0


def test_fixed_shift_is_exactly_that_distance():
    imgs = blob()
    for d in (2, 3, 4):
        out = augment.fixed_shift(imgs, d, seed=5)
        for a, b in zip(imgs, out):
            ys, xs = np.nonzero(a)
            ys2, xs2 = np.nonzero(b)
            dy, dx = ys2.min() - ys.min(), xs2.min() - xs.min()
            assert max(abs(dx), abs(dy)) == d
    assert np.array_equal(augment.fixed_shift(imgs, 3, 5), augment.fixed_shift(imgs, 3, 5))
