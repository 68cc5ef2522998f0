"""Physics-free foundations shared by :mod:`learning` and :mod:`emergent`: the engine of
machine-checked derivations (:mod:`ntcore.derivation`, its command-line driver
:mod:`ntcore.derivation_cli`), atomic file output (:mod:`ntcore.atomic`), provenance
(:mod:`ntcore.provenance`) and the executor of independent jobs (:mod:`ntcore.executor`: local
processes, a Dask cluster). It imports neither package.
"""
