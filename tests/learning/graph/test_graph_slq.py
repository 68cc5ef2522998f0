"""SLQ on graph septuples against dense eigenvalues: a statistical test (issue 22).

Each case is a random residual graph network (dense layers, BatchNorm, skip connections,
mixed activations); μ_2 and μ_3 from SLQ (30 probes, the μ_1 = 0 control variate of (7.8))
are compared with the dense eigenvalues of G (5.6).  The stated error is 3 standard errors:
for an unbiased estimate with a t_28 distributed studentised error, a case fails with
probability p <= 0.006; the test asks >= 95 % of 40 cases (<= 2 failures) per order, so it
fails falsely with probability P(Binomial(40, 0.006) >= 3) < 0.002 per order.
"""

import numpy as np

from learning.graph.builder import GraphBuilder
from learning.spectral_estimates import spectral_moments

CASES = 40


def _residual_net(seed: int):
    rng = np.random.default_rng(seed)
    b = GraphBuilder(input_shape=(4, 3))
    width = int(rng.integers(8, 20))
    h = b.activation(b.dense(b.input, rng.normal(size=(width, 12)) / 2, rng.normal(size=width)),
                     "tanh")
    for i in range(int(rng.integers(1, 4))):
        t = b.dense(h, rng.normal(size=(width, width)) * 1.5 / np.sqrt(width))
        t = b.batch_norm(t, rng.normal(size=width), rng.normal(size=width),
                         rng.normal(size=width) * 0.1, rng.random(width) + 0.5)
        h = b.activation(b.add(t, h), ("gelu", "silu", "tanh", "softplus")[i % 4])
    return b.build(outputs=b.dense(h, rng.normal(size=(3, width)))), rng


def test_slq_within_three_standard_errors_of_dense_in_95_percent_of_cases() -> None:
    misses = np.zeros(2, dtype=int)
    for seed in range(CASES):
        net, rng = _residual_net(seed)
        x = net.forward(rng.normal(size=(1, 12)))[0]
        exact = spectral_moments(net, x, (2, 3), method="dense")
        est = spectral_moments(net, x, (2, 3), method="slq", seed=seed, n_probes=30,
                               lanczos_steps=40)
        assert est.control_variate
        misses += np.abs(est.values - exact.values) > 3 * est.stderr
    assert np.all(misses <= CASES // 20), misses


def test_slq_agrees_with_dense_on_one_graph() -> None:
    net, rng = _residual_net(123)
    x = net.forward(rng.normal(size=(1, 12)))[0]
    exact = spectral_moments(net, x, (1, 2, 3), method="dense")
    est = spectral_moments(net, x, (1, 2, 3), method="slq", seed=0, n_probes=30,
                           lanczos_steps=40)
    assert abs(exact.log_det) < 1e-10
    assert np.all(np.abs(est.values[1:] - exact.values[1:]) < 4 * est.stderr[1:])
