"""Notebook display of result objects: a concise Markdown summary of a frozen dataclass.

Jupyter calls ``_repr_markdown_``; :class:`MarkdownSummary` gives every result dataclass one,
built from its fields: numbers with 6 significant digits, arrays by shape and range, nested
results by their own one-line summary. Physics-free; used by :mod:`learning` and
:mod:`emergent` result types.

>>> from dataclasses import dataclass
>>> import numpy as np
>>> @dataclass(frozen=True)
... class Result(MarkdownSummary):
...     energy: float
...     spectrum: np.ndarray
>>> print(Result(1.5, np.array([1.0, 2.0, 4.0]))._repr_markdown_())
**Result**
<BLANKLINE>
| field | value |
| --- | --- |
| energy | 1.5 |
| spectrum | array (3,), min 1, max 4 |
"""

from __future__ import annotations

import dataclasses
import enum
import numbers

import numpy as np

from ntcore.checks import count

__all__ = ["MarkdownSummary", "summary_markdown", "format_value"]


def format_value(value: object, width: int = 60) -> str:
    """One table cell: numbers to 6 significant digits, arrays by shape and range.

    Examples
    --------
    >>> import numpy as np
    >>> format_value(np.pi), format_value(np.arange(6.0).reshape(2, 3)), format_value(True)
    ('3.14159', 'array (2, 3), min 0, max 5', 'True')
    """
    width = count("width", width, minimum=2)  # room for one character and the ellipsis
    if isinstance(value, enum.Enum):
        return str(value.value)
    if isinstance(value, bool | np.bool_):
        return str(bool(value))
    if isinstance(value, numbers.Integral):
        return str(int(value))
    if isinstance(value, numbers.Real):
        return f"{float(value):.6g}"
    if isinstance(value, np.ndarray):
        if value.size == 0:
            return f"array {value.shape}, empty"
        if np.issubdtype(value.dtype, np.number) and np.isrealobj(value):
            return (f"array {value.shape}, min {float(np.nanmin(value)):.4g}, "
                    f"max {float(np.nanmax(value)):.4g}")
        return f"array {value.shape} of {value.dtype}"
    if dataclasses.is_dataclass(value) and not isinstance(value, type):
        return type(value).__name__
    if isinstance(value, list | tuple) and len(value) <= 6 and \
            all(isinstance(v, numbers.Number | str) for v in value):
        return "(" + ", ".join(format_value(v) for v in value) + ")"
    if isinstance(value, list | tuple | dict):
        return f"{type(value).__name__} of {len(value)}"
    text = str(value).replace("\n", " ").replace("|", "\\|")
    return text if len(text) <= width else text[: width - 1] + "…"


def summary_markdown(obj: object, title: str | None = None) -> str:
    """A Markdown table of a dataclass's fields (and of its ``ok``/``verdict`` if it has one).

    Examples
    --------
    >>> from dataclasses import dataclass
    >>> @dataclass
    ... class Fit:
    ...     slope: float
    ...     points: int
    >>> print(summary_markdown(Fit(2 / 3, 7)))
    **Fit**
    <BLANKLINE>
    | field | value |
    | --- | --- |
    | slope | 0.666667 |
    | points | 7 |
    """
    if not dataclasses.is_dataclass(obj) or isinstance(obj, type):
        raise TypeError(f"obj must be a dataclass instance, got {type(obj).__name__}")
    if title is not None and not isinstance(title, str):
        raise TypeError(f"title must be a str or None, got {type(title).__name__}")
    rows = [f"**{title or type(obj).__name__}**", "", "| field | value |", "| --- | --- |"]
    for f in dataclasses.fields(obj):
        if f.repr and not f.name.startswith("_"):
            rows.append(f"| {f.name} | {format_value(getattr(obj, f.name))} |")
    return "\n".join(rows)


class MarkdownSummary:
    """Mixin for result dataclasses: Jupyter shows :func:`summary_markdown` of the object.

    Examples
    --------
    >>> from dataclasses import dataclass
    >>> @dataclass
    ... class Fit(MarkdownSummary):
    ...     slope: float
    >>> Fit(0.5)._repr_markdown_() == summary_markdown(Fit(0.5))
    True
    """

    def _repr_markdown_(self) -> str:
        return summary_markdown(self)
