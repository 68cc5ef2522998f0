"""Physics-free foundations shared by :mod:`learning` and :mod:`emergent`: the engine of
machine-checked derivations (:mod:`ntcore.derivation`, its command-line driver
:mod:`ntcore.derivation_cli`), atomic file output (:mod:`ntcore.atomic`) and provenance
(:mod:`ntcore.provenance`). It imports neither package.
"""
