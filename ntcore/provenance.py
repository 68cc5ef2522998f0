"""Provenance recorded next to every result: library versions and the platform."""

from __future__ import annotations

import platform
import sys
from importlib import metadata

_PACKAGES = ("neural-thermodynamics", "numpy", "scipy", "sympy", "einsteinpy", "matplotlib",
             "tqdm", "mlxtend")


def library_versions() -> dict[str, str]:
    """Versions of Python, the platform and the libraries the results depend on.

    Examples
    --------
    >>> import platform
    >>> import numpy as np
    >>> v = library_versions()
    >>> v["python"] == platform.python_version(), v["numpy"] == np.__version__
    (True, True)
    """
    out = {"python": sys.version.split()[0], "platform": platform.platform()}
    for name in _PACKAGES:
        try:
            out[name] = metadata.version(name)
        except metadata.PackageNotFoundError:
            out[name] = "not installed"
    return out
