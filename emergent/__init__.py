"""Emergent physics from learning dynamics (Sections 11-12 of Vanchurin,
"Towards a theory of machine learning").

Submodules: ``grids``, ``fokker_planck``, ``schrodinger``, ``constraints``,
``entropic_action``, ``derivation_audit`` (Section 11); ``onsager``, ``metrics``,
``variational`` (Section 12); ``derivations`` (symbolic chains of both).
``emergent`` may import ``learning``; ``learning`` never imports ``emergent``.
"""
