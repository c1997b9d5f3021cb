"""The version of skmlp, in one place."""

__version__ = "0.1.0"
