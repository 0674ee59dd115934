import dataclasses
import json
from pathlib import Path

import numpy as np
import pytest
from conftest import write_dataset

from digitnet import cli, data, model, quantize, runs, train

FIXTURES = Path(__file__).resolve().parents[2] / "fixtures"
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
    params = runs.read(out).params
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


def tiny_network(rng):
    params = model.init_params(rng, sizes=(12, 7, 5, 10), dtype=np.float64)
    return [(w, rng.standard_normal(b.shape) * 0.1) for w, b in params]  # nonzero biases too


def test_quantization_aware_gradient_is_the_saturating_straight_through_estimate():
    """QAT's gradient against central differences of the loss of the fake-quantized network in
    its quantized weights (the estimate a straight-through estimator passes on), reaching the
    float weights inside the clipping range only; an 8-bit layer trains in float."""
    rng = np.random.default_rng(1)
    params = tiny_network(rng)
    x, y = rng.random((6, 12)), rng.integers(0, 10, 6)
    live, masks = train.quantized(params, (4, 4, 8))
    probs, acts = model.forward(live, x)
    grads = train.straight_through(model.backward(live, probs, acts, y), masks)
    assert live[2][0] is params[2][0] and masks[2] is None
    eps = 1e-6
    for k, (wq, _) in enumerate(live):
        numeric = np.zeros_like(wq)
        for i in np.ndindex(wq.shape):
            old = wq[i]
            wq[i] = old + eps
            plus = model.cross_entropy(model.forward(live, x)[0], y)
            wq[i] = old - eps
            minus = model.cross_entropy(model.forward(live, x)[0], y)
            wq[i] = old
            numeric[i] = (plus - minus) / (2 * eps)
        expected = numeric if masks[k] is None else numeric * masks[k]
        rel = np.abs(grads[k][0] - expected).max() / np.abs(expected).max()
        assert rel < 1e-6, f"layer {k}: relative error {rel:.2e}"
    assert all(m.all() for m in masks[:2])  # the peak's scale clips nothing


def test_saturating_estimator_stops_the_gradient_of_clipped_weights():
    """With a scale that clips (here 60 % of the peak's), the weights beyond L * scale are
    written as +-L and get no gradient; the others get the quantized weights' gradient."""
    w = np.random.default_rng(2).standard_normal((30, 4))
    scales = 0.6 * quantize.peak_scales(w, True, 4)
    wq, mask = quantize.fake(w, 4, scales)
    clipped = ~mask
    assert clipped.any() and mask.any()
    assert (np.abs(wq[clipped]) == (7 * scales * np.ones_like(w))[clipped]).all()
    ones = np.ones_like(w)
    ((g, gb),) = train.straight_through([(ones, np.ones(4))], [mask])
    assert (g == mask).all() and (gb == 1).all()


def test_4_bit_training_is_reproducible_and_trains_other_weights(tmp_path):
    ds = data.load(write_dataset(tmp_path / "d", n_train=64, n_test=16))
    four = dataclasses.replace(TINY, bits=(4, 4, 4))
    a, _ = train.train(ds, four, seed=7)
    b, _ = train.train(ds, four, seed=7)
    c, _ = train.train(ds, TINY, seed=7)
    flat = lambda p: b"".join(w.tobytes() + bias.tobytes() for w, bias in p)  # noqa: E731
    assert flat(a) == flat(b)
    assert flat(a) != flat(c)


@pytest.mark.parametrize(
    ("flag", "widths"), [("4", (4, 4, 4)), ("8", (8, 8, 8)), ("4,4,8", (4, 4, 8))]
)
def test_train_bits_flag_sets_each_layers_width(flag, widths):
    args = cli.parser().parse_args(["train", "--bits", flag])
    assert args.bits == widths


@pytest.mark.parametrize("flag", ["5", "4,4", "4,4,4,4", "four", "4,,8", ""])
def test_train_bits_flag_refuses_other_widths_in_one_line(flag, capsys):
    with pytest.raises(SystemExit) as e:
        cli.main(["train", "--bits", flag])
    assert e.value.code == 2
    err = capsys.readouterr().err
    assert err.count("\n") == 1 and "--bits" in err and "expected one of 4, 8" in err


def test_distillation_gradient_is_the_soft_cross_entropys():
    """backward() given distilled() probabilities gives the gradient of the cross-entropy with
    the soft targets (1 - w) * onehot(y) + w * teacher(x), against central differences."""
    rng = np.random.default_rng(3)
    params, teacher = tiny_network(rng), tiny_network(rng)
    x, y, weight = rng.random((6, 12)), rng.integers(0, 10, 6), 0.3
    onehot = np.eye(10)[y]
    target = (1 - weight) * onehot + weight * model.forward(teacher, x)[0]

    def loss():
        return float(-(target * np.log(model.forward(params, x)[0])).sum(1).mean())

    probs, acts = model.forward(params, x)
    grads = model.backward(params, train.distilled(probs, teacher, weight, x, y), acts, y)
    w, eps = params[0][0], 1e-6
    numeric = np.zeros_like(w)
    for i in np.ndindex(w.shape):
        old = w[i]
        w[i] = old + eps
        plus = loss()
        w[i] = old - eps
        numeric[i] = (plus - loss()) / (2 * eps)
        w[i] = old
    assert np.abs(grads[0][0] - numeric).max() < 1e-6 * np.abs(numeric).max()
    assert (train.distilled(probs, teacher, 0.0, x, y) == probs).all()


def test_train_teacher_is_recorded_and_must_be_this_network(tmp_path, capsys):
    folder = write_dataset(tmp_path / "d", n_train=64, n_test=16)
    teacher = FIXTURES / "weights" / "1.1.0" / "model.json"
    args = ["train", "--data", str(folder), "--epochs", "1", "--bits", "4", "--out"]
    assert cli.main([*args, str(tmp_path / "run"), "--teacher", str(teacher)]) == 0
    metrics = json.loads((tmp_path / "run" / "metrics.json").read_text())
    assert metrics["teacher"]["weightsVersion"] == "1.1.0" and metrics["recipe"]["distill"] == 0.5
    small = tmp_path / "small.json"
    cases = json.loads((FIXTURES / "conformance" / "model-cases.json").read_text())["cases"]
    small.write_text(cases[0]["document"])  # the base case: a valid 784-1-10 model
    assert cli.main([*args, str(tmp_path / "run2"), "--teacher", str(small)]) == 2
    err = capsys.readouterr().err
    assert err.count("\n") == 1 and "expected [784, 128, 64, 10]" in err
    assert not (tmp_path / "run2").exists()
