"""Bad-input entries for learning.track and the helpers it made public (merged into
tests/test_bad_input.py): each call must raise ValueError/TypeError naming the argument."""

import numpy as np

from tests.bad_input_support import Bad

_NOWHERE = "/nonexistent-dir/run"
_R = "learning.track.recorder."
_SIZES = ((2, 3, 1), "tanh")


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
                      Bad(lambda f: f(_NOWHERE, _SIZES, data="mnist", encoding="x"), "data")],
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
RESULT_TYPES: set[str] = {_R + "RecordedCheckpoint", "learning.track.report.TrackedLaws"}
XFAIL: dict[tuple[str, int], str] = {}
