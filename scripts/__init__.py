"""The project's command-line tools, run from the repository root as ``python -m scripts.NAME``."""
