"""The two kinds of network the bulk minimum (3.2) runs on, behind one set of functions: a
:class:`~learning.septuple.Septuple` (dense or layered w) and a
:class:`~learning.graph.septuple.GraphSeptuple` of exact nodes x_v = f(Σ_u W_vu x_u + b_v)
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
    with linearised nodes: no bulk loss (3.1) of the paper's form)."""
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
    """f (2.6) restricted to ``neurons`` (increasing indices) of either kind of network."""
    if isinstance(net, GraphSeptuple):
        return neuron_activation(net).restrict(np.asarray(neurons))
    return activation_of(net, neurons)


def full_activation(net: Network) -> Activation | LayerwiseActivation:
    """f of every neuron (2.6)."""
    return neuron_activation(net) if isinstance(net, GraphSeptuple) else net.activation


def check_states(net: Network, x: ArrayLike, argument: str) -> Array:
    """States ``(N,)`` or ``(n, N)`` of ``net``, finite, else ValueError naming ``argument``."""
    if isinstance(net, GraphSeptuple):
        return net.check_state(x, argument)
    return _check_states(net, x, argument)


def couplings_of(net: Network) -> AnyCouplings:
    """The couplings W_Rh, W_R∂ of (3.1): layer blocks, node blocks or dense rows."""
    return GraphCouplings(net) if isinstance(net, GraphSeptuple) else Couplings(net)


def chain_of(couplings: AnyCouplings) -> AnyChain | None:
    """J_hh⁻¹ by substitution (5.4), or None when some layer is split hidden/boundary."""
    if isinstance(couplings, GraphCouplings):
        return GraphChain(couplings)
    return ChainPreconditioner.build(couplings)


def graph_start(net: GraphSeptuple, xb: Array) -> Array:
    """The forward state (2.9) of the inputs of ``xb`` with the outputs clamped to it."""
    x = net.forward(xb[:, net.input_indices])
    x[:, net.output_indices] = xb[:, net.output_indices]
    return x


def loss_of(net: Network, x: Array, xb: Array, objective: LocalObjective | None) -> Array:
    """H (3.1)/(3.4) at the states ``x`` (rows), the boundary clamped as in ``xb``."""
    if isinstance(net, Septuple):
        return bulk_loss(net, x, xb, objective)
    r = net.residual(x)
    h = 0.5 * np.sum(r * r, axis=-1)
    return h if objective is None else h + local_potential(x, objective)
