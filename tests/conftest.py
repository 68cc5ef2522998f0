"""Shared pytest configuration.

Hypothesis runs with its default settings (the issues ask that the property tests
pass under them); the ``ci`` profile only lifts the per-example deadline, which is
meaningless on a loaded 2-core machine and is not a correctness property.  The
``mutation`` profile (used by benchmarks/mutation.py) also skips shrinking: a mutant is
killed by the first failing example, and shrinking it only costs time.
"""

import os

import matplotlib
from hypothesis import Phase, settings

matplotlib.use("Agg")

settings.register_profile("ci", deadline=None)
settings.register_profile("mutation", deadline=None,
                          phases=[Phase.explicit, Phase.reuse, Phase.generate])
settings.load_profile(os.environ.get("HYPOTHESIS_PROFILE", "ci"))
