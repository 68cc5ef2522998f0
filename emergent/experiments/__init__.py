"""Experiments of Sections 11-12: computations that combine the library's pieces into the
numbers a command prints, returned as typed results (no science in the command-line modules).

* :mod:`emergent.experiments.nelson_paper`: the paper's functional, the corrected one,
  Nelson's walkers and plain diffusion from the same Ψ0, side by side.
* :mod:`emergent.experiments.nelson_checks`: the known answers, grid checks, laws and
  convergence orders of ``python -m emergent nelson``, with their computed verdicts.
* :mod:`emergent.experiments.nelson_figures`: the figures of that command.
"""
