"""`digitnet.pretrained()`: the published weights that ship inside the Python package.

The wheel and the sdist carry `digitnet/weights/X.Y.Z/model.json` for each bundled version,
byte for byte the published `fixtures/weights/X.Y.Z/model.json` (`nox -s pin` copies it,
`nox -s release_check` checks it), so an installed package predicts without the repository.
The newest bundled version is the one the Python package pins.
"""

from __future__ import annotations

from importlib import resources

from . import layout
from .errors import DigitnetError
from .reference import Model, is_version, load_model


def _weights():
    return resources.files(__package__) / "weights"


def _key(version: str) -> tuple[int, ...]:
    return tuple(int(part) for part in version.split("."))


def bundled_versions() -> list[str]:
    """The weights versions inside this package, oldest first."""
    folder = _weights()
    if not folder.is_dir():
        return []
    found = [
        entry.name
        for entry in folder.iterdir()
        if is_version(entry.name) and (entry / layout.MODEL).is_file()
    ]
    return sorted(found, key=_key)


def pretrained(version: str | None = None) -> Model:
    """The bundled model of `version` (X.Y.Z), or the newest bundled one when None.

    An unknown version is a DigitnetError naming the versions this package bundles.
    """
    versions = bundled_versions()
    if not versions:
        raise DigitnetError("digitnet.pretrained: this installation bundles no weights")
    if version is None:
        version = versions[-1]
    elif version not in versions:
        raise DigitnetError(
            f"digitnet.pretrained: weights {version!r} are not bundled; this package bundles "
            f"{', '.join(versions)} (load any other published version with digitnet.load_model)"
        )
    data = (_weights() / version / layout.MODEL).read_bytes()
    return load_model(data)
