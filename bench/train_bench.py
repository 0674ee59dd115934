"""Training figures for `nox -s bench`: the default recipe on seeds 0, 1 and 2 against the
original recipe in the same run (accuracy, wall time, time to first reach 98.2 % and 99.0 %),
what each augmentation costs per epoch, and the robustness suite of the default model (seed 0)
beside the published 1.0.0's.

Everything runs on the same machine in the same process, so the ratios are meaningful on noisy
shared machines even when the absolute seconds are not. Prints JSON to stdout.
"""

from __future__ import annotations

import dataclasses
import json
import sys
import time

import numpy as np
from digitnet import data, evaluate, layout, model, reference, train

TARGETS = (0.982, 0.99)  # the write-up's final accuracy, and the old default's target
SEEDS = (0, 1, 2)
BASELINE_WEIGHTS = layout.version_file(layout.FIXTURES, "1.0.0")


def run(name: str, recipe: train.Recipe, ds: data.Dataset, seed: int) -> tuple[dict, list]:
    started = time.perf_counter()
    reached: dict[float, float] = {}

    def log(entry: dict) -> None:
        for target in TARGETS:
            if target not in reached and entry["testAccuracy"] >= target:
                reached[target] = round(time.perf_counter() - started, 2)
        print(
            f"  {name} seed {seed} epoch {entry['epoch']}/{entry['epochs']} "
            f"test {entry['testAccuracy']:.2%}",
            file=sys.stderr,
            flush=True,
        )

    params, history = train.train(ds, recipe, seed=seed, log=log)
    return {
        "recipe": name,
        "seed": seed,
        "wallSeconds": round(time.perf_counter() - started, 2),
        "testAccuracy": history[-1]["testAccuracy"],
        "secondsTo": {f"{t:.1%}": reached.get(t) for t in TARGETS},  # None: never reached
    }, params


def augmentation_costs(ds: data.Dataset, epochs: int = 3) -> dict:
    """Seconds per epoch (60,000 digits) of each augmentation of the default recipe alone, as
    train.Augmenter runs it, of all together, and of a whole epoch of 1.0.0's recipe (shifts,
    forward, backward, Adam, weight average) for scale."""
    d, images = train.DEFAULT, ds.train.images
    off = dict(warp_bank=0, thicken=0.0, thin=0.0, max_shift=0)
    parts = {
        "shifts": dataclasses.replace(d, **{**off, "max_shift": d.max_shift}),
        "warps (affine + elastic)": dataclasses.replace(d, **{**off, "warp_bank": d.warp_bank}),
        "thickness": dataclasses.replace(d, **{**off, "thicken": d.thicken, "thin": d.thin}),
        "all (the default recipe)": d,
    }
    costs = {}
    for name, recipe in parts.items():
        aug = train.Augmenter(images, recipe, np.random.default_rng(0))
        started = time.perf_counter()
        for _ in range(epochs):
            aug.epoch()
        costs[name] = round((time.perf_counter() - started) / epochs, 3)
    _, history = train.train(ds, dataclasses.replace(train.RECIPES["1.0.0"], epochs=epochs))
    costs["one epoch of 1.0.0's recipe, for scale"] = min(h["seconds"] for h in history)
    return costs


def suites(params, ds: data.Dataset) -> dict:
    """The robustness suite of the default model (float) and of the published 1.0.0 (int8)."""
    ours = evaluate.evaluate(lambda imgs: model.predict(params, train.to_inputs(imgs)), ds.test)
    old = reference.load_model(BASELINE_WEIGHTS)
    theirs = evaluate.evaluate(
        lambda imgs: old.forward(imgs.reshape(len(imgs), -1) / 255.0)["logits"].argmax(1), ds.test
    )
    return {"default (float, seed 0)": ours["robustness"], "1.0.0 (int8)": theirs["robustness"]}


def main() -> None:
    ds = data.load()
    results = [run("original", train.ORIGINAL, ds, 0)[0]]
    first = None
    for seed in SEEDS:
        result, params = run("default", train.DEFAULT, ds, seed)
        results.append(result)
        first = first if first is not None else params
    report = {
        "runs": results,
        "augmentationSecondsPerEpoch": augmentation_costs(ds),
        "robustness": suites(first, ds),
    }
    json.dump(report, sys.stdout, indent=2)
    print()


if __name__ == "__main__":
    main()
