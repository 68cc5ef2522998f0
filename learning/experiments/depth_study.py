"""Deep against shallow with the number of dynamical eigenvalues fixed (Section 9).

Section 9 argues that to compare architectures "apples to apples" one must "first fix the
number of the dynamical eigenvalues" and claims that deeper networks learn better because they
support a larger skewness μ_3 of the distribution of log λ.  Section 10 then compares
784-40-20-10 with 784-60-10, which have 110 and 130 dynamical eigenvalues.

This study trains networks of 1 to L hidden layers with the **same** dim S (the subspace G
moves: the non-input neurons plus the rank of the first weight block,
:func:`dynamical_dimension`), several seeds each, with the main job's data, optimiser and
budget (:func:`learning.experiments.training.train`, jobs run by
:func:`ntcore.executor.run_jobs`, so a Dask cluster runs it unchanged), and
measures for each run μ_2, μ_3 (9.5)-(9.6), the standardised skewness, the gap of Fig. 5, the
test accuracy and the epochs to reach a boundary loss.  The rank correlation (Spearman) of
|skewness| with accuracy and with speed, with a Fisher-z interval, gives a computed verdict on
"the larger the skewness the better".  The paper's pair is measured beside it.

With n_in and n_out fixed, equal dim S and equal N cannot both hold across depths (dim S - N +
n_in = h_1 fixes the first hidden layer and N then fixes the rest), so N differs; it is recorded.
"""

from __future__ import annotations

import math
import os
import time
from collections.abc import Sequence
from dataclasses import asdict, dataclass
from pathlib import Path

import numpy as np
from matplotlib.figure import Figure
from numpy.typing import ArrayLike

from learning.experiments._arguments import dicts, mapping
from learning.experiments.datasets import load_mnist
from learning.experiments.measurements import measure_checkpoint
from learning.experiments.training import TrainingConfig, train
from learning.laws import rank_correlation
from ntcore.atomic import atomic_savefig, atomic_write_text
from ntcore.checks import count, path_like, positive_number, real_array
from ntcore.integrity import read_sealed
from ntcore.verdict import Claim, Verdict, sign_of

__all__ = ["depth_section", "dynamical_dimension", "architecture_for", "DepthStudyConfig",
           "build_depth_jobs", "run_depth_job", "epochs_to_loss", "markdown_tables",
           "figure_depth", "STUDY_COMMAND", "run_record", "summarise", "write_depth_report",
           "PAPER_PAIR", "MIN_SEEDS", "MIN_ARCHITECTURES", "EFFECTIVE_LOG_THRESHOLD",
           "EFFECTIVE_LOG_THRESHOLD_WIDE", "effective_dynamical_count"]

PAPER_PAIR = ((784, 40, 20, 10), (784, 60, 10))
MIN_SEEDS = 3  # a spread over seeds, and >= 9 runs for the rank correlation
MIN_ARCHITECTURES = 3  # two would make the correlation a two-group comparison
CONFIDENCE = 0.95
TAPER = 0.5  # later hidden layers are about half the first (the paper's 40-20)
#: A dynamical eigenvalue with |log λ| at or below this counts as not moved by the network: a
#: saturated unit (f' ≈ 0) leaves its direction of S with λ ≈ 1.  There is no gap to put the
#: threshold in: on the main job's final spectra |log λ| spreads continuously from ~1e-7 to
#: 1e-3 (0-33 eigenvalues per run between 1e-9 and 1e-3), so the count depends on it; the
#: laws section also gives the count at 1e-3 (:data:`EFFECTIVE_LOG_THRESHOLD_WIDE`).
EFFECTIVE_LOG_THRESHOLD = 1e-6
EFFECTIVE_LOG_THRESHOLD_WIDE = 1e-3


def dynamical_dimension(sizes: Sequence[int]) -> int:
    """dim S of a layered network: the non-input neurons plus the rank of the first weight
    block (min(n_in, n_1) for generic weights), the dynamical eigenvalues of G (5.10).

    Examples
    --------
    >>> dynamical_dimension((784, 60, 10)), dynamical_dimension((784, 40, 20, 10))
    (130, 110)
    """
    if isinstance(sizes, str | bytes) or not hasattr(sizes, "__iter__"):
        raise TypeError(f"sizes must be a sequence of layer sizes, got {type(sizes).__name__}")
    sizes = tuple(count("sizes", s, minimum=1) for s in sizes)
    if len(sizes) < 2 or min(sizes) < 1:
        raise ValueError(f"sizes must be >= 2 positive layer sizes, got {sizes}")
    return int(sum(sizes[1:]) + min(sizes[0], sizes[1]))


def effective_dynamical_count(log_lambda: ArrayLike,
                              threshold: float = EFFECTIVE_LOG_THRESHOLD) -> int:
    """The effective number of dynamical eigenvalues of G (5.10): those with
    |log λ| > ``threshold`` (:data:`EFFECTIVE_LOG_THRESHOLD`), beside the structural dim S.

    Examples
    --------
    >>> effective_dynamical_count([1.2, -3.0, 1e-9, -2e-12, 0.5])
    3
    """
    x = np.asarray(log_lambda, dtype=float).ravel()
    if not np.all(np.isfinite(x)):
        raise ValueError("log_lambda contains non-finite entries")
    if not positive_number("threshold", threshold) < 1:
        raise ValueError(f"threshold must lie in (0, 1), got {threshold}")
    return int(np.sum(np.abs(x) > threshold))


def architecture_for(dim_s: int, depth: int, n_in: int = 784, n_out: int = 10,
                     taper: float = TAPER) -> tuple[int, ...]:
    """Hidden layers n_1, ..., n_depth with dim S = n_out + 2 n_1 + n_2 + ... = ``dim_s``.

    The later layers are about ``taper`` x n_1 each (the remainder spread over them, widest
    first).  Raises ValueError when no such network exists (every layer needs >= 1 neuron
    and n_1 <= n_in).

    Examples
    --------
    >>> [architecture_for(130, d) for d in (1, 2)]
    [(784, 60, 10), (784, 48, 24, 10)]
    """
    depth, dim_s = count("depth", depth, minimum=1), count("dim_s", dim_s, minimum=1)
    n_in, n_out = count("n_in", n_in, minimum=1), count("n_out", n_out, minimum=1)
    taper = positive_number("taper", taper)
    free = dim_s - n_out  # = 2 n_1 + n_2 + ... + n_depth
    if free < 2 + (depth - 1):
        raise ValueError(f"dim S = {dim_s} cannot be reached with {depth} hidden layers: it "
                         f"needs at least {n_out + 2 + depth - 1}")
    if depth == 1:
        if free % 2:
            raise ValueError(f"dim S = {dim_s} cannot be reached with one hidden layer: "
                             f"dim S - n_out = 2 n_1 must be even")
        n1 = free // 2
        rest: list[int] = []
    else:
        n1 = max(1, min(round(free / (2 + (depth - 1) * taper)), (free - (depth - 1)) // 2))
        left = free - 2 * n1
        rest = [left // (depth - 1) + (1 if k < left % (depth - 1) else 0)
                for k in range(depth - 1)]
    if n1 > n_in:
        raise ValueError(f"dim S = {dim_s} with {depth} hidden layers needs n_1 = {n1} > "
                         f"n_in = {n_in}")
    sizes = (n_in, n1, *rest, n_out)
    assert dynamical_dimension(sizes) == dim_s
    return sizes


@dataclass(frozen=True)
class DepthStudyConfig:
    """Everything that determines a depth study (stored beside its results)."""

    architectures: tuple[tuple[int, ...], ...]
    seeds: int = 5
    n_epochs: int = 10_000
    epoch: str = "step"
    learning_rate: float = 0.05
    batch_size: int = 100
    n_checkpoints: int = 30
    target_loss: float = 0.1
    bulk_samples: int = 1000
    n_train: int | None = None
    n_test: int | None = None
    mnist_dir: str | None = None
    paper_pair: bool = True

    def __post_init__(self) -> None:
        archs = tuple(tuple(int(s) for s in a) for a in self.architectures)
        object.__setattr__(self, "architectures", archs)
        if len(set(archs)) < MIN_ARCHITECTURES:
            raise ValueError(f"architectures: need >= {MIN_ARCHITECTURES} distinct ones, "
                             f"got {len(set(archs))}")
        dims = {dynamical_dimension(a) for a in archs}
        if len(dims) != 1:
            raise ValueError(f"architectures: all must have the same dim S, got "
                             f"{[dynamical_dimension(a) for a in archs]}")
        if count("seeds", self.seeds) < MIN_SEEDS:
            raise ValueError(f"seeds must be >= {MIN_SEEDS} for spreads and a rank "
                             f"correlation, got {self.seeds}")
        positive_number("target_loss", self.target_loss)

    @property
    def dim_s(self) -> int:
        return dynamical_dimension(self.architectures[0])

    def to_dict(self) -> dict:
        d = asdict(self)
        d["architectures"] = [list(a) for a in self.architectures]
        return d


def _training(config: DepthStudyConfig, sizes, seed: int) -> dict:
    return TrainingConfig(sizes=sizes, seed=seed, n_epochs=config.n_epochs, epoch=config.epoch,
                          learning_rate=config.learning_rate, batch_size=config.batch_size,
                          n_checkpoints=config.n_checkpoints).to_dict()


def build_depth_jobs(config: DepthStudyConfig, out: str | os.PathLike) -> list[dict]:
    """One job per (architecture, seed), plus the paper's 110-eigenvalue deep net if asked."""
    if not isinstance(config, DepthStudyConfig):
        raise TypeError(f"config must be a DepthStudyConfig, got {type(config).__name__}")
    path_like("out", out)
    archs = list(config.architectures)
    if config.paper_pair:
        archs += [a for a in PAPER_PAIR if a not in archs]
    base = {"out": os.fspath(out), "mnist_dir": config.mnist_dir, "n_train": config.n_train,
            "n_test": config.n_test, "bulk_samples": config.bulk_samples}
    return [base | {"label": "-".join(map(str, a)) + f"-seed{s}",
                    "config": _training(config, a, s)}
            for a in archs for s in range(config.seeds)]


def run_depth_job(job: dict) -> dict:
    """Train one network and measure its final checkpoint (picklable, for any executor)."""
    mapping("job", job, ("label", "config", "out", "mnist_dir", "n_train", "n_test",
                         "bulk_samples"), hint=" (see build_depth_jobs)")
    from threadpoolctl import threadpool_limits

    with threadpool_limits(limits=1):  # one job per core
        data = load_mnist(job["mnist_dir"], n_train=job["n_train"], n_test=job["n_test"],
                          seed=0)
        config = TrainingConfig.from_dict(job["config"])

        def measure(net, epoch):
            # The spectrum and the bulk minimum only at the end; the learning curve is the
            # boundary loss every checkpoint stores anyway.
            if epoch != config.n_epochs:
                return {}
            return measure_checkpoint(net, data.train, data.test,
                                      n_bulk_samples=job["bulk_samples"]).to_dict()

        t0 = time.perf_counter()
        run = train(config, data.train, out_dir=Path(job["out"]) / "runs" / job["label"],
                    measure=measure, progress=False)
    final = dict(run.final.measurements)
    final["n_effective"] = effective_dynamical_count(final.pop("log_lambda_dynamical"))
    final.pop("mean_components", None)
    return {"label": job["label"], "sizes": list(config.sizes), "seed": config.seed,
            "final": final, "curve": [[c.epoch, c.boundary_loss] for c in run.checkpoints],
            "wall_time": time.perf_counter() - t0, "resumed_from_epoch": run.resumed_from_epoch}


def epochs_to_loss(epochs: Sequence[float], losses: Sequence[float], target: float) -> float:
    """First epoch at which the boundary loss reaches ``target``, interpolating log loss
    linearly in log epoch between checkpoints; ``inf`` if never reached.

    Examples
    --------
    >>> round(epochs_to_loss([1, 10, 100], [1.0, 0.4, 0.1], 0.2), 6)  # halfway in log-log
    31.622777
    """
    e = real_array("epochs", epochs)
    u = real_array("losses", losses)
    if e.ndim != 1 or u.shape != e.shape:
        raise ValueError(f"epochs and losses must be 1-D of equal length, got shapes "
                         f"{e.shape} and {u.shape}")
    if not np.all(np.isfinite(e)) or np.any(np.diff(e) <= 0):
        raise ValueError(f"epochs must be finite and increasing, got {e}")
    if np.any(np.isnan(u)):
        raise ValueError("losses must not contain NaN (a diverged run has no epoch-to-loss)")
    target = positive_number("target", target)
    hit = np.flatnonzero(u <= target)
    if hit.size == 0:
        return math.inf
    k = int(hit[0])
    if k == 0 or e[k - 1] <= 0:
        return float(e[k])
    x0, x1 = np.log(e[k - 1]), np.log(e[k])
    y0, y1 = np.log(u[k - 1]), np.log(u[k])
    x = x0 + (np.log(target) - y0) * (x1 - x0) / (y1 - y0)
    return float(np.round(np.exp(x), 9))


def run_record(sizes: Sequence[int], seed: int, final: dict, curve: Sequence[Sequence[float]],
               target_loss: float) -> dict:
    """The study's numbers for one trained network (from the study's or the main job's runs)."""
    target_loss = positive_number("target_loss", target_loss)
    mapping("final", final)
    mu2, mu3 = final["mu2"], final["mu3"]
    n_dyn = dynamical_dimension(sizes)
    # Σ log λ = 0 (7.8): the mean of log λ vanishes, so the sample skewness of the dim S
    # dynamical log λ is (μ_3/n)/(μ_2/n)^{3/2} = √n μ_3/μ_2^{3/2}.
    skew = float(mu3 / mu2**1.5 * math.sqrt(n_dyn)) if mu2 > 0 else float("nan")
    # The same skewness over the eigenvalues the network moves: the others add n, not μ_k.
    n_eff = (effective_dynamical_count(final["log_lambda_dynamical"])
             if final.get("log_lambda_dynamical") is not None else final.get("n_effective"))
    skew_eff = (float(mu3 / mu2**1.5 * math.sqrt(n_eff)) if n_eff is not None and mu2 > 0
                else None)
    epochs, losses = zip(*curve, strict=True)
    return {"sizes": list(sizes), "depth": len(sizes) - 2, "dim_s": n_dyn,
            "n_effective": n_eff, "n_neurons": int(sum(sizes)), "seed": int(seed), "mu2": mu2,
            "mu3": mu3, "mu3_over_mu2_1_5": float(mu3 / mu2**1.5) if mu2 > 0 else float("nan"),
            "skewness": skew, "skewness_effective": skew_eff,
            "gap_log_lambda": final.get("gap_log_lambda"),
            "test_accuracy": final["test_accuracy"],
            "final_boundary_loss": final["boundary_loss"],
            "epochs_to_target": epochs_to_loss(epochs, losses, target_loss)}


def _correlation_claims(records: list[dict], label: str,
                        skew_key: str = "skewness") -> tuple[dict, list[Claim]]:
    skew = [abs(r[skew_key]) for r in records]
    acc = [r["test_accuracy"] for r in records]
    speed = [r["epochs_to_target"] for r in records]
    out, claims = {}, []
    for key, values, sign, what in (("accuracy", acc, 1, "higher test accuracy"),
                                    ("epochs_to_target", speed, -1,
                                     "fewer epochs to the target loss")):
        text = (f"the larger the magnitude of the skewness of log λ, the {what} "
                f"(Section 9), {label}")
        try:
            rc = rank_correlation(skew, values)
        except ValueError as exc:  # a constant sequence: nothing to rank
            claims.append(Claim(text, "undetermined when a sequence is constant", {},
                                Verdict.UNDETERMINED, detail=str(exc)))
            continue
        out[key] = asdict(rc)
        c = sign_of(text, measured=rc.z, expected_sign=sign, noise=rc.z_half_width,
                    name="atanh ρ_Spearman",
                    evidence="python -m learning study depth", figure="depth_study.png")
        claims.append(Claim(c.text, c.rule + " (the 95% Fisher-z half-width)", c.measured,
                            c.verdict, c.evidence, c.figure,
                            f"ρ = {rc.rho:.3f} [{rc.low:.3f}, {rc.high:.3f}], n = {rc.n}"))
    return out, claims


def _group_stats(records: list[dict]) -> list[dict]:
    rows = []
    for sizes in dict.fromkeys(tuple(r["sizes"]) for r in records):
        group = [r for r in records if tuple(r["sizes"]) == sizes]
        row = {"sizes": list(sizes), "depth": group[0]["depth"], "dim_s": group[0]["dim_s"],
               "n_neurons": group[0]["n_neurons"], "n_seeds": len(group)}
        for key in ("n_effective", "mu2", "mu3", "skewness", "skewness_effective",
                    "gap_log_lambda", "test_accuracy",
                    "epochs_to_target", "final_boundary_loss"):
            v = np.asarray([r[key] for r in group if r.get(key) is not None], float)
            finite = v[np.isfinite(v)]
            row[key] = {"mean": float(finite.mean()) if finite.size else None,
                        "std": float(finite.std(ddof=1)) if finite.size > 1 else None,
                        "not_finite": int(v.size - finite.size)}
        rows.append(row)
    return rows


def summarise(records: list[dict], dim_s: int | None = None) -> dict:
    """Per-architecture means and spreads, and the rank correlations with their claims.

    ``records``: :func:`run_record` dicts.  The study set is the architectures with dim S =
    ``dim_s`` (default: the most common); the paper's pair is judged separately.
    """
    records = dicts("records", records)
    if dim_s is None:
        dims = [r["dim_s"] for r in records]
        dim_s = max(set(dims), key=dims.count)
    study = [r for r in records if r["dim_s"] == dim_s]
    pair = [r for r in records if tuple(r["sizes"]) in PAPER_PAIR]
    result: dict = {"dim_s": dim_s, "architectures": _group_stats(study),
                    "paper_pair": _group_stats(pair) if pair else []}
    claims: list[Claim] = []
    for key, group, enough, label in (
            ("correlations", study, len({tuple(r["sizes"]) for r in study}) >= 2,
             f"equal dim S = {dim_s}"),
            ("paper_pair_correlations", pair, len({tuple(r["sizes"]) for r in pair}) == 2,
             "the paper's pair 784-40-20-10 (110) vs 784-60-10 (130)")):
        if not (enough and len(group) >= 4):
            continue
        result[key], c = _correlation_claims(group, label)
        claims += c
        if all(r.get("skewness_effective") is not None for r in group):
            # The same verdicts with the skewness over the effective count (|log λ| above
            # EFFECTIVE_LOG_THRESHOLD) instead of dim S.
            result[key + "_effective"], c = _correlation_claims(
                group, label + f", skewness over the effective count (log λ beyond "
                f"±{EFFECTIVE_LOG_THRESHOLD:g})", "skewness_effective")
            claims += c
    result["claims"] = [c.to_dict() | {"detail": c.detail} for c in claims]
    result["_claims"] = claims
    return result


def _fmt(stat: dict, spec: str = ".3g") -> str:
    if stat["mean"] is None:
        return "n/a"
    s = format(stat["mean"], spec)
    if stat["std"] is not None:
        s += f" ± {format(stat['std'], '.2g')}"
    if stat["not_finite"]:
        s += f" ({stat['not_finite']} not reached)"
    return s


def markdown_tables(summary: dict, target_loss: float) -> list[str]:
    """The per-architecture table (study set and the paper's pair) and the claims."""
    mapping("summary", summary)
    target_loss = positive_number("target_loss", target_loss)
    lines = ["| architecture | depth | dim S | effective | N | seeds | μ_2 | μ_3 | skewness | "
             f"skewness (effective) | gap log λ | test accuracy | epochs to U_∂ <= "
             f"{target_loss:g} |",
             "| --- |" + " ---: |" * 12]
    for title, rows in (("", summary["architectures"]),
                        (" (paper's pair)", summary["paper_pair"])):
        for r in rows:
            lines.append(f"| {'-'.join(map(str, r['sizes']))}{title} | {r['depth']} | "
                         f"{r['dim_s']} | {_fmt(r['n_effective'], '.1f')} | "
                         f"{r['n_neurons']} | {r['n_seeds']} | "
                         f"{_fmt(r['mu2'])} | {_fmt(r['mu3'])} | {_fmt(r['skewness'])} | "
                         f"{_fmt(r['skewness_effective'])} | "
                         f"{_fmt(r['gap_log_lambda'])} | {_fmt(r['test_accuracy'], '.4f')} | "
                         f"{_fmt(r['epochs_to_target'], '.0f')} |")
    lines += ["", "Skewness: the sample skewness of the dynamical log λ, (μ_3/n)/(μ_2/n)^{3/2} "
              "with n = dim S (the mean of log λ is 0 by (7.8)); skewness (effective): the "
              "same with n = the effective count, the dynamical eigenvalues with |log λ| > "
              f"{EFFECTIVE_LOG_THRESHOLD:g} (the others belong to saturated units, λ = 1 to "
              "round-off); ± one standard deviation over seeds.", "",
              "| claim | verdict | rule | measured |", "| --- | --- | --- | --- |"]
    for c in summary["_claims"]:
        lines.append(f"| {c.text} | **{c.verdict.value}** | {c.rule.replace('|', chr(92) + '|')} "
                     f"| {c.detail} |")
    return lines


def figure_depth(summary: dict, records: list[dict], path: str | os.PathLike) -> None:
    """Skewness and test accuracy against depth (equal dim S), and accuracy against |skewness|."""
    mapping("summary", summary)
    records = dicts("records", records)
    path_like("path", path)
    fig = Figure(figsize=(11, 4.2))
    ax, bx = fig.add_subplot(1, 2, 1), fig.add_subplot(1, 2, 2)
    study = [r for r in records if r["dim_s"] == summary["dim_s"]]
    depth = np.array([r["depth"] for r in study], float)
    ax.plot(depth, [r["skewness"] for r in study], "o", color="C0", alpha=0.6)
    ax.set_xlabel(f"hidden layers (dim S = {summary['dim_s']})")
    ax.set_ylabel("skewness of log λ", color="C0")
    ax2 = ax.twinx()
    ax2.plot(depth + 0.08, [r["test_accuracy"] for r in study], "s", color="C3", alpha=0.6)
    ax2.set_ylabel("test accuracy", color="C3")
    ax.set_title("skewness (circles) and accuracy (squares) against depth")
    for r, marker in ((study, "o"), ([r for r in records if tuple(r["sizes"]) in PAPER_PAIR
                                      and r["dim_s"] != summary["dim_s"]], "x")):
        bx.plot([abs(x["skewness"]) for x in r], [x["test_accuracy"] for x in r], marker,
                label="equal dim S" if marker == "o" else "784-40-20-10 (dim S 110)")
    bx.set_xlabel("|skewness| of log λ")
    bx.set_ylabel("test accuracy")
    bx.set_title("accuracy against |skewness| (one point per run)")
    bx.legend(fontsize=8)
    atomic_savefig(fig, path, dpi=110)


def write_depth_report(out: str | os.PathLike, payload: dict) -> dict:
    """Write ``depth_study.md`` and ``depth_study.png`` into ``out``; return the summary."""
    out = Path(path_like("out", out))
    mapping("payload", payload)
    config = payload["config"]
    records = [run_record(r["sizes"], r["seed"], r["final"], r["curve"], config["target_loss"])
               for r in payload["runs"]]
    summary = summarise(records, dynamical_dimension(config["architectures"][0]))
    figure_depth(summary, records, out / "depth_study.png")
    lines = ["# Depth study: equal numbers of dynamical eigenvalues (Section 9)", "",
             f"Command: `{payload['command']}`  ",
             f"{config['seeds']} seeds per architecture; {config['n_epochs']} epochs of one "
             f"{'mini-batch update' if config['epoch'] == 'step' else 'pass'}, SGD lr "
             f"{config['learning_rate']}, batch {config['batch_size']}; spectrum at ⟨x⟩ of "
             f"{config['bulk_samples']} bulk minima at the last epoch. Wall time "
             f"{_wall_time(payload)}.", "",
             *markdown_tables(summary, config["target_loss"]), "",
             "![depth study](depth_study.png)", ""]
    atomic_write_text(out / "depth_study.md", "\n".join(lines))
    summary.pop("_claims")
    summary["records"] = records
    return summary


STUDY_COMMAND = "python -m learning study depth --out results/depth"


def _sealed_json(path: Path) -> tuple[dict | None, str | None]:
    """The JSON at ``path`` if present, readable and matching its checksum; else what is
    wrong with it (None, None when there is no file)."""
    if not path.exists():
        return None, None
    try:
        return read_sealed(path), None
    except OSError as exc:
        return None, f"{path} is unreadable ({exc})"
    except ValueError as exc:  # not JSON, not sealed, or edited: read_sealed names the file
        return None, str(exc)


def _wall_time(study: dict) -> str:
    """The stored wall time, and how many runs it only resumed (a rerun loads finished runs)."""
    runs = study.get("runs", [])
    resumed = sum(r.get("resumed_from_epoch") is not None for r in runs)
    note = f"; {resumed} of {len(runs)} runs resumed from their checkpoints" if resumed else ""
    return f"{study['wall_time_runs']:.0f} s{note}"


def _study_budget_lines(study: dict) -> list[str]:
    """What the stored study ran, and a warning when its verdicts come from ``--quick``."""
    config = study.get("config", {})
    quick = bool(study.get("arguments", {}).get("quick", False))
    budget = (f"Budget: {config.get('seeds', '?')} seeds, {config.get('n_epochs', '?')} epochs, "
              f"{len(config.get('architectures', ()))} architectures, "
              f"{config.get('bulk_samples', '?')} bulk samples.")
    if quick:
        budget += (" **These verdicts come from a `--quick` smoke run** (not the default "
                   f"budget of `{STUDY_COMMAND}`); they say nothing about the paper.")
    return [budget]


def depth_section(runs: list[dict], out: str | os.PathLike,
                  target_loss: float = 0.1) -> tuple[list[Claim], list[str], dict]:
    """The main report's depth section: the paper's pair from the main job's own runs, and the
    full equal-dim-S study if ``out/depth/depth_study.json`` exists (else its command).

    Returns the claims, the Markdown lines and the numbers for results.json.
    """

    runs = dicts("runs", runs)
    target_loss = positive_number("target_loss", target_loss)
    path_like("out", out)
    records = [run_record(r["sizes"], r["seed"], r["checkpoints"][-1]["measurements"],
                          [[c["epoch"], c["measurements"]["boundary_loss"]]
                           for c in r["checkpoints"]], target_loss)
               for r in runs if tuple(r["sizes"]) in PAPER_PAIR
               and not r["group"].startswith("sweep-")]
    summary = summarise(records, dim_s=-1)  # no study set: only the pair is judged here
    claims = list(summary["_claims"])
    lines = ["## Depth study (Section 9): skewness against learning", "",
             "The paper's pair from this job's runs (dim S 110 vs 130, so not apples to "
             "apples by Section 9's own rule):", "",
             *markdown_tables(summary, target_loss), ""]
    summary.pop("_claims")
    numbers = {"paper_pair_from_main_job": summary | {"records": records}}
    study_json = Path(out) / "depth" / "depth_study.json"
    study, problem = _sealed_json(study_json)
    if problem:
        lines += [f"The equal-dim-S study's results are left out: {problem}. Rerun "
                  f"`{STUDY_COMMAND}` (it resumes from its checkpoints).", ""]
    if study is not None:
        quick = bool(study.get("arguments", {}).get("quick", False))
        numbers["study"] = {k: v for k, v in study["summary"].items() if k != "records"}
        numbers["study"]["quick"] = quick
        tag = " (from a --quick run)" if quick else ""
        claims += [Claim(c["text"], c["rule"], c["measured"], Verdict(c["verdict"]),
                         c["evidence"], c["figure"], c.get("detail", "") + tag)
                   for c in study["summary"]["claims"]]
        lines += [f"The equal-dim-S study (`{study['command']}`, {_wall_time(study)}; full "
                  "tables in depth/depth_study.md):",
                  "", *_study_budget_lines(study),
                  "", "| claim | verdict | measured |", "| --- | --- | --- |"]
        lines += [f"| {c['text']} | **{c['verdict']}** | {c.get('detail', '')}{tag} |"
                  for c in study["summary"]["claims"]]
    else:
        lines += ["The study at equal dim S (1-4 hidden layers, 5 seeds each, this job's "
                  f"budget) is its own command: `{STUDY_COMMAND}`; rerun this command "
                  "afterwards to include its verdicts here."]
    return claims, lines + [""], numbers
