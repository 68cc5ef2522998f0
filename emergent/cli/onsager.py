"""``python -m emergent onsager --dim 4``: the verdict on (12.9), the family, the signs.

Every verdict word printed here comes from :mod:`ntcore.verdict` applied to an exact measured
number (a residual, a rank excess, a proportionality factor); none is typed.
"""

from __future__ import annotations

import argparse
import time
from collections.abc import Mapping
from fractions import Fraction

from emergent.onsager import (
    PAPER_12_9_PRINTED,
    check_jet_request,
    contract_into_basis,
    family_of_onsager_tensors,
    field_equation_signs,
    onsager_verdict,
    symmetry_count,
)
from ntcore.verdict import Claim, within_tolerance


def _fmt(coeffs: Mapping[str, Fraction]) -> str:
    return " ".join(f"{'+' if c >= 0 else '-'} {abs(c)}·{k}" for k, c in coeffs.items() if c)


def _said(claim: Claim) -> str:
    """The verdict word with the rule and the numbers it was derived from."""
    numbers = ", ".join(f"{k} {v:.3g}" for k, v in claim.measured.items())
    return f"{claim.verdict.value} ({claim.rule}; {numbers or claim.detail})"


def _parse(argv: list[str]) -> argparse.Namespace:
    parser = argparse.ArgumentParser(prog="python -m emergent onsager",
                                     description="Section 12: Onsager tensor (12.9) vs √|g|R")
    parser.add_argument("--dim", type=int, default=4, help="space-time dimension (>= 2)")
    parser.add_argument("--jets", type=int, default=4, help="random exact jets per check (>= 1)")
    parser.add_argument("--seed", type=int, default=0)
    parser.add_argument("--all-dimensions", action="store_true",
                        help="first prove the verdict for every D with abstract indices; the "
                             "jets of --dim then cross-check it")
    args = parser.parse_args(argv)
    if args.seed < 0:
        parser.error(f"--seed must be >= 0, got {args.seed}")
    try:  # the whole run: the verdict and the family use --jets each, the signs 2 jets
        check_jet_request(args.dim, args.jets)
        check_jet_request(args.dim, 2 * args.jets + 2)
    except ValueError as exc:
        parser.error(str(exc).replace("dim =", "--dim").replace("dim must", "--dim must")
                     .replace("n_jets", "--jets"))
    return args


def _all_dimensions(dim: int) -> Claim:
    """Print the abstract-index verdicts (every D); return the one that applies to ``dim``."""
    from emergent.all_dimensions_verdict import (
        all_dimensions_verdict,
        claim_for_dimension,
        summary_lines,
    )

    t0 = time.perf_counter()
    verdict = all_dimensions_verdict()
    print("\n".join(summary_lines(verdict)) + f"\n  [{time.perf_counter() - t0:.2f} s]\n")
    return claim_for_dimension(verdict, dim)


def main(argv: list[str]) -> int:
    """Run the Section 12 checks ((12.7)-(12.14)) and print the computed verdicts."""
    args = _parse(argv)
    print("Basis: I1..I5 = g^{..}g^{..}g^{..} g_{αβ,μ} g_{γδ,ν} with wirings "
          "I1 μν|αγ|βδ, I2 μγ|αν|βδ, I3 μν|αβ|γδ, I4 μα|βν|γδ, I5 μα|νγ|βδ")
    every_d = _all_dimensions(args.dim) if args.all_dimensions else None
    t0 = time.perf_counter()
    paper = contract_into_basis(PAPER_12_9_PRINTED)  # the printed indices, contracted by code
    verdict = onsager_verdict(args.dim, n_jets=args.jets, seed=args.seed, coefficients=paper)
    t1 = time.perf_counter()
    print(f"\n(12.9) = (1/8κ)({_fmt(paper)})")
    print(f"dimension {args.dim}: (12.9) reproduces √|g| R/(2κ) up to a divergence: "
          f"{verdict.claim().verdict.value}  (Euler-Lagrange expressions at {verdict.n_jets} "
          f"exact jets; max residual {verdict.max_residual:.3g}; proportional: "
          f"{verdict.proportional_factor})  [{t1 - t0:.2f} s]")
    if every_d is not None:
        same = every_d.verdict == verdict.claim().verdict
        print("  cross-check: the jets of dimension {} give the all-dimension verdict: {}".format(
            args.dim, within_tolerance("jets agree", measured=0.0 if same else 1.0,
                                       tolerance=0.0).verdict.value))
    family = family_of_onsager_tensors(args.dim, n_jets=args.jets, seed=args.seed)
    t2 = time.perf_counter()
    print(f"\nAll Σ c_k I_k with √|g| Σ c_k I_k = √|g| R/(2κ) + divergence (units 1/(2κ)): "
          f"rank {family.rank} of 5  [{t2 - t1:.2f} s]")
    if family.particular is None:
        print("  none")
    else:
        print(f"  particular: {_fmt(family.particular) or '0'}")
        for vec in family.null_space:
            print(f"  + any multiple of the null Lagrangian {_fmt(vec)}")
    printed, words = symmetry_count(args.dim)
    print(f"\nSymmetries: {printed.group}: {printed.n_tensors} tensors, "
          f"{printed.n_quadratic_forms} quadratic forms; {words.group}: {words.n_tensors} "
          f"tensors, {words.n_quadratic_forms} quadratic forms.")
    if family.particular is not None and printed.forms and not family.null_space:
        for group in (printed, words):
            claim = group.admits("the solution above", family.particular)
            print(f"  the solution above under {group.group}: {_said(claim)}")
    signs = field_equation_signs(args.dim)
    print()
    for claim in signs.claims:
        print(f"{claim.text}: {_said(claim)}")
    print(f"Varying (12.2) with T of (12.14) gives {signs.derived_equation}; printed: "
          f"{signs.printed_equation}")
    print(f"\ntotal {time.perf_counter() - t0:.2f} s")
    return 0
