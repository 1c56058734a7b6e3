"""apiconform: executable contracts for partner and vendor REST APIs."""

__version__ = "0.1.0"
__all__ = ["__version__"]
