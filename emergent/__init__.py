"""Emergent physics from learning dynamics (Sections 11-12 of Vanchurin,
"Towards a theory of machine learning").

Submodules: ``grids``, ``fokker_planck``, ``schrodinger``, ``entropic`` (Section 11);
``onsager`` and friends (Section 12).  ``emergent`` may import ``learning``;
``learning`` never imports ``emergent``.
"""
