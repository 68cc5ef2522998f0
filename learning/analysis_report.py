"""Render a :class:`learning.analysis.NetworkAnalysis`: the printed summary, ``report.md``,
``analysis.json`` and the figures, every file written atomically (``ntcore.atomic``).

The renderer computes nothing but the two claims it shows (each through ``ntcore.verdict``):
Σ log λ = log det G = 0 (7.7)-(7.8) and, with data, U < U_∂ (Section 10).
"""

from __future__ import annotations

import json
import os
from pathlib import Path

import numpy as np

from learning.analysis import Losses, NetworkAnalysis
from ntcore.atomic import atomic_savefig, atomic_write_json, atomic_write_text
from ntcore.integrity import seal
from ntcore.verdict import Claim, sign_of, within_tolerance

__all__ = ["claims", "summary_lines", "write_report", "node_table", "node_lines"]

#: How each node kind is named in the output (docs/beyond_mlps.md).
NODE_KIND_TEXT = {"input": "input (clamped to the data, (2.7))",
                  "neuron": "exact septuple node x = f(Wx + b), f component-wise (2.5)",
                  "function": "linearised node x = φ(Wx + b), J = φ' w in G = (I - J)^T (I - J)"}


def claims(result: NetworkAnalysis) -> list[Claim]:
    """The verdicts shown: (7.7) from μ_1, and U < U_∂ when U was computed."""
    if not isinstance(result, NetworkAnalysis):
        raise TypeError(f"result must be a NetworkAnalysis, got {type(result).__name__}")
    mu1 = result.spectrum.moment(1)
    # Each log λ carries round-off ~ 1e-13 relative to the largest (eigvalsh on a matrix of
    # norm up to ~1e2); their sum over N eigenvalues stays below 1e-9 N unless det G != 1.
    tolerance = max(1e-9 * result.n_neurons, 3.0 * mu1.stderr)
    out = [within_tolerance("Σ log λ = log det G = 0 for a feedforward network (7.7)-(7.8)",
                            measured=mu1.value, tolerance=tolerance, name="μ_1",
                            evidence="python -m learning analyze")]
    losses = result.losses
    if losses is not None and losses.status == "computed":
        out.append(sign_of("U < U_∂: the bulk loss lies below the boundary loss (Section 10)",
                           measured=losses.boundary - losses.bulk, expected_sign=1,
                           name="U_∂ - U", evidence="python -m learning analyze --data ..."))
    return out


def _method(s) -> str:
    if s.spectrum is not None:
        return (f"exact ({s.method}), {s.n_neurons - s.density.n_at_one} of {s.n_neurons} "
                "eigenvalues != 1")
    r = s.moments_result
    return (f"{r.quadrature_kind} stochastic Lanczos quadrature ({r.n_probes} probes x "
            f"{r.lanczos_steps} steps) and "
            f"eigsh for the extremes, {s.n_matvecs} products with G")


def _count(c) -> str:
    return f"{c.value:.0f}" if c.stderr is None else f"{c.value:.1f} ± {c.stderr:.1g}"


def _fmt(x: float | None, digits: int = 4) -> str:
    return "n/a" if x is None or not np.isfinite(x) else f"{x:.{digits}g}"


def summary_lines(result: NetworkAnalysis, source: str = "") -> list[str]:
    """The short printed summary."""
    if not isinstance(result, NetworkAnalysis):
        raise TypeError(f"result must be a NetworkAnalysis, got {type(result).__name__}")
    s = result.spectrum
    sizes = "-".join(str(n) for n in result.layer_sizes)
    lines = [f"network     {sizes} {result.activation}, N = {result.n_neurons}"
             + (f"  ({source})" if source else ""),
             f"mean state  {result.mean_state.kind}: {result.mean_state.reason}",
             f"spectrum    of G (5.6): {_method(s)}, {s.seconds:.2f} s"]
    for m in s.moments:
        err = f" ± {m.stderr:.2g}" if m.stderr > 0 else " (exact)"
        lines.append(f"  μ_{m.order} = Tr (log G)^{m.order} = {m.value:.6g}{err}")
    lines.append(f"  λ_max = {_fmt(s.largest[0], 6)}, λ_min = {_fmt(s.smallest[0], 6)}")
    g = result.gap
    if g.status == "found":
        lines.append(f"gap         of log λ at {g.position:.4g} (width {g.width:.3g}, "
                     f"{g.n_below} below) -> β = {_fmt(g.beta_two_level)} by the two-level "
                     f"model (9.3) (corrected); β = {_fmt(g.beta_paper)} by the paper's (9.4)"
                     + (f"; {g.message}" if g.message else ""))
    else:
        lines.append(f"gap         none: {g.message}")
    if result.n_large:
        lines.append("N_>         (6.6) λ > 1/β: " + ", ".join(
            f"{_count(n)} at β = {_fmt(b)} ({label})" for label, n, b in _n_large_rows(result)))
    lines.append("C_n         (10.5): " + ", ".join(
        f"C_{n} = {c:.6g}" for n, c in result.complexities.items()))
    losses = result.losses
    if losses is not None:
        if losses.status == "computed":
            lines.append(f"losses      U = {losses.bulk:.5g}, U_∂ = {losses.boundary:.5g}, "
                         f"U/U_∂ = {losses.ratio:.4g} ({losses.n_samples} samples, "
                         f"{round(losses.converged_fraction * losses.n_samples)} of them "
                         f"with the bulk minimum converged)")
        else:
            lines.append(f"losses      U_∂ = {losses.boundary:.5g}; {losses.message}")
    for claim in claims(result):
        lines.append(f"claim       {claim.text}: {claim.verdict.value} ({claim.rule})")
    return lines


def _n_large_rows(result: NetworkAnalysis) -> list[tuple[str, object, float]]:
    betas = {"two-level": result.gap.beta_two_level, "paper (9.4)": result.gap.beta_paper}
    return [(label, n, betas[label]) for label, n in result.n_large.items()]


#: floor of the smoothed density's log axis: 0.01 eigenvalues per unit log λ (a tail below it
#: holds less than one eigenvalue in a hundred over a unit of log λ)
DENSITY_FLOOR = 1e-2


def _density_figure(result: NetworkAnalysis):
    """log λ density on a log axis, so the tails show beside the spike at λ = 1."""
    from matplotlib.figure import Figure

    d = result.spectrum.density
    fig = Figure(figsize=(6.5, 4))
    ax = fig.add_subplot()
    ax.set_yscale("log")
    if d.kind == "histogram":
        positive = d.density[d.density > 0]
        floor = 0.5 * float(positive.min()) if positive.size else DENSITY_FLOOR
        # empty bins are drawn at the floor (a gap shows as a run along the bottom axis)
        ax.step(d.grid, np.maximum(d.density, floor), where="mid", label="density (exact)")
        if d.n_at_one:
            ax.axvline(0.0, color="gray", ls=":", label=f"{d.n_at_one} eigenvalues = 1 "
                       "(log λ = 0): not in the histogram")
        note = "histogram of the eigenvalues != 1"
    else:
        floor = DENSITY_FLOOR
        ax.fill_between(d.grid, np.maximum(d.lower, floor), np.maximum(d.upper, floor),
                        alpha=0.3, label="95% band")
        ax.plot(d.grid, np.maximum(d.density, floor), label="density (smoothed estimate)")
        note = "all N eigenvalues, those = 1 make the spike at 0"
    ax.set_ylim(bottom=floor, top=3.0 * max(float(np.max(d.upper)), floor))
    g = result.gap
    if g.status == "found":
        ax.axvspan(g.lower, g.upper, color="red", alpha=0.15, label=f"gap at {g.position:.3g}")
    ax.set_xlabel("log λ")
    ax.set_ylabel("eigenvalues per unit log λ (log scale)")
    ax.set_title(f"log λ of G (5.6), {result.spectrum.method}: {note}", fontsize=9)
    ax.legend(fontsize=7)
    return fig


def _extremes_figure(result: NetworkAnalysis):
    from matplotlib.figure import Figure

    fig = Figure(figsize=(6.5, 4))
    ax = fig.add_subplot()
    s = result.spectrum
    ax.plot(np.arange(1, s.largest.size + 1), np.log(s.largest), "o-", label="largest")
    ax.plot(np.arange(1, s.smallest.size + 1), np.log(s.smallest), "s-", label="smallest")
    ax.set_xlabel("rank i (from each end)")
    ax.set_ylabel("log λ_i")
    ax.set_title("extreme eigenvalues of G")
    ax.legend(fontsize=8)
    return fig


def _ecdf(ax, values: np.ndarray, label: str, color: str) -> None:
    v = np.sort(values)
    ax.step(v, np.arange(1, v.size + 1) / v.size, where="post", color=color, label=label)


def _losses_figure(losses: Losses):
    """Per sample: the distribution of H_∂ and H(x̄) (ECDF), H(x̄) against H_∂, and their
    ratio; the means U_∂ and U marked."""
    from matplotlib.figure import Figure

    hb, hu = np.asarray(losses.boundary_samples), np.asarray(losses.bulk_samples)
    computed = losses.status == "computed" and hu.size == hb.size > 0
    fig = Figure(figsize=(12.5 if computed else 5.5, 4))
    axes = fig.subplots(1, 3 if computed else 1, squeeze=False)[0]
    ax = axes[0]
    shown = [(hb, losses.boundary, "H_∂ (2.11)", "tab:blue")]
    if computed:
        shown.append((hu, losses.bulk, "H(x̄) (3.2)", "tab:orange"))
    for values, mean, label, color in shown:
        if values.size:
            _ecdf(ax, values, f"{label} per sample", color)
        ax.axvline(mean, color=color, ls="--", label=f"mean {mean:.4g}")
    if all(np.all(v > 0) for v, *_ in shown if v.size):
        ax.set_xscale("log")
    ax.set_xlabel("loss of one sample")
    ax.set_ylabel("fraction of samples with a loss <= x")
    ax.set_title(f"U_∂ = {losses.boundary:.4g}" + (f", U = {losses.bulk:.4g}" if computed
                                                   else f": {losses.message}"), fontsize=9)
    ax.legend(fontsize=7)
    if computed:
        _bulk_against_boundary(axes[1], axes[2], losses, hb, hu)
    return fig


def _bulk_against_boundary(ax, ax_ratio, losses: Losses, hb: np.ndarray,
                           hu: np.ndarray) -> None:
    ax.scatter(hb, hu, s=8, alpha=0.6)
    lo, hi = float(min(hb.min(), hu.min())), float(max(hb.max(), hu.max()))
    ax.plot([lo, hi], [lo, hi], "k:", label="H(x̄) = H_∂")
    if lo > 0:
        ax.set_xscale("log")
        ax.set_yscale("log")
    ax.set_xlabel("H_∂ of the sample (2.11)")
    ax.set_ylabel("H(x̄) of the sample (3.2)")
    ax.set_title(f"H(x̄) < H_∂ for {int(np.sum(hu < hb))} of {hb.size} samples", fontsize=9)
    ax.legend(fontsize=7)
    ratio = hu[hb > 0] / hb[hb > 0]
    ax_ratio.hist(ratio, bins=min(40, max(5, ratio.size // 5)), color="tab:green")
    ax_ratio.axvline(losses.ratio, color="k", ls="--", label=f"U / U_∂ = {_fmt(losses.ratio)}")
    ax_ratio.set_xlabel("H(x̄) / H_∂ of the sample")
    ax_ratio.set_ylabel("samples")
    ax_ratio.set_title(f"bulk / boundary ({losses.n_samples} samples)", fontsize=9)
    ax_ratio.legend(fontsize=7)


def _figures(result: NetworkAnalysis, out: Path) -> dict[str, str]:
    files = {"log_lambda_density": "log_lambda_density.png",
             "extreme_eigenvalues": "extreme_eigenvalues.png"}
    atomic_savefig(_density_figure(result), out / files["log_lambda_density"])
    atomic_savefig(_extremes_figure(result), out / files["extreme_eigenvalues"])
    if result.losses is not None:
        files["losses"] = "losses.png"
        atomic_savefig(_losses_figure(result.losses), out / files["losses"])
    return files


_MOMENT_MEANING = {1: "Σ log λ = log det G (7.8); 0 for a feedforward network (7.7)",
                   2: "spread of log λ: the 'variance' (9.5)",
                   3: "asymmetry of log λ: the 'skewness' (9.6); Section 9 expects it more "
                      "negative for better networks",
                   4: "weight of the tails of log λ"}


def _markdown(result: NetworkAnalysis, config: dict, files: dict[str, str]) -> str:
    rows = [
        "# Analysis of " + config.get("model", "a network"), "",
        f"`{config.get('command', '')}`", "",
        "## Network and mean state", "",
        f"- layers {'-'.join(map(str, result.layer_sizes))}, f = {result.activation} (2.6), "
        f"N = {result.n_neurons}",
        f"- mean state <x> (5.3): **{result.mean_state.kind}**: {result.mean_state.reason}",
        *([f"- data: {config['data']}"] if config.get("data") else []), "",
        *_node_markdown(config), *_spectrum_markdown(result, files), *_gap_markdown(result),
        "## Complexity (10.5)", "",
        "C_n = -½ Σ_{i<=n} log λ_i + (N/2) log 2π over the n largest eigenvalues.", "",
        "| n | C_n |", "|---|---|"]
    rows += [f"| {n} | {c:.10g} |" for n, c in result.complexities.items()]
    rows += ["", *_losses_markdown(result, files), "## Claims", ""]
    rows += [f"- {c._repr_markdown_()}" for c in claims(result)]
    rows += ["", "Numbers: `analysis.json` (with the configuration and library versions)."]
    return "\n".join(rows) + "\n"


def _spectrum_markdown(result: NetworkAnalysis, files: dict[str, str]) -> list[str]:
    s = result.spectrum
    rows = ["## Spectrum of G = (I - f'w)^T (I - f'w) (5.6) at <x>", "",
            f"Method: {_method(s)} ({s.seconds:.2f} s). G is the identity off the subspace it "
            "moves, so many eigenvalues equal 1 exactly.", "",
            "| quantity | value | standard error | meaning |", "|---|---|---|---|"]
    rows += [f"| μ_{m.order} = Tr (log G)^{m.order} (9.5)-(9.6) | {m.value:.8g} | "
             f"{m.stderr:.2g} | {_MOMENT_MEANING.get(m.order, '')} |" for m in s.moments]
    return rows + [f"| λ_max | {s.largest[0]:.8g} | | largest eigenvalue |",
                   f"| λ_min | {s.smallest[0]:.8g} | | smallest eigenvalue |", "",
                   f"![density]({files['log_lambda_density']}) "
                   f"![extremes]({files['extreme_eigenvalues']})", ""]


def _gap_markdown(result: NetworkAnalysis) -> list[str]:
    g = result.gap
    rows = ["## Gap and β (Section 10, Fig. 5; Section 9)", ""]
    if g.status == "found":
        rows += [f"The widest gap between consecutive log λ below 0 lies at log λ = "
                 f"{g.position:.6g} (width {g.width:.4g}, {g.n_below} eigenvalues below it)"
                 + (f"; {g.message}." if g.message else "."), "",
                 f"- β = {_fmt(g.beta_two_level, 6)} by the two-level model (9.3): the β whose "
                 "maximum of -ΔF sits at the gap (for γ = 1/3, β = 1/(1 + e^{log λ/2}); only "
                 "½ < β < 1 has a maximum below 0).",
                 f"- β = {_fmt(g.beta_paper, 6)} by the paper's (9.4), which is not the extremum "
                 "of (9.3) (docs/errata.md); shown to compare with Section 10.", ""]
    else:
        rows += [f"No gap: {g.message}", ""]
    if result.n_large:
        rows += ["| N_> (6.6): eigenvalues λ > 1/β | β | count |", "|---|---|---|"]
        rows += [f"| {label} | {_fmt(b, 6)} | {_count(n)} |"
                 for label, n, b in _n_large_rows(result)]
        rows.append("")
    return rows


def _losses_markdown(result: NetworkAnalysis, files: dict[str, str]) -> list[str]:
    losses = result.losses
    if losses is None:
        return []
    rows = ["## Losses on the data", ""]
    if losses.status == "computed":
        return rows + [
            f"- U_∂ = {losses.boundary:.8g}: mean boundary loss (2.11) at the forward "
            "states (2.9)",
            f"- U = {losses.bulk:.8g}: mean constrained bulk minimum (3.2)/(4.1) "
            f"({100 * losses.converged_fraction:.1f}% converged)",
            f"- U / U_∂ = {losses.ratio:.6g} over {losses.n_samples} samples", "",
            f"![losses]({files['losses']})", ""]
    return rows + [f"- U_∂ = {losses.boundary:.8g} over {losses.n_samples} samples",
                   f"- {losses.message}", ""]


def node_table(graph) -> list[dict]:
    """One JSON-able row per node of a graph septuple: label, shape, neurons, kind, whether
    it is an exact septuple node (2.5) or linearised, its f, and the nodes it reads.

    Examples
    --------
    >>> import numpy as np
    >>> from learning.graph.builder import GraphBuilder
    >>> b = GraphBuilder(input_shape=(2,))
    >>> net = b.build(outputs=b.activation(b.dense(b.input, np.eye(2)), "tanh"))
    >>> [(r["label"], r["exact"], r["reads"]) for r in node_table(net)]
    [('input', True, []), ('tanh_1', True, ['input'])]
    """
    from learning.graph.septuple import GraphSeptuple

    if not isinstance(graph, GraphSeptuple):
        raise TypeError(f"graph must be a GraphSeptuple, got {type(graph).__name__}")
    return [{"label": n.label, "shape": list(n.shape), "neurons": n.size, "kind": n.kind,
             "exact": n.exact, "activation": None if n.activation is None else n.activation.name,
             "function": None if n.function is None else type(n.function).__name__,
             "reads": [graph.nodes[u].label for u in n.sources],
             "output": v in graph.output_nodes}
            for v, n in enumerate(graph.nodes)]


def _node_row(row: dict) -> str:
    what = row["activation"] if row["kind"] != "function" else row["function"]
    kind = {"input": "input", "neuron": "exact", "function": "LINEARISED"}[row["kind"]]
    reads = ", ".join(row["reads"]) or "-"
    return (f"  {row['label']:<28} {kind:<10} {what or '':<10} "
            f"{'x'.join(map(str, row['shape'])):<12} reads {reads}"
            + ("  (output)" if row["output"] else ""))


def node_lines(graph) -> list[str]:
    """The printed table of a graph's nodes: which are exact septuple nodes and which are
    linearised (:func:`node_table`)."""
    rows = node_table(graph)
    kinds = [r["kind"] for r in rows]
    head = (f"nodes       {len(rows)}: {kinds.count('input')} input, {kinds.count('neuron')} "
            f"exact septuple nodes x = f(Wx + b), {kinds.count('function')} linearised "
            "x = φ(Wx + b) (J = φ'w in the generalised G)")
    return [head] + [_node_row(r) for r in rows]


def _node_markdown(config: dict) -> list[str]:
    rows = config.get("nodes") or []
    out = []
    if config.get("read_as"):
        out += [f"How the file was read: **{config['read_as']}**." + (
            " A state dict or safetensors file cannot record skip connections; for a "
            "network that is not a chain, analyse its ONNX export or the module in memory "
            "(learning.io.from_torch)." if config["read_as"].startswith("read as a chain")
            else ""), ""]
    if config.get("logits"):
        out += ["Analysed at the logits (--logits): the final Softmax is left out.", ""]
    if rows:
        out += ["## Nodes of the graph (docs/beyond_mlps.md)", "",
                "| node | kind | f or φ | shape | reads |", "|---|---|---|---|---|"]
        out += [f"| {r['label']} | {NODE_KIND_TEXT[r['kind']]} | "
                f"{r['activation'] or r['function'] or ''} | {'x'.join(map(str, r['shape']))} "
                f"| {', '.join(r['reads']) or '-'} |" for r in rows]
        out.append("")
    return out


def _previous_figures(out: Path) -> set[str]:
    """The figures a previous run's ``analysis.json`` in ``out`` lists (plain names only)."""
    try:
        listed = json.loads((out / "analysis.json").read_text()).get("figures", {})
    except (OSError, ValueError, AttributeError):
        return set()
    if not isinstance(listed, dict):
        return set()
    return {n for n in listed.values() if isinstance(n, str) and n == Path(n).name
            and n.endswith(".png")}


def write_report(result: NetworkAnalysis, out: str | os.PathLike, config: dict,
                 versions: dict) -> dict:
    """Write ``report.md``, ``analysis.json`` and the figures into ``out``; return the JSON."""
    if not isinstance(result, NetworkAnalysis):
        raise TypeError(f"result must be a NetworkAnalysis, got {type(result).__name__}")
    if not isinstance(out, (str, os.PathLike)):
        raise TypeError(f"out must be a directory path, got {type(out).__name__}")
    for name, value in (("config", config), ("versions", versions)):
        if not isinstance(value, dict):
            raise TypeError(f"{name} must be a dict, got {type(value).__name__}")
    out = Path(out)
    out.mkdir(parents=True, exist_ok=True)
    previous = _previous_figures(out)
    files = _figures(result, out)
    # A figure a previous run wrote into this directory and this run did not (losses.png
    # of a run with data) would describe other data beside this report: remove it. Only
    # the figures that run's analysis.json lists: --out may hold the user's own files.
    for stale in previous - set(files.values()):
        (out / stale).unlink(missing_ok=True)
    payload = {"config": config, "versions": versions, "result": result.to_dict(),
               "claims": [c.to_dict() for c in claims(result)], "figures": files}
    payload = seal(payload)  # checksummed: an edited analysis.json is detectable
    atomic_write_json(out / "analysis.json", payload)
    atomic_write_text(out / "report.md", _markdown(result, config, files))
    return payload
