"""SLQ probe batches on an executor (learning/slq_executor.py, issue 22): the same μ_k as
the serial run for the same seed, on a local 2-worker Dask cluster (skipped where
dask.distributed is missing) and on the in-process ``"serial"`` executor."""

import numpy as np
import pytest

from learning import feedforward
from learning.graph.builder import GraphBuilder
from learning.spectral_estimates import spectral_moments


def _residual_graph():
    rng = np.random.default_rng(0)
    b = GraphBuilder(input_shape=(10,))
    h = b.activation(b.dense(b.input, rng.normal(size=(16, 10))), "tanh")
    for _ in range(3):
        h = b.activation(b.add(b.dense(h, rng.normal(size=(16, 16)) / 2), h), "silu")
    net = b.build(outputs=b.dense(h, rng.normal(size=(4, 16))))
    return net, net.forward(rng.normal(size=(1, 10)))[0]


def _compare(net, x, executor, **kw) -> None:
    serial = spectral_moments(net, x, (1, 2, 3), method="slq", seed=4, n_probes=12,
                              lanczos_steps=15, probe_batch=4, dtype="float64", **kw)
    spread = spectral_moments(net, x, (1, 2, 3), method="slq", seed=4, n_probes=12,
                              lanczos_steps=15, probe_batch=4, dtype="float64",
                              executor=executor, **kw)
    assert spread.quadrature_kind == serial.quadrature_kind
    np.testing.assert_allclose(spread.values, serial.values, rtol=1e-10, atol=1e-9)
    np.testing.assert_allclose(spread.stderr, serial.stderr, rtol=1e-8, atol=1e-9)
    assert spread.n_matvecs == serial.n_matvecs > 0


def test_serial_executor_gives_the_in_process_numbers() -> None:
    net, x = _residual_graph()
    _compare(net, x, "serial")  # two-sided ("auto" on a graph)
    mlp = feedforward((8, 7, 6, 5), seed=1, weight_scale=2.0)
    _compare(mlp, np.tanh(np.linspace(-1, 1, 26)), "serial", quadrature_kind="one-sided")


def test_a_local_two_worker_dask_cluster_gives_the_serial_numbers() -> None:
    distributed = pytest.importorskip("distributed")
    with distributed.LocalCluster(n_workers=2, threads_per_worker=1, processes=True,
                                  dashboard_address=None) as cluster:
        net, x = _residual_graph()
        _compare(net, x, cluster.scheduler_address)
        mlp = feedforward((8, 7, 6, 5), seed=1, weight_scale=2.0)
        _compare(mlp, np.tanh(np.linspace(-1, 1, 26)), cluster.scheduler_address,
                 quadrature_kind="one-sided")
