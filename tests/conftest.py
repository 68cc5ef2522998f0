"""Shared pytest configuration.

Hypothesis runs with its default settings (the issues ask that the property tests
pass under them); the ``ci`` profile only lifts the per-example deadline, which is
meaningless on a loaded 2-core machine and is not a correctness property.
"""

import os

import matplotlib
from hypothesis import settings

matplotlib.use("Agg")

settings.register_profile("ci", deadline=None)
settings.load_profile(os.environ.get("HYPOTHESIS_PROFILE", "ci"))
