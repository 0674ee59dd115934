"""A run folder as it would be published, measured in memory (nothing is written):

    python bench/candidate.py runs/1.1.0

prints float and int8 (per-layer, as `digitnet export` quantizes) test accuracy and the int8
model's robustness suite beside the published 1.0.0's.
"""

from __future__ import annotations

import sys
from pathlib import Path

from digitnet import data, evaluate, export, layout, model, reference, runs, train

BASELINE = layout.version_file(layout.FIXTURES, "1.0.0")


def int8_reader(m: reference.Model):
    return lambda imgs: m.forward(imgs.reshape(len(imgs), -1) / 255.0)["logits"].argmax(1)


def main() -> None:
    run = Path(sys.argv[1])
    params = runs.read(run).params
    ds = data.load()
    float_acc = float(
        (model.predict(params, train.to_inputs(ds.test.images)) == ds.test.labels).mean()
    )
    doc = export.model_document(params, "0.0.0", False, {})
    ours = evaluate.evaluate(int8_reader(reference.load_model(doc)), ds.test)
    old = evaluate.evaluate(int8_reader(reference.load_model(BASELINE)), ds.test)
    print(f"{run}: float {float_acc:.2%}, int8 (per-layer) {ours['accuracy']:.2%}")
    print(f"{'':<16}{'1.0.0':>9}{run.name:>9}{'change':>9}")
    for key, new in ours["robustness"].items():
        was = old["robustness"][key]
        print(f"{key:<16}{was:>9.2%}{new:>9.2%}{(new - was) * 100:>+8.2f}")


if __name__ == "__main__":
    main()
