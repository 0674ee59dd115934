import dataclasses
import json

import numpy as np
import pytest
from conftest import write_dataset

from digitnet import cli, data, train

TINY = dataclasses.replace(train.DEFAULT, epochs=2, batch_size=16)


def test_same_seed_gives_byte_identical_weights(tmp_path):
    ds = data.load(write_dataset(tmp_path / "d", n_train=64, n_test=16))
    a, _ = train.train(ds, TINY, seed=7)
    b, _ = train.train(ds, TINY, seed=7)
    c, _ = train.train(ds, TINY, seed=8)
    flat = lambda p: b"".join(w.tobytes() + bias.tobytes() for w, bias in p)  # noqa: E731
    assert flat(a) == flat(b)
    assert flat(a) != flat(c)


def test_train_cli_writes_checkpoint_and_metrics(tmp_path, capsys):
    folder = write_dataset(tmp_path / "d", n_train=64, n_test=16)
    out = tmp_path / "run"
    args = ["train", "--data", str(folder), "--epochs", "2", "--seed", "3", "--out", str(out)]
    assert cli.main(args) == 0
    printed = capsys.readouterr().out
    assert "epoch  2/2" in printed and "ETA" in printed
    metrics = json.loads((out / "metrics.json").read_text())
    assert set(metrics) >= {"testAccuracy", "history", "seed", "recipe", "dataSha256"}
    assert [h["epoch"] for h in metrics["history"]] == [1, 2]
    assert set(metrics["history"][0]) == {
        "epoch",
        "loss",
        "trainAccuracy",
        "testAccuracy",
        "seconds",
    }
    assert metrics["seed"] == 3 and metrics["recipe"]["epochs"] == 2
    assert metrics["testAccuracy"] == metrics["history"][-1]["testAccuracy"]
    params = cli.load_checkpoint(out)
    assert [w.shape for w, _ in params] == [(784, 128), (128, 64), (64, 10)]
    assert sorted(p.name for p in out.iterdir()) == ["checkpoint.npz", "metrics.json"]


@pytest.mark.mnist
def test_one_epoch_on_real_mnist_reaches_95_percent(mnist):
    recipe = dataclasses.replace(train.DEFAULT, epochs=1)
    params, history = train.train(mnist, recipe, seed=0)
    assert history[0]["testAccuracy"] >= 0.95
    assert (
        train.accuracy(params, mnist.test.images, mnist.test.labels) == history[0]["testAccuracy"]
    )
    assert np.isfinite(history[0]["loss"])


def test_weight_average_forgets_its_random_start():
    """After one step the unbiased average is the trained weights, not 99.9 % random start."""
    rng = np.random.default_rng(0)
    start = [(rng.standard_normal((3, 2)).astype(np.float32), np.zeros(2, np.float32))]
    step = [(np.ones((3, 2), np.float32), np.ones(2, np.float32))]
    averaged = [tuple(0.999 * s + 0.001 * t for s, t in zip(start[0], step[0]))]
    out = train.unbiased(averaged, start, train.DEFAULT, steps=1)
    assert np.allclose(out[0][0], 1.0, atol=1e-3) and np.allclose(out[0][1], 1.0, atol=1e-3)
    assert train.unbiased(averaged, start, train.DEFAULT, steps=20_000) is averaged


def test_augmenter_warps_part_of_the_pool_each_epoch_and_keeps_the_rest():
    imgs = np.zeros((400, 28, 28), np.uint8)
    imgs[:, 8:20, 12:16] = 200
    recipe = dataclasses.replace(
        train.DEFAULT,
        warp_bank=50,
        elastic_rms=1.0,
        rotate=10.0,
        warp_refresh=0.25,
        clean=0.0,
        thicken=0.0,
        thin=0.0,
        max_shift=0,
    )
    aug = train.Augmenter(imgs, recipe, np.random.default_rng(0))
    first = aug.epoch()
    changed = (first != imgs).any(axis=(1, 2))
    assert 0.15 < changed.mean() < 0.35  # about a quarter warped in the first epoch
    second = aug.epoch()
    kept = (second == first).all(axis=(1, 2))
    assert kept[changed].mean() > 0.6  # a warped digit mostly keeps its warp for a few epochs
    assert (second != imgs).any(axis=(1, 2)).mean() > changed.mean()  # the pool fills up
    plain = train.Augmenter(
        imgs, dataclasses.replace(recipe, warp_bank=0), np.random.default_rng(0)
    )
    assert np.array_equal(plain.epoch(), imgs)  # no warps, no shifts: the digits as they are
