"""Emergent physics from learning dynamics (Sections 11-12 of Vanchurin,
"Towards a theory of machine learning").

Submodules: ``grids``, ``fokker_planck``, ``schrodinger`` (their implicit solvers share
``_stepping.theta_scheme``), ``constraints``, ``entropic_action`` (one function per printed
form of (11.6)-(11.7)), ``derivation_audit`` (Section 11); ``curvature`` (metric jet ->
Christoffels -> Riemann -> Ricci -> Einstein, each once), ``onsager``, ``metrics``,
``variational`` (Section 12); ``derivations`` (symbolic chains of both).  Every verdict word
the commands print is computed by :mod:`ntcore.verdict` from measured numbers.
``emergent`` may import ``learning``; ``learning`` never imports ``emergent``.
"""
