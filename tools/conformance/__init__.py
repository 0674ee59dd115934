"""The loader conformance suite's generator and mutator (fixtures/conformance/)."""
