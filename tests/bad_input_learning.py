"""Bad-input table for the public names of learning not listed in tests/test_bad_input.py.

Each entry: the public name -> bad calls that must raise ValueError/TypeError naming the
argument; typed results the library builds go in ``RESULT_TYPES``; known open refusals in
``XFAIL`` (strict) with the reason.
"""

from __future__ import annotations

import numpy as np  # noqa: F401

from tests.bad_input_support import Bad  # noqa: F401

BAD: dict[str, list[Bad]] = {}
RESULT_TYPES: set[str] = set()
XFAIL: dict[tuple[str, int], str] = {}
