"""The two kinds of network the bulk minimum (3.2) runs on, behind one set of functions: a
:class:`~learning.septuple.Septuple` (dense or layered w) and a
:class:`~learning.graph.septuple.GraphSeptuple` of exact nodes :math:`x_v = f(Σ_u W_{vu} x_u + b_v)`
(blocks as operators, matrix-free)."""

from __future__ import annotations

from typing import TypeAlias

import numpy as np
from numpy.typing import ArrayLike, NDArray

from learning.activations import Activation, LayerwiseActivation
from learning.bulk_minimum.graph_operators import GraphChain, GraphCouplings
from learning.bulk_minimum.operators import ChainPreconditioner, Couplings
from learning.graph.septuple import GraphSeptuple, neuron_activation
from learning.losses import LocalObjective, bulk_loss, local_potential
from learning.septuple import Septuple, _check_states, activation_of

Array = NDArray[np.float64]
Network: TypeAlias = Septuple | GraphSeptuple
AnyCouplings: TypeAlias = Couplings | GraphCouplings
AnyChain: TypeAlias = ChainPreconditioner | GraphChain


def check_network(net: object) -> Network:
    """``net`` if (3.2) can run on it, else TypeError (not a network) or ValueError (a graph
    with linearised nodes: no bulk loss (3.1) of the paper's form).

    Examples
    --------
    >>> from learning import feedforward
    >>> net = feedforward((3, 2, 1), seed=0)
    >>> check_network(net) is net
    True
    >>> check_network(net.weights)
    Traceback (most recent call last):
    ...
    TypeError: septuple must be a Septuple or a GraphSeptuple, got ndarray
    """
    if isinstance(net, GraphSeptuple):
        if not net.exact:
            raise ValueError(f"the nodes {list(net.linearised_labels)} are not component-wise,"
                             " so the bulk loss (3.1) is not the paper's: the constrained bulk "
                             "minimum (3.2) needs x_v = f(W x + b) at every node")
        return net
    if not isinstance(net, Septuple):
        raise TypeError(f"septuple must be a Septuple or a GraphSeptuple, got "
                        f"{type(net).__name__}")
    return net


def activation_on(net: Network, neurons: ArrayLike) -> Activation | LayerwiseActivation:
    """f (2.6) restricted to ``neurons`` (increasing indices) of either kind of network.

    Examples
    --------
    A tanh network with a linear output layer: f restricted to a hidden and the output
    neuron is tanh on the first, the identity on the second.

    >>> from learning import feedforward
    >>> net = feedforward((3, 2, 1), activation=("tanh", "linear"), seed=0)
    >>> y = np.array([[2.0, 2.0]])
    >>> bool(np.allclose(activation_on(net, [4, 5])(y), [[np.tanh(2.0), 2.0]]))
    True
    """
    if isinstance(net, GraphSeptuple):
        return neuron_activation(net).restrict(np.asarray(neurons))
    return activation_of(net, neurons)


def full_activation(net: Network) -> Activation | LayerwiseActivation:
    """f of every neuron (2.6).

    Examples
    --------
    A graph septuple with inputs, a tanh node and a linear output node: f is the identity on
    the inputs and the output, tanh on the hidden node.

    >>> from learning.graph.builder import GraphBuilder
    >>> b = GraphBuilder(input_shape=(2,))
    >>> h = b.activation(b.dense(b.input, np.array([[1.0, 2.0], [3.0, -1.0]])), "tanh")
    >>> net = b.build(outputs=b.dense(h, np.ones((1, 2))))
    >>> y = np.array([[0.3, -0.2, 0.5, -1.5, 2.0]])
    >>> expected = np.concatenate([y[:, :2], np.tanh(y[:, 2:4]), y[:, 4:]], axis=1)
    >>> bool(np.allclose(full_activation(net)(y), expected))
    True
    """
    return neuron_activation(net) if isinstance(net, GraphSeptuple) else net.activation


def check_states(net: Network, x: ArrayLike, argument: str) -> Array:
    """States ``(N,)`` or ``(n, N)`` of ``net``, finite, else ValueError naming ``argument``."""
    if isinstance(net, GraphSeptuple):
        return net.check_state(x, argument)
    return _check_states(net, x, argument)


def couplings_of(net: Network) -> AnyCouplings:
    """The couplings :math:`W_{Rh}`, :math:`W_{R∂}` of (3.1): layer blocks, node blocks or dense
    rows.

    Examples
    --------
    For a graph septuple, the blocks agree with its dense weights (rows R: the non-input
    neurons; h: the hidden ones; ∂: the boundary):

    >>> from learning.graph.builder import GraphBuilder
    >>> from learning.graph.septuple import to_septuple
    >>> b = GraphBuilder(input_shape=(2,))
    >>> h = b.activation(b.dense(b.input, np.array([[1.0, 2.0], [3.0, -1.0]])), "tanh")
    >>> net = b.build(outputs=b.dense(h, np.ones((1, 2))))
    >>> c, w = couplings_of(net), to_septuple(net).weights
    >>> w_rh, w_rb = c.dense()
    >>> c.rows.tolist(), c.hidden.tolist(), c.boundary.tolist()
    ([2, 3, 4], [2, 3], [0, 1, 4])
    >>> bool(np.allclose(w_rh, w[np.ix_(c.rows, c.hidden)]))
    True
    >>> bool(np.allclose(w_rb, w[np.ix_(c.rows, c.boundary)]))
    True
    """
    return GraphCouplings(net) if isinstance(net, GraphSeptuple) else Couplings(net)


def chain_of(couplings: AnyCouplings) -> AnyChain | None:
    """:math:`J_{hh}^{-1}` by substitution (5.4), or None when some layer is split hidden/boundary.

    Examples
    --------
    :math:`s = J_{hh}^{-1} u` with :math:`J_{hh} = I - D_h W_{hh}`, D = diag f' on the rows,
    against a dense solve:

    >>> from learning import feedforward
    >>> c = couplings_of(feedforward((3, 4, 4, 1), seed=0))
    >>> d = np.random.default_rng(0).uniform(0.2, 1.0, (1, c.n_rows))  # f' on the rows R
    >>> w_rh = c.dense()[0]
    >>> h = np.searchsorted(c.rows, c.hidden)  # the hidden rows within R
    >>> jac = np.eye(c.hidden.size) - d[0, h, None] * w_rh[h]
    >>> u = np.arange(c.hidden.size, dtype=float)[None]
    >>> s, q = chain_of(c).solve(u, d)
    >>> bool(np.allclose(s[0], np.linalg.solve(jac, u[0])))
    True
    >>> bool(np.allclose(q[0], w_rh @ s[0]))  # q = W_Rh s, a by-product of the substitution
    True
    """
    if isinstance(couplings, GraphCouplings):
        return GraphChain(couplings)
    return ChainPreconditioner.build(couplings)


def graph_start(net: GraphSeptuple, xb: Array) -> Array:
    """The forward state (2.9) of the inputs of ``xb`` with the outputs clamped to it.

    Examples
    --------
    >>> from learning.graph.builder import GraphBuilder
    >>> w1 = np.array([[1.0, 2.0], [3.0, -1.0]])
    >>> b = GraphBuilder(input_shape=(2,))
    >>> net = b.build(outputs=b.dense(b.activation(b.dense(b.input, w1), "tanh"),
    ...                               np.ones((1, 2))))
    >>> xb = np.array([[0.5, -0.5, 0.0, 0.0, 0.7]])  # inputs, hidden (ignored), output
    >>> x = graph_start(net, xb)
    >>> bool(np.allclose(x[0, 2:4], np.tanh(w1 @ xb[0, :2]))), bool(x[0, 4] == 0.7)
    (True, True)
    """
    x = net.forward(xb[:, net.input_indices])
    x[:, net.output_indices] = xb[:, net.output_indices]
    return x


def loss_of(net: Network, x: Array, xb: Array, objective: LocalObjective | None) -> Array:
    r"""H (3.1)/(3.4) at the states ``x`` (rows), the boundary clamped as in ``xb``.

    Examples
    --------
    :math:`H = \tfrac12 |x - f(w x + b)|^2` by hand, the input bias set by (2.8),
    :math:`b_i = f^{-1}(x_i)`:

    >>> from learning import boundary_state, feedforward
    >>> net = feedforward((3, 2, 1), seed=0)
    >>> xb = boundary_state(net, np.full((1, 3), 0.5), np.array([[0.3]]))
    >>> x = xb + np.array([[0.0, 0.0, 0.0, 0.2, -0.1, 0.0]])
    >>> bias = net.bias.copy()
    >>> bias[:3] = np.arctanh(xb[0, :3])
    >>> r = x - np.tanh(x @ net.weights.T + bias)
    >>> bool(np.isclose(loss_of(net, x, xb, None)[0], 0.5 * np.sum(r * r)))
    True
    """
    if isinstance(net, Septuple):
        return bulk_loss(net, x, xb, objective)
    r = net.residual(x)
    h = 0.5 * np.sum(r * r, axis=-1)
    return h if objective is None else h + local_potential(x, objective)
