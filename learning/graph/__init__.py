"""Feedforward networks as graphs of tensors (docs/beyond_mlps.md): linear maps between tensors
(:mod:`learning.graph.maps`), the builder readers use (:mod:`learning.graph.builder`) and
the graph septuple (:mod:`learning.graph.septuple`), whose w (2.1) is kept as operators.
"""

from learning.graph.maps import (
    ComposedMap,
    DenseMap,
    IdentityMap,
    LinearMap,
    NodeFunction,
    ReshapeMap,
    ScaleMap,
    SumMap,
    add,
    compose,
    dense_matrix,
)

__all__ = [
    "LinearMap", "NodeFunction", "DenseMap", "IdentityMap", "ScaleMap", "ReshapeMap",
    "ComposedMap", "SumMap", "compose", "add", "dense_matrix",
]
