"""The data model and everything computed from it. Never imports dash."""

__version__ = "0.1.0"  # keep equal to pyproject.toml
