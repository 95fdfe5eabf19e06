from integration.conftest import stack  # noqa: F401 - the same real stack, started once
