"""The depth study at equal dim S: architectures, speed, rank correlation, verdicts, command."""

import json
import math
from pathlib import Path

import numpy as np
import pytest
from hypothesis import given
from hypothesis import strategies as st

from learning import feedforward
from learning.cli.study import main as study_main
from learning.experiments.depth_study import (
    architecture_for,
    dynamical_dimension,
    epochs_to_loss,
    summarise,
)
from learning.laws import rank_correlation
from learning.spectrum import g_operator
from ntcore.integrity import seal


@pytest.mark.parametrize("sizes", [(12, 5, 3), (12, 4, 3, 2), (6, 8, 3), (12, 3, 3, 3, 2)])
def test_dynamical_dimension_counts_the_eigenvalues_of_g_that_move(sizes):
    # Dense reference: the eigenvalues of G (5.6) different from 1 at a random <x>.
    net = feedforward(sizes, seed=1)
    x = np.random.default_rng(2).uniform(-0.8, 0.8, net.n_neurons)
    lam = np.linalg.eigvalsh(g_operator(net, x))
    assert int(np.sum(np.abs(lam - 1) > 1e-8)) == dynamical_dimension(sizes)


def test_the_paper_pair_and_the_issue_example():
    assert dynamical_dimension((784, 40, 20, 10)) == 110
    assert dynamical_dimension((784, 60, 10)) == 130
    assert dynamical_dimension((784, 50, 20, 10)) == 130


@given(dim_s=st.integers(14, 400), depth=st.integers(1, 6))
def test_architecture_for_reaches_dim_s_or_says_why_not(dim_s, depth):
    try:
        sizes = architecture_for(dim_s, depth)
    except ValueError as exc:
        assert "cannot be reached" in str(exc) or "n_in" in str(exc)
        assert depth == 1 and (dim_s - 10) % 2 or dim_s < 10 + 2 + depth - 1
        return
    assert len(sizes) == depth + 2 and min(sizes) >= 1
    assert dynamical_dimension(sizes) == dim_s


def test_architecture_for_refuses_impossible_requests():
    with pytest.raises(ValueError, match="cannot be reached"):
        architecture_for(13, 4)
    with pytest.raises(ValueError, match="even"):
        architecture_for(131, 1)


def test_epochs_to_loss_is_exact_for_a_power_law():
    # U = 2 e^{-1/2} ... take U(e) = 3 e^{-0.7}: log-log interpolation is exact.
    epochs = np.array([1.0, 10.0, 100.0, 1000.0])
    target = 0.3
    exact = (3.0 / target) ** (1 / 0.7)
    assert epochs_to_loss(epochs, 3.0 * epochs**-0.7, target) == pytest.approx(exact, rel=1e-8)
    assert epochs_to_loss(epochs, 3.0 * epochs**-0.7, 1e-6) == math.inf
    assert epochs_to_loss([0, 5], [0.1, 0.05], 0.2) == 0.0


def test_rank_correlation_interval():
    rc = rank_correlation([1, 2, 3, 4, 5, 6, 7, 8], [1, 3, 2, 4, 6, 5, 8, 7])
    assert rc.rho == pytest.approx(1 - 6 * 6 / (8 * 63))  # Σd² = 6, n = 8 (no ties)
    assert rc.z_half_width == pytest.approx(1.959964 * math.sqrt(1.06 / 5), rel=1e-6)
    assert rc.low < rc.rho < rc.high
    with pytest.raises(ValueError, match=">= 4"):
        rank_correlation([1, 2, 3], [1, 2, 3])
    with pytest.raises(ValueError, match="constant"):
        rank_correlation([1, 2, 3, 4], [5, 5, 5, 5])


def _records(sign: float):
    recs = []
    for depth, sizes in enumerate([(784, 60, 10), (784, 48, 24, 10), (784, 40, 20, 20, 10)]):
        for seed in range(4):
            skew = -(0.1 + depth + 0.1 * seed)
            recs.append({"sizes": list(sizes), "depth": depth + 1, "dim_s": 130,
                         "n_neurons": sum(sizes), "seed": seed, "mu2": 1.0, "mu3": skew,
                         "skewness": skew, "gap_log_lambda": -1.0,
                         "test_accuracy": 0.9 + sign * 0.01 * abs(skew),
                         "final_boundary_loss": 0.1,
                         "epochs_to_target": 1000 - sign * 50 * abs(skew)})
    return recs


@pytest.mark.parametrize("sign,verdict", [(1.0, "holds"), (-1.0, "fails")])
def test_skewness_claims_are_computed_both_ways(sign, verdict):
    summary = summarise(_records(sign))
    assert [c["verdict"] for c in summary["claims"]] == [verdict, verdict]
    assert summary["correlations"]["accuracy"]["rho"] == pytest.approx(sign)


def test_skewness_claim_undetermined_without_a_trend():
    # Accuracy 1, 2, 2, 1 within each block of four consecutive skewness ranks: ρ = 0.
    recs = _records(1.0)
    for r in recs:
        r["test_accuracy"] = 0.9 + 0.01 * (r["seed"] in (1, 2))
    summary = summarise(recs)
    assert summary["correlations"]["accuracy"]["rho"] == pytest.approx(0.0, abs=1e-12)
    assert summary["claims"][0]["verdict"] == "undetermined"


@pytest.mark.parametrize("argv,option", [
    (["--seeds", "2"], "--seeds"),
    (["--architectures", "784-60-10,784-40-20-10,784-45-20-10-10"], "--architectures"),
    (["--architectures", "784-60-10,784-50-20-10"], "--architectures"),
    (["--architectures", "700-60-10,784-50-20-10,784-45-20-10-10"], "--architectures"),
    (["--dim-s", "14", "--depths", "1,2,3,4"], "--dim-s"),
    (["--executor", "tcp://127.0.0.1:9"], "--executor"),
    (["--target-loss", "0"], "--target-loss"),
])
def test_misspecified_studies_are_usage_errors_before_training(argv, option, tmp_path, capsys):
    with pytest.raises(SystemExit) as exc:
        study_main(["depth", "--out", str(tmp_path / "o"), *argv])
    assert exc.value.code == 2
    assert option in capsys.readouterr().err
    assert not (tmp_path / "o").exists()  # nothing trained, nothing written


@pytest.mark.slow  # nine tiny trainings with their measurements: ~10 s quiet, ~50 s loaded
def test_study_command_end_to_end_serial(tmp_path):
    out = tmp_path / "study"
    argv = ["depth", "--out", str(out), "--architectures",
            "784-20-10,784-16-8-10,784-14-6-6-10", "--seeds", "3", "--epochs", "8",
            "--checkpoints", "4", "--n-train", "60", "--n-test", "40", "--bulk-samples", "10",
            "--target-loss", "2", "--no-paper-pair", "--executor", "serial"]
    assert study_main(argv) == 0
    payload = json.loads((out / "depth_study.json").read_text())
    assert len(payload["runs"]) == 9
    assert {tuple(r["sizes"]) for r in payload["summary"]["records"]} == {
        (784, 20, 10), (784, 16, 8, 10), (784, 14, 6, 6, 10)}
    assert {r["dim_s"] for r in payload["summary"]["records"]} == {50}
    # the two verdicts with dim S and the same two with the effective count
    assert len(payload["summary"]["claims"]) == 4
    assert all(0 < r["n_effective"] <= 50 for r in payload["summary"]["records"])
    assert (out / "depth_study.png").exists() and (out / "depth_study.md").exists()


def _main_job_runs():
    runs = []
    for sizes, group, mu3 in (((784, 40, 20, 10), "deep", -20.0), ((784, 60, 10), "shallow", -0.5)):
        for seed in range(3):
            cps = [{"epoch": e, "measurements": {
                "boundary_loss": 1.0 / (1 + e) ** (0.5 + 0.05 * seed), "mu2": 50.0,
                "mu3": mu3 - seed, "test_accuracy": 0.9 + 0.001 * seed, "gap_log_lambda": -2.0}}
                for e in (0, 10, 100, 1000)]
            runs.append({"label": f"{group}-seed{seed}", "group": group, "sizes": list(sizes),
                         "seed": seed, "checkpoints": cps})
    return runs


def test_depth_section_of_the_main_report(tmp_path):
    from learning.experiments.depth_study import STUDY_COMMAND, depth_section

    claims, lines, numbers = depth_section(_main_job_runs(), tmp_path)
    assert len(claims) == 2  # the pair: accuracy and speed
    assert any(STUDY_COMMAND in line for line in lines)
    records = numbers["paper_pair_from_main_job"]["records"]
    # U_∂ = (1 + e)^{-1/2} reaches 0.1 at e = 99, between the checkpoints 10 and 100.
    assert records[0]["epochs_to_target"] == pytest.approx(
        np.exp(np.log(10) + (np.log(0.1) - np.log(11**-0.5))
               * (np.log(100) - np.log(10)) / (np.log(101**-0.5) - np.log(11**-0.5))))
    study = {"command": "python -m learning study depth --out x", "wall_time_runs": 1.0,
             "summary": {"claims": [claims[0].to_dict()]}}
    (tmp_path / "depth").mkdir()
    (tmp_path / "depth" / "depth_study.json").write_text(json.dumps(seal(study)))
    claims2, lines2, numbers2 = depth_section(_main_job_runs(), tmp_path)
    assert len(claims2) == 3 and "study" in numbers2
    assert not any(STUDY_COMMAND in line for line in lines2)
    # An edited depth_study.json (a verdict changed by hand) is named and left out.
    edited = seal(study)
    edited["summary"]["claims"][0]["verdict"] = "holds" if claims[0].verdict.value != \
        "holds" else "fails"
    (tmp_path / "depth" / "depth_study.json").write_text(json.dumps(edited))
    claims3, lines3, numbers3 = depth_section(_main_job_runs(), tmp_path)
    assert len(claims3) == 2 and "study" not in numbers3
    assert any("was edited or damaged" in line and "left out" in line for line in lines3)


def test_depth_section_effective_count_and_quick_label(tmp_path):
    from learning.experiments.depth_study import depth_section

    runs = _main_job_runs()
    for r in runs:  # 7 saturated directions (|log λ| ~ 1e-9) in the final spectrum
        n = 110 if r["group"] == "deep" else 130
        logs = np.r_[np.full(7, 1e-9), np.geomspace(0.01, 3, n - 7) * (-1.0) ** np.arange(n - 7)]
        r["checkpoints"][-1]["measurements"]["log_lambda_dynamical"] = logs.tolist()
    claims, lines, numbers = depth_section(runs, tmp_path)
    records = numbers["paper_pair_from_main_job"]["records"]
    assert {r["n_effective"] for r in records} == {103, 123}
    assert len(claims) == 4 and sum("effective count" in c.text for c in claims) == 2
    r = records[0]
    assert r["skewness_effective"] == pytest.approx(
        r["skewness"] * np.sqrt(r["n_effective"] / r["dim_s"]))
    study = {"command": "python -m learning study depth --quick --out x", "wall_time_runs": 1.0,
             "arguments": {"quick": True}, "config": {"seeds": 3, "n_epochs": 200},
             "summary": {"claims": [claims[0].to_dict()]},
             "runs": [{"resumed_from_epoch": 200}, {"resumed_from_epoch": None}]}
    (tmp_path / "depth").mkdir()
    (tmp_path / "depth" / "depth_study.json").write_text(json.dumps(seal(study)))
    claims2, lines2, numbers2 = depth_section(runs, tmp_path)
    assert numbers2["study"]["quick"] is True
    assert any("--quick" in line and "smoke run" in line for line in lines2)
    # a rerun that only loaded finished runs says so beside its wall time
    assert any("1 of 2 runs resumed" in line for line in lines2)
    assert claims2[-1].detail.endswith("(from a --quick run)")


def test_study_defaults_are_the_budget_the_readme_states():
    # README: "1-4 hidden layers, 5 seeds each" at the main job's budget (epochs, samples).
    from learning.cli.reproduce import DEFAULTS
    from learning.cli.study import _apply_preset, _parser

    parser = _parser()
    args = parser.parse_args(["--out", "x"])
    _apply_preset(parser, args)  # the defaults of the options --quick would set
    assert args.depths == "1,2,3,4" and args.seeds == 5
    assert args.epochs == DEFAULTS["epochs"] and args.bulk_samples == DEFAULTS["bulk_samples"]
    readme = (Path(__file__).parents[2] / "README.md").read_text()
    assert "1-4 hidden layers, 5 seeds each" in readme
