"""The builder's refusals name the argument and the violated condition (issue 22, bad input)."""

import numpy as np
import pytest

from learning.graph.builder import GraphBuilder
from learning.graph.maps import IdentityMap
from learning.graph.septuple import to_septuple
from tests.learning.graph.networks import Square


def test_every_refusal_names_what_is_wrong() -> None:
    b = GraphBuilder(input_shape=(2, 3))
    other = GraphBuilder(input_shape=(2, 3))
    cases = [
        (lambda: b.linear(b.input, IdentityMap((5,))), ValueError, "takes shape"),
        (lambda: b.dense(b.input, np.ones((2, 5))), ValueError, r"shape \(out, 6\)"),
        (lambda: b.dense(b.input, np.full((2, 6), np.inf)), ValueError, "non-finite"),
        (lambda: b.dense(b.input, np.ones((2, 6)), bias=np.ones(3)), ValueError, "bias"),
        (lambda: b.add(b.input, other.input), TypeError, "TensorRef of this builder"),
        (lambda: b.add(b.input, b.flatten(b.input)), ValueError, "one shape"),
        (lambda: b.activation(b.input, "mish"), ValueError, "unknown"),
        (lambda: b.activation(b.input, "tanh", alpha=0.1), ValueError, "alpha"),
        (lambda: b.batch_norm(b.input, np.ones(2), np.zeros(2), np.zeros(2), -np.ones(2), 0.0),
         ValueError, "var \\+ eps > 0"),
        (lambda: b.concat([b.input, b.flatten(b.input)]), ValueError, "cannot place"),
        (lambda: b.reshape(b.input, (5,)), ValueError, "changes the number"),
        (lambda: b.function(b.input, object(), label="X"), TypeError, "node_function"),
        (lambda: GraphBuilder(input_shape=(0, 3)), ValueError, "input_shape"),
    ]
    for call, error, message in cases:
        with pytest.raises(error, match=message):
            call()


def test_a_linearised_graph_has_no_dense_septuple_form_and_big_ones_are_refused() -> None:
    b = GraphBuilder(input_shape=(2,))
    net = b.build(outputs=b.function(b.input, Square(), label="Square"))
    with pytest.raises(ValueError, match="not component-wise"):
        to_septuple(net)
    b = GraphBuilder(input_shape=(3,))
    with pytest.raises(ValueError, match="max_bytes"):
        to_septuple(b.build(outputs=b.activation(b.input, "tanh")), max_bytes=100)
