"""A plain PyTorch training loop recorded by :class:`learning.track.Recorder`: one call per
step, ``record_module(recorder, step, model)``.

The model's parameters are taken in ``named_parameters()`` order (weight, bias of each
``Linear``); an ``nn.Sequential`` whose activation modules (Tanh, Sigmoid, ReLU, Identity)
differ from the recorder's activation is refused.  Importing this module needs PyTorch.
"""

from __future__ import annotations

from learning.io.torch_io import _ACTIVATION_MODULES
from learning.track.recorder import RecordedCheckpoint, Recorder

try:
    import torch
except ImportError:  # pragma: no cover - exercised where torch is missing
    raise ImportError("learning.track.torch needs PyTorch, which is not installed: pip install "
                      "torch (or 'neural-thermodynamics[frameworks]'); learning.track.Recorder "
                      "itself takes NumPy arrays and needs no framework") from None

__all__ = ["record_module", "check_module"]


def check_module(recorder: Recorder, model: object) -> None:
    """Refuse a model that is not a ``torch.nn.Module`` or whose activation modules are not
    the recorder's f (2.5)."""
    if not isinstance(model, torch.nn.Module):
        raise TypeError(f"model must be a torch.nn.Module, got {type(model).__name__}")
    names = {_ACTIVATION_MODULES[type(m).__name__] for m in model.modules()
             if type(m).__name__ in _ACTIVATION_MODULES}
    if names - {recorder.activation.name, "linear"}:
        raise ValueError(f"model applies {sorted(names)}, the recorder's network has "
                         f"{recorder.activation.name!r} on every layer")


def record_module(recorder: Recorder, step: int, model: object) -> RecordedCheckpoint | None:
    """``recorder.record(step, model's parameters)`` for a PyTorch MLP (Section 10 at a step).

    Examples
    --------
    >>> import tempfile, torch
    >>> from learning.track import Recorder
    >>> model = torch.nn.Sequential(torch.nn.Linear(2, 3), torch.nn.Tanh(),
    ...                             torch.nn.Linear(3, 1), torch.nn.Tanh())
    >>> rec = Recorder(tempfile.mkdtemp(), ((2, 3, 1), "tanh"))
    >>> record_module(rec, 0, model).step
    0
    """
    if not isinstance(recorder, Recorder):
        raise TypeError(f"recorder must be a learning.track.Recorder, got "
                        f"{type(recorder).__name__}")
    if recorder.checked_model is not model:  # once per model: this runs at every step
        check_module(recorder, model)
        recorder.checked_model = model
    if not recorder.due(step):  # the parameters are gathered only at checkpoints
        return recorder.record(step, {})
    return recorder.record(step, dict(model.named_parameters()))  # type: ignore[attr-defined]
