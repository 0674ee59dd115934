"""digitnet's sessions: `nox` runs every test session; `nox -s train` is the main job."""

from __future__ import annotations

import nox

nox.options.sessions = ["lint", "tests", "js", "parity", "e2e"]
nox.options.reuse_venv = "yes"

PY = "python"
JS = "js"


def install_python(session: nox.Session, *extra: str) -> None:
    session.install("-e", PY, *extra)


def npm_ci(session: nox.Session) -> None:
    session.run("npm", "ci", "--no-audit", "--no-fund", external=True, cwd=JS)


@nox.session
def train(session: nox.Session) -> None:
    """The main job: train the default recipe on verified MNIST (pass extra CLI flags after --)."""
    install_python(session)
    session.run("digitnet", "train", *session.posargs)


@nox.session
def tests(session: nox.Session) -> None:
    """Python tests (pytest), including a short real training run on MNIST."""
    install_python(session, "pytest", "jsonschema")
    session.run("pytest", "python/tests", *session.posargs)


@nox.session
def lint(session: nox.Session) -> None:
    """ruff check and ruff format --check."""
    session.install("ruff")
    session.run("ruff", "check", PY, "noxfile.py")
    session.run("ruff", "format", "--check", PY, "noxfile.py")


@nox.session
def js(session: nox.Session) -> None:
    """The npm package's tests with node:test (the accuracy test reads the verified MNIST)."""
    install_python(session)
    session.run("digitnet", "data", "fetch", silent=True)
    npm_ci(session)
    session.run("npm", "test", external=True, cwd=JS)


@nox.session
def bench(session: nox.Session) -> None:
    """Training and engine figures, each as a ratio against a baseline measured in the same run."""
    install_python(session)
    session.run("digitnet", "data", "fetch")
    session.run("python", "bench/report.py")


@nox.session
def parity(session: nox.Session) -> None:
    """JS engine and preprocessing vs the Python reference, every version, to 1e-12."""
    install_python(session)
    session.run("digitnet", "data", "fetch", silent=True)
    session.run("python", "-m", "digitnet.parity", *session.posargs)
