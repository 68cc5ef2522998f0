"""The Section 10 experiment machinery: MNIST data, SGD training with checkpoints,
per-checkpoint measurements, figures, the report, the job pipeline (its executor is
:mod:`ntcore.executor`); and the
Section 5 partition table. The paper's concepts live one level up, in :mod:`learning`.
"""
