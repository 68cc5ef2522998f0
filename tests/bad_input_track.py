"""Bad-input entries for learning.track and the helpers it made public (merged into
tests/test_bad_input.py): each call must raise ValueError/TypeError naming the argument."""

import numpy as np

from tests.bad_input_support import Bad

_NOWHERE = "/nonexistent-dir/run"
_R = "learning.track.recorder."
_SIZES = ((2, 3, 1), "tanh")
_S = "learning.track.spectral_sums."
_L = "learning.track.estimated_laws."


def _net():
    from learning import feedforward

    return feedforward((2, 3, 1), seed=0)


def _recorder():
    import tempfile

    from learning.track import Recorder

    return Recorder(tempfile.mkdtemp(), _SIZES)


BAD: dict[str, list[Bad]] = {
    _R + "Recorder": [Bad(lambda f: f(_NOWHERE, "784-10"), "network"),
                      Bad(lambda f: f(3.5, _SIZES), "run_dir"),
                      Bad(lambda f: f(_NOWHERE, _SIZES, every="log"), "n_steps"),
                      Bad(lambda f: f(_NOWHERE, _SIZES, every=0), "every"),
                      Bad(lambda f: f(_NOWHERE, _SIZES, n_bulk_samples=0), "n_bulk_samples"),
                      Bad(lambda f: f(_NOWHERE, _SIZES, time_budget=-1), "time_budget"),
                      Bad(lambda f: f(_NOWHERE, _SIZES, kernel_layout="keras"),
                          "kernel_layout"),
                      Bad(lambda f: f(_NOWHERE, _SIZES, data="mnist", encoding="x"), "data"),
                      Bad(lambda f: f(_NOWHERE, _SIZES, forward_spectrum="yes"),
                          "forward_spectrum")],
    _R + "read_run": [Bad(lambda f: f("/nonexistent-dir"), "run_dir"),
                      Bad(lambda f: f(3.5), "run_dir")],
    _R + "read_checkpoints": [Bad(lambda f: f(3.5), "directory")],
    _R + "expected_layout": [Bad(lambda f: f((3,)), "sizes"),
                             Bad(lambda f: f((3, 2), "keras"), "kernel_layout")],
    "learning.track.report.laws_report": [Bad(lambda f: f([]), "run_dirs"),
                                          Bad(lambda f: f("/nonexistent-dir"), "run_dir")],
    "learning.track.estimated.structured_dim": [Bad(lambda f: f((3,)), "sizes")],
    "learning.track.estimated.choose_spectrum": [Bad(lambda f: f((3, 2), "lanczos"), "spectrum")],
    "learning.track.estimated.measure_estimated": [
        Bad(lambda f: f("net", None, None, n_bulk_samples=1, seed=0), "net")],
    "learning.track.report.run_dict": [Bad(lambda f: f("/nonexistent-dir"), "run_dir")],
    _S + "sum_density": [Bad(lambda f: f("entropies", np.zeros(2), 1.0), "name"),
                         Bad(lambda f: f("entropy", np.zeros(2), -1.0), "beta")],
    _S + "Rule": [Bad(lambda f: f(np.zeros((2, 3)), np.ones((2, 2)), np.zeros((2, 2)),
                                  np.ones((2, 2))), "log_nodes")],
    _S + "ProbeRules": [Bad(lambda f: f("rule", "rule"), "trace")],
    _S + "record_rules": [Bad(lambda f: f("moments"), "result")],
    _S + "mean_form_rule": [Bad(lambda f: f("net", np.zeros(3)), "net"),
                            Bad(lambda f: f(_net(), np.zeros(4)), "x_mean")],
    _S + "probe_rules": [Bad(lambda f: f([1, 2]), "measurements")],
    _L + "sum_series": [Bad(lambda f: f("rules", "entropy", 1.0), "rules")],
    _L + "estimated_run_laws": [Bad(lambda f: f("run", [0], [], []), "steps")],
    _L + "estimated_claims": [Bad(lambda f: f("laws"), "res")],
    "learning.track.estimated_report.estimated_markdown": [Bad(lambda f: f("laws"), "laws")],
    "learning.track.estimated_report.estimated_numbers": [Bad(lambda f: f("laws"), "res")],
    "ntcore.verdict.no_rise_beyond_error": [
        Bad(lambda f: f("t", rises=[0.1], errors=[0.1], scale=0.0, holds_below=0,
                        fails_above=1), "scale"),
        Bad(lambda f: f("t", rises=[0.1], errors=[-1.0], scale=1.0, holds_below=0,
                        fails_above=1), "errors")],
    "learning.experiments.training.log_spaced_steps": [Bad(lambda f: f(-1, 5), "n_steps"),
                                                       Bad(lambda f: f(10, 1), "n_checkpoints")],
    "learning.experiments.training.save_checkpoint": [
        Bad(lambda f: f(_NOWHERE, -1, [], [], {}, None, {}), "epoch")],
    "ntcore.atomic.sha256_file": [Bad(lambda f: f(3.5), "path")],
    "learning.track.torch.record_module": [Bad(lambda f: f("rec", 0, None), "recorder"),
                                           Bad(lambda f: f(_recorder(), 0, {}), "model")],
    "learning.track.torch.check_module": [Bad(lambda f: f(_recorder(), np.zeros(2)), "model")],
    "learning.track.lightning.LawsCallback": [Bad(lambda f: f("rec"), "recorder"),
                                              Bad(lambda f: f(_recorder(), 3), "module")],
    "learning.track.keras.LawsCallback": [Bad(lambda f: f("rec"), "recorder"),
                                          Bad(lambda f: f(_recorder()), "recorder")],
}


def _importable(name: str) -> bool:
    try:
        __import__(name)
    except ImportError:
        return False
    return True


# The adapters are public only where their framework imports (test_bad_input skips them).
for _adapter in ("torch", "lightning", "keras"):
    if not _importable(f"learning.track.{_adapter}"):
        for _name in [n for n in BAD if n.startswith(f"learning.track.{_adapter}.")]:
            del BAD[_name]
RESULT_TYPES: set[str] = {_R + "RecordedCheckpoint", "learning.track.report.TrackedLaws",
                          _S + "SumEstimate", _L + "SumSeries", _L + "EstimatedReading",
                          _L + "EstimatedFirstLaw", _L + "EstimatedRunLaws"}
XFAIL: dict[tuple[str, int], str] = {}
