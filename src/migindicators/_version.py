#: The package version (PEP 440).
__version__ = "0.2.0.dev0"
