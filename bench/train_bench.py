"""Train the original recipe and ours in the same run; report wall time, accuracy, time to 98.2 %.

Both run on the same machine in the same process, so the ratio is meaningful on noisy shared
machines even when the absolute seconds are not.
"""

from __future__ import annotations

import json
import sys
import time

from digitnet import augment, data, train

TARGET = 0.982  # the write-up's final accuracy


def run(name: str, recipe: train.Recipe, ds: data.Dataset) -> dict:
    started = time.perf_counter()
    reached = None

    def log(entry: dict) -> None:
        nonlocal reached
        if reached is None and entry["test_accuracy"] >= TARGET:
            reached = time.perf_counter() - started
        print(
            f"  {name} epoch {entry['epoch']}/{entry['epochs']} test {entry['test_accuracy']:.2%}",
            file=sys.stderr,
            flush=True,
        )

    params, history = train.train(ds, recipe, seed=0, log=log)
    wall = time.perf_counter() - started
    shifted = {
        d: train.accuracy(params, augment.fixed_shift(ds.test.images, d), ds.test.labels)
        for d in (2, 3, 4)
    }
    return {
        "recipe": name,
        "wall_seconds": round(wall, 2),
        "test_accuracy": history[-1]["test_accuracy"],
        "seconds_to_98_2": None if reached is None else round(reached, 2),
        "shift_accuracy": {str(d): a for d, a in shifted.items()},
    }


def main() -> None:
    ds = data.load()
    results = [run("original", train.ORIGINAL, ds), run("default", train.DEFAULT, ds)]
    json.dump(results, sys.stdout, indent=2)
    print()


if __name__ == "__main__":
    main()
