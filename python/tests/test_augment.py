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


def offsets(before, after):
    """Each image's (dx, dy), read from where its ink starts (the ink stays in frame)."""
    d = []
    for a, b in zip(before, after):
        (ys, xs), (ys2, xs2) = np.nonzero(a), np.nonzero(b)
        d.append((xs2.min() - xs.min(), ys2.min() - ys.min()))
    return np.array(d)


def test_random_shift_keeps_ink_in_frame_and_is_independent_per_image():
    imgs = blob(400)
    edge = {}
    for sigma in (0.0, 1.5):
        out = augment.random_shift(imgs, np.random.default_rng(3), 4, sigma)
        assert np.array_equal(out.sum(axis=(1, 2)), imgs.sum(axis=(1, 2)))  # mass kept
        d = offsets(imgs, out)
        assert np.abs(d).max() <= 4
        assert np.array_equal(augment.shift(imgs, d[:, 0], d[:, 1]), out)  # exactly those shifts
        assert len({tuple(v) for v in d}) > 25  # independent per image, not one offset for all
        edge[sigma] = float((np.abs(d) == 4).mean())  # offsets at the limit, either axis
    # uniform over -4..4: 2/9 of offsets at the limit; a rounded normal(0, 1.5): about 2 %
    assert 0.15 < edge[0.0] < 0.3 and edge[1.5] < 0.06


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
