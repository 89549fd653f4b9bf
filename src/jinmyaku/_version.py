"""The package version (one place; read by pyproject.toml's build and by every output)."""

__version__ = "0.1.0"
