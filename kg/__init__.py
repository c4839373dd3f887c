"""Press-release facts as linked data: the build pipeline (read, extract, encode, validate, store)."""

__version__ = "0.1.0"
