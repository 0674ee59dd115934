"""The cross-language parity harness (`python -m digitnet.parity`, `nox -s parity`)."""
