r"""The Onsager tensor of Section 12 against the Einstein-Hilbert action, by exact jets.

Densities quadratic in first derivatives of the metric, (12.6):

.. math::

    √|g|\, Q, \qquad Q = L^{μναβγδ} g_{αβ,μ} g_{γδ,ν},

with L built from three inverse metrics and the symmetries (12.7)-(12.8).  Contracting
three inverse metrics with :math:`∂_μ g_{αβ}\, ∂_ν g_{γδ}` gives five independent invariants
(the basis used here, ``BASIS``), each times :math:`g_{αβ,μ} g_{γδ,ν}`:

.. math::

    I_1 = g^{μν} g^{αγ} g^{βδ}, \quad I_2 = g^{μγ} g^{αν} g^{βδ}, \quad I_3 = g^{μν} g^{αβ} g^{γδ},
    \quad I_4 = g^{μα} g^{βν} g^{γδ}, \quad I_5 = g^{μα} g^{νγ} g^{βδ}.

The four terms of (12.9) are I2, I2 (after γ <-> δ), I1 and I3:
Q_(12.9) = (2 I2 - I1 - I3) / (8κ).

Method: two densities differ by a total divergence iff their Euler-Lagrange expressions
:math:`E^{ab} = ∂𝓛/∂g_{ab} - ∂_μ\, ∂𝓛/∂g_{ab,μ}` agree identically; and
:math:`E^{ab}[√|g| R] = -√|g| G^{ab}`.  Both sides are evaluated *exactly* at random jets
(g, ∂g, ∂∂g) at a point, with integer metrics g = Uᵀ η U (U unimodular), so :math:`g^{-1}` is an
integer matrix and |det g| = 1: no symbolic inverse is ever formed.  E is linear in the density, so
the coefficients c with E[√|g| Σ c_i I_i] = E[√|g| R/(2κ)] solve a linear system whose rank
and null space are computed exactly (SymPy over the rationals).  A polynomial identity of
degree d that fails is detected by a random point with entries drawn from S values with
probability >= 1 - d/|S| (Schwartz-Zippel); many independent jets make a false "holds"
negligible.

Modules (one idea each): :mod:`~emergent.onsager.basis` (the basis, Euler-Lagrange
expressions at jets, the proportionality test), :mod:`~emergent.onsager.cost` (the time of a
request and its refusal), :mod:`~emergent.onsager.family` (the family of tensors and the
verdict on (12.9)), :mod:`~emergent.onsager.expressions` (printed index expressions),
:mod:`~emergent.onsager.symmetry` (counting by symmetry), :mod:`~emergent.onsager.field_equations`
(the signs of (12.12)-(12.14)), :mod:`~emergent.onsager.symbolic` (the fully symbolic route).
The jets themselves are :mod:`emergent.jets`.
"""

from emergent.onsager.basis import (
    BASIS,
    PAPER_12_9,
    divergence_term,
    einstein_tensor_upper,
    euler_lagrange_basis,
    gamma_gamma_density,
    ricci_scalar,
    volume_euler_lagrange,
)
from emergent.onsager.cost import check_jet_request, estimated_seconds
from emergent.onsager.expressions import (
    PAPER_12_9_PRINTED,
    contract_into_basis,
    parse_index_expression,
)
from emergent.onsager.family import (
    OnsagerFamily,
    OnsagerVerdict,
    family_of_onsager_tensors,
    onsager_verdict,
)
from emergent.onsager.field_equations import FieldEquationSigns, field_equation_signs
from emergent.onsager.symbolic import symbolic_euler_lagrange
from emergent.onsager.symmetry import SymmetryCount, symmetry_count

__all__ = ["BASIS", "PAPER_12_9", "PAPER_12_9_PRINTED", "parse_index_expression",
           "contract_into_basis", "volume_euler_lagrange", "estimated_seconds",
           "check_jet_request", "einstein_tensor_upper",
           "euler_lagrange_basis", "gamma_gamma_density", "family_of_onsager_tensors",
           "OnsagerFamily", "OnsagerVerdict", "onsager_verdict", "SymmetryCount",
           "symmetry_count", "ricci_scalar", "divergence_term", "FieldEquationSigns",
           "field_equation_signs", "symbolic_euler_lagrange"]
