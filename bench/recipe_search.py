"""Recipe experiments, chosen on a validation split: train on the first 50,000 training digits,
measure on the last 10,000 (never on the test set; its figure is printed for the record only).

    python bench/recipe_search.py NAME '{"epochs": 40, "elastic_rms": 1.0, ...}' [--seed S]
        [--save RUN] [--teacher RUN]

appends one JSON line to artifacts/recipe_search.jsonl: validation accuracy (float, and int8
as export quantizes it), the robustness suite of the float model on the validation digits,
wall time and augmentation seconds per epoch.
"""

from __future__ import annotations

import argparse
import dataclasses
import json
import time
from pathlib import Path

import numpy as np
from digitnet import checkpoint, data, export, model, reference, robustness, train

ROOT = Path(__file__).resolve().parent.parent
VALIDATION = 10_000


def validation_split(ds: data.Dataset) -> data.Dataset:
    """Train on all but the last VALIDATION training digits; they become the 'test' split."""
    tr = ds.train
    fit = data.Split(tr.images[:-VALIDATION], tr.labels[:-VALIDATION])
    val = data.Split(tr.images[-VALIDATION:], tr.labels[-VALIDATION:])
    return dataclasses.replace(ds, train=fit, test=val)


def int8_classifier(params):
    m = reference.load_model(export.model_document(params, "0.0.0", False, {}))
    return lambda imgs: m.forward(imgs.reshape(len(imgs), -1) / 255.0)["logits"].argmax(1)


def float_classifier(params):
    return lambda imgs: model.predict(params, train.to_inputs(imgs))


def augmentation_seconds(recipe: train.Recipe, images: np.ndarray, epochs: int = 3) -> float:
    aug = train.Augmenter(images, recipe, np.random.default_rng(0))
    started = time.perf_counter()
    for _ in range(epochs):
        aug.epoch()
    return (time.perf_counter() - started) / epochs


def main() -> None:
    p = argparse.ArgumentParser()
    p.add_argument("name")
    p.add_argument("overrides", help="JSON object of Recipe fields")
    p.add_argument("--seed", type=int, default=0)
    p.add_argument("--int8", action="store_true", help="also the int8 validation accuracy")
    p.add_argument("--test", action="store_true", help="also the test accuracy (report only)")
    p.add_argument("--save", help="write the run's checkpoint.npz into this folder")
    p.add_argument(
        "--teacher", help="distill from this run folder's checkpoint (one trained on this split)"
    )
    args = p.parse_args()
    full = data.load()
    ds = validation_split(full)
    recipe = dataclasses.replace(train.DEFAULT, **json.loads(args.overrides))
    started = time.perf_counter()
    teacher = checkpoint.load(Path(args.teacher)) if args.teacher else None
    params, history = train.train(ds, recipe, seed=args.seed, teacher=teacher)
    wall = time.perf_counter() - started
    if args.save:
        Path(args.save).mkdir(parents=True, exist_ok=True)
        checkpoint.save(Path(args.save) / checkpoint.NAME, params)
    # the weights as trained: fake-quantized where the recipe's bits are below 8
    classify = float_classifier(train.quantized(params, recipe.bits)[0])
    result = {
        "name": args.name,
        "seed": args.seed,
        "overrides": json.loads(args.overrides),
        "teacher": args.teacher,
        "val": history[-1]["testAccuracy"],
        "val_curve": [h["testAccuracy"] for h in history],
        "wall": round(wall, 1),
        "aug_s_per_epoch": round(augmentation_seconds(recipe, ds.train.images), 3),
        "suite_val": {
            k: round(v, 4)
            for k, v in robustness.accuracies(classify, ds.test.images, ds.test.labels).items()
        },
    }
    if args.int8:
        result["val_int8"] = float(
            (int8_classifier(params)(ds.test.images) == ds.test.labels).mean()
        )
    if args.test:
        live = train.quantized(params, recipe.bits)[0]
        result["test"] = train.accuracy(live, full.test.images, full.test.labels)
    out = ROOT / "artifacts" / "recipe_search.jsonl"
    out.parent.mkdir(exist_ok=True)
    with open(out, "a") as f:
        f.write(json.dumps(result) + "\n")
    print(json.dumps(result))


if __name__ == "__main__":
    main()
