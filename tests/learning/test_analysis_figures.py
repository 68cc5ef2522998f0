"""The figures of ``python -m learning analyze`` draw what they say: the density of log λ on
a log axis (tails visible beside the spike at λ = 1), the losses per sample (ECDF, H(x̄)
against H_∂, their ratio); each checked against quantities computed here independently."""

from __future__ import annotations

import json

import numpy as np
import pytest
from matplotlib.collections import PathCollection

import learning.spectral_estimates as se
from learning.analysis import Losses, analyze_network
from learning.analysis_report import (
    DENSITY_FLOOR,
    _density_figure,
    _losses_figure,
    write_report,
)
from learning.feedforward import feedforward, forward
from learning.spectrum import g_operator


def _network_with_data():
    """A 9-6-5-3 tanh network and 30 samples inside the range of tanh."""
    rng = np.random.default_rng(0)
    net = feedforward((9, 6, 5, 3), "tanh", seed=11, weight_scale=1.6, bias_scale=0.2)
    return net, (rng.uniform(-1, 1, size=(30, 9)), rng.uniform(-0.9, 0.9, size=(30, 3)))


@pytest.fixture(scope="module")
def analysed():
    net, data = _network_with_data()
    return net, data, analyze_network(net, *data)


def test_exact_density_is_a_log_axis_histogram_with_the_eigenvalues_at_one_stated(analysed):
    net, _, result = analysed
    fig = _density_figure(result)
    ax = fig.axes[0]
    assert ax.get_yscale() == "log"
    # the eigenvalues equal to 1, counted from the dense G (5.6) at the same mean state
    dense = np.linalg.eigvalsh(g_operator(net, result.mean_state.x_mean))
    at_one = int(np.sum(np.abs(dense - 1.0) < 1e-9))
    assert at_one > 0 and result.spectrum.density.n_at_one == at_one
    labels = [line.get_label() for line in ax.get_lines()]
    assert any(label.startswith(f"{at_one} eigenvalues = 1") for label in labels)
    # the histogram: the dense log λ other than 0 counted in the same bins, per unit log λ
    d = result.spectrum.density
    width = d.grid[1] - d.grid[0]
    edges = np.append(d.grid - width / 2, d.grid[-1] + width / 2)
    moving = np.log(dense[np.abs(dense - 1.0) >= 1e-9])
    counts, _ = np.histogram(np.clip(moving, edges[0], edges[-1]), edges)
    heights = np.asarray(ax.get_lines()[0].get_ydata())
    np.testing.assert_allclose(heights[counts > 0], counts[counts > 0] / width, rtol=1e-9)
    # empty bins sit on the axis floor, not below it (invisible on a log axis)
    assert np.min(heights) >= ax.get_ylim()[0] > 0


def test_smoothed_density_shows_the_tails_the_spike_would_flatten(monkeypatch):
    monkeypatch.setattr(se, "_STRUCTURED_DIM", 10)
    monkeypatch.setattr(se, "_DENSE_N", 10)
    wide = feedforward((40, 30, 30, 5), seed=4, weight_scale=1.5, bias_scale=0.1)
    res = analyze_network(wide, seed=3)
    d = res.spectrum.density
    assert d.kind == "smoothed"
    ax = _density_figure(res).axes[0]
    assert ax.get_yscale() == "log" and ax.get_ylim()[0] == DENSITY_FLOOR
    # Tail points under 1% of the peak (an apparent zero on a linear axis) lie above the
    # floor, i.e. on a visible part of the log axis.
    tail = (d.density < 0.01 * d.density.max()) & (d.density > DENSITY_FLOOR)
    assert np.any(tail)
    assert ax.get_ylim()[1] >= d.upper.max()
    # the smoothed density counts all N eigenvalues, the spike included
    width = d.grid[1] - d.grid[0]
    assert abs(np.sum(d.density) * width - wide.n_neurons) < 0.05 * wide.n_neurons


def test_losses_figure_draws_every_sample(analysed):
    net, data, result = analysed
    losses = result.losses
    x_in, y = data
    # H_∂ (2.11) at the forward states: ½ |output - target|², the inputs being clamped
    h_boundary = 0.5 * np.sum((forward(net, x_in)[-1] - y) ** 2, axis=1)
    np.testing.assert_allclose(losses.boundary_samples, h_boundary, rtol=1e-12)
    assert np.isclose(np.mean(losses.bulk_samples), losses.bulk)
    # each bulk minimisation starts at the forward state, where H = H_∂: it ends below
    assert np.all(losses.bulk_samples <= h_boundary + 1e-12)
    fig = _losses_figure(losses)
    ecdf, scatter, ratio = fig.axes
    assert len(fig.axes) == 3
    steps = [ln for ln in ecdf.get_lines() if "per sample" in ln.get_label()]
    assert len(steps) == 2 and all(len(ln.get_xdata()) == len(y) for ln in steps)
    means = sorted(float(ln.get_xdata()[0]) for ln in ecdf.get_lines()
                   if ln.get_label().startswith("mean"))
    assert np.allclose(means, sorted([h_boundary.mean(), losses.bulk]))
    points = [c for c in scatter.collections if isinstance(c, PathCollection)][0]
    np.testing.assert_allclose(points.get_offsets(),
                               np.column_stack([h_boundary, losses.bulk_samples]))
    below = int(np.sum(losses.bulk_samples < h_boundary))
    assert scatter.get_title().startswith(f"H(x̄) < H_∂ for {below} of {len(y)}")
    assert sum(p.get_height() for p in ratio.patches) == len(y)


def test_boundary_only_losses_draw_one_panel_without_a_bulk_curve(analysed):
    net, data, _ = analysed
    res = analyze_network(net, *data, bulk=False)
    assert res.losses.status == "boundary only"
    fig = _losses_figure(res.losses)
    assert len(fig.axes) == 1
    labels = [ln.get_label() for ln in fig.axes[0].get_lines()]
    assert not any("H(x̄)" in label for label in labels)
    # without per-sample values (a Losses built by hand) the means are still marked
    bare = _losses_figure(Losses("computed", "", 2.0, 1.0, 0.5, 3))
    assert len(bare.axes) == 1 and len(bare.axes[0].get_lines()) == 1


def test_report_lists_the_figures_and_the_json_holds_the_samples(tmp_path, analysed):
    _, data, result = analysed
    payload = write_report(result, tmp_path, {"model": "m"}, {})
    assert set(payload["figures"]) == {"log_lambda_density", "extreme_eigenvalues", "losses"}
    for name in payload["figures"].values():
        assert (tmp_path / name).read_bytes()[:8] == b"\x89PNG\r\n\x1a\n"
    saved = json.loads((tmp_path / "analysis.json").read_text())["result"]["losses"]
    assert len(saved["boundary_samples"]) == len(saved["bulk_samples"]) == len(data[0])
    with pytest.raises(TypeError, match="result"):
        write_report(result.losses, tmp_path, {}, {})
