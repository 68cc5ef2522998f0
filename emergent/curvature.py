r"""Curvature of a metric 2-jet, each object computed once and passed on (EinsteinPy's chain).

A :class:`~emergent.jets.Jet` holds g_ab, ∂_c g_ab and ∂_c∂_d g_ab at a point, exactly
(NumPy object arrays of ints/Fractions).  From it, in order:

1. :func:`christoffels`: :math:`Γ^a_{bc}` and :math:`∂_e Γ^a_{bc}` from the metric jet, (12.11);
2. :func:`riemann`: :math:`R^a_{bcd}`;
3. :func:`ricci`: :math:`R_{bd} = R^a_{bad}`, (12.13), and :func:`ricci_scalar_of`: R;
4. :func:`einstein_upper`: :math:`G^{ab}`.

Each function takes the previous object, so nothing is recomputed inside another function
(as EinsteinPy's ``ChristoffelSymbols.from_metric`` -> ``RiemannCurvatureTensor.
from_christoffels`` -> ``RicciTensor.from_riemann``).  Conventions (those of EinsteinPy,
against which the tests compare):

.. math::

    R^a_{bcd} = ∂_c Γ^a_{db} - ∂_d Γ^a_{cb} + Γ^a_{ce} Γ^e_{db} - Γ^a_{de} Γ^e_{cb},
    \quad R_{bd} = R^a_{bad}, \quad G_{bd} = R_{bd} - ½ R g_{bd}.


>>> import numpy as np
>>> from emergent.jets import random_jet
>>> jet = random_jet(3, seed=1)
>>> ch = christoffels(jet)
>>> riem = riemann(jet, ch)
>>> bool(np.all(riem + np.einsum("abdc->abcd", riem) == 0))  # antisymmetric in c, d
True
"""

from __future__ import annotations

from dataclasses import dataclass
from fractions import Fraction

import numpy as np

from emergent.jets import Jet, check_jet

__all__ = ["Christoffels", "inverse_metric_derivative", "christoffels", "riemann",
           "ricci", "ricci_scalar_of", "einstein_upper"]

_HALF = Fraction(1, 2)


@dataclass(frozen=True, eq=False)
class Christoffels:
    """:math:`Γ^a_{bc}` (``gamma[a, b, c]``) and its derivative :math:`∂_e Γ^a_{bc}`
    (``dgamma[e, a, b, c]``) at the jet's point, (12.11), exact."""

    gamma: np.ndarray
    dgamma: np.ndarray


def _check_tensor(value: np.ndarray, name: str, shape: tuple[int, ...]) -> np.ndarray:
    if not isinstance(value, np.ndarray) or value.shape != shape:
        raise ValueError(f"{name} must be an array of shape {shape} (the jet's dimension), got "
                         f"{getattr(value, 'shape', type(value).__name__)}")
    return value


def inverse_metric_derivative(jet: Jet) -> np.ndarray:
    r""":math:`\partial_e g^{ij} = -g^{ip}\, \partial_e g_{pq}\, g^{qj}`, shape ``(e, i, j)``,
    exact.

    Enters Γ of (12.11).

    Examples
    --------
    ∂_e(g g⁻¹) = 0, exactly:

    >>> import numpy as np
    >>> from emergent.jets import random_jet
    >>> jet = random_jet(3, seed=2)
    >>> d = inverse_metric_derivative(jet)
    >>> bool(all(np.all(jet.v[e] @ jet.ginv + jet.g @ d[e] == 0) for e in range(3)))
    True
    """
    check_jet(jet)
    return -np.einsum("ip,epq,qj->eij", jet.ginv, jet.v, jet.ginv)


def _lower(d: np.ndarray) -> np.ndarray:
    """:math:`Γ_{dbc} = ½ (g_{db,c} + g_{dc,b} - g_{bc,d})` from ``d[..., c, a, b]`` =
    :math:`∂_c g_{ab}`."""
    return _HALF * (np.einsum("...cdb->...dbc", d) + np.einsum("...bdc->...dbc", d)
                    - np.einsum("...dbc->...dbc", d))


def christoffels(jet: Jet) -> Christoffels:
    r""":math:`\Gamma^a_{bc} = g^{ad} \Gamma_{dbc}` and :math:`\partial_e \Gamma^a_{bc}` at the jet,
    (12.11).

    >>> from emergent.jets import random_jet
    >>> ch = christoffels(random_jet(2, seed=0))
    >>> bool((ch.gamma == ch.gamma.transpose(0, 2, 1)).all())  # symmetric in b, c
    True
    """
    check_jet(jet)
    gi, v, w = jet.ginv, jet.v, jet.w
    low = _lower(v)
    dlow = _lower(w)  # w[e, c, a, b] = ∂_e ∂_c g_{ab}: the same combination, differentiated
    gam = np.einsum("ad,dbc->abc", gi, low)
    dgam = (np.einsum("ead,dbc->eabc", inverse_metric_derivative(jet), low)
            + np.einsum("ad,edbc->eabc", gi, dlow))
    return Christoffels(gamma=gam, dgamma=dgam)


def riemann(jet: Jet, ch: Christoffels | None = None) -> np.ndarray:
    r""":math:`R^a_{bcd} = \partial_c \Gamma^a_{db} - \partial_d \Gamma^a_{cb}`
    :math:`{} + \Gamma^a_{ce} \Gamma^e_{db} - \Gamma^a_{de} \Gamma^e_{cb}`,
    exact.

    ``ch`` is :func:`christoffels` of ``jet`` if the caller has it already.

    Its contraction is :math:`R_{μν}` of (12.13).

    Examples
    --------
    Lowered with g, :math:`R_{abcd}` has the pair symmetry :math:`R_{abcd} = R_{cdab}`:

    >>> import numpy as np
    >>> from emergent.jets import random_jet
    >>> jet = random_jet(3, seed=1)
    >>> low = np.einsum("ae,ebcd->abcd", jet.g, riemann(jet))
    >>> bool(np.all(low == np.einsum("abcd->cdab", low)))
    True
    """
    n = check_jet(jet).g.shape[0]
    if ch is None:
        ch = christoffels(jet)
    elif not isinstance(ch, Christoffels):
        raise TypeError(f"ch must be the Christoffels of jet or None, got {type(ch).__name__}")
    _check_tensor(ch.gamma, "ch.gamma", (n,) * 3)
    _check_tensor(ch.dgamma, "ch.dgamma", (n,) * 4)
    gam, dgam = ch.gamma, ch.dgamma
    return (np.einsum("cadb->abcd", dgam) - np.einsum("dacb->abcd", dgam)
            + np.einsum("ace,edb->abcd", gam, gam) - np.einsum("ade,ecb->abcd", gam, gam))


def ricci(riem: np.ndarray) -> np.ndarray:
    r""":math:`R_{bd} = R^a_{bad}` of (12.13) from the Riemann tensor ``riem[a, b, c, d]``.

    Examples
    --------
    Schwarzschild is a vacuum solution: R_bd = 0 at any point outside the horizon:

    >>> import numpy as np
    >>> import sympy as sp
    >>> from emergent.metrics import jet_at, schwarzschild
    >>> jet = jet_at(schwarzschild(mass=1), [0, 3, sp.pi / 2, 0])
    >>> bool(np.all(ricci(riemann(jet)) == 0))
    True
    """
    shape = getattr(riem, "shape", ())
    if not isinstance(riem, np.ndarray) or len(shape) != 4 or len(set(shape)) != 1:
        raise ValueError(f"riem must be an array of shape (n, n, n, n), got "
                         f"{getattr(riem, 'shape', type(riem).__name__)}")
    return np.einsum("abad->bd", riem)


def ricci_scalar_of(jet: Jet, ric: np.ndarray) -> Fraction | int:
    r""":math:`R = g^{bd} R_{bd}` (exact) from the Ricci tensor ``ric`` of :func:`ricci`.

    The R of (12.2) and (12.10).

    Examples
    --------
    de Sitter space of radius ℓ has R = 12/ℓ² everywhere:

    >>> import sympy as sp
    >>> from emergent.metrics import de_sitter, jet_at
    >>> jet = jet_at(de_sitter(length=2), [0, sp.Rational(1, 2), sp.pi / 2, 0])
    >>> ricci_scalar_of(jet, ricci(riemann(jet)))
    3
    """
    _check_tensor(ric, "ric", (check_jet(jet).g.shape[0],) * 2)
    return np.einsum("bd,bd->", jet.ginv, ric)


def einstein_upper(jet: Jet, ric: np.ndarray) -> np.ndarray:
    r""":math:`G^{ab} = g^{ac} g^{bd} (R_{cd} - \tfrac12 R\, g_{cd})` from the Ricci tensor ``ric``,
    exact.

    The left side of (12.12).

    Examples
    --------
    de Sitter space solves :math:`G^{ab} = -(3/ℓ²) g^{ab}`:

    >>> import numpy as np
    >>> import sympy as sp
    >>> from emergent.metrics import de_sitter, jet_at
    >>> jet = jet_at(de_sitter(length=2), [0, sp.Rational(1, 2), sp.pi / 2, 0])
    >>> G = einstein_upper(jet, ricci(riemann(jet)))
    >>> bool(np.all(G + sp.Rational(3, 4) * jet.ginv == 0))
    True
    """
    _check_tensor(ric, "ric", (check_jet(jet).g.shape[0],) * 2)
    r = ricci_scalar_of(jet, ric)
    g_low = ric - _HALF * r * jet.g
    return np.einsum("ac,bd,cd->ab", jet.ginv, jet.ginv, g_low)
