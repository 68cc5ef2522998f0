"""A PyTorch Lightning ``Callback`` that records a run with :class:`learning.track.Recorder`:
step 0 when training starts, then ``trainer.global_step`` after every optimiser step.

Importing this module needs Lightning (``lightning`` or ``pytorch_lightning``) and PyTorch.
"""

from __future__ import annotations

from learning.track.recorder import Recorder
from learning.track.torch import check_module, record_module

try:
    from lightning.pytorch.callbacks import Callback
except ImportError:  # pragma: no cover - exercised where lightning is missing
    try:
        from pytorch_lightning.callbacks import Callback  # type: ignore[no-redef,assignment]
    except ImportError:
        raise ImportError("learning.track.lightning needs PyTorch Lightning, which is not "
                          "installed: pip install lightning (or "
                          "'neural-thermodynamics[frameworks]')") from None

__all__ = ["LawsCallback"]


class LawsCallback(Callback):
    """Record the Section 10 quantities (U (3.2), U_∂ (2.11), the spectrum of G (5.6)) along a
    Lightning run.

    ``module`` names the attribute of the LightningModule holding the MLP (``None``: the
    LightningModule itself, whose parameters must then be exactly the MLP's).
    """

    def __init__(self, recorder: Recorder, module: str | None = None) -> None:
        if not isinstance(recorder, Recorder):
            raise TypeError(f"recorder must be a learning.track.Recorder, got "
                            f"{type(recorder).__name__}")
        if module is not None and not isinstance(module, str):
            raise TypeError(f"module must be an attribute name or None, got {module!r}")
        self.recorder, self.module = recorder, module

    def _model(self, pl_module):
        model = pl_module if self.module is None else getattr(pl_module, self.module)
        check_module(self.recorder, model)
        return model

    def on_train_start(self, trainer, pl_module) -> None:
        if trainer.global_step == 0 and 0 not in self.recorder.checkpoints:
            record_module(self.recorder, 0, self._model(pl_module))

    def on_train_batch_end(self, trainer, pl_module, outputs, batch, batch_idx) -> None:
        record_module(self.recorder, int(trainer.global_step), self._model(pl_module))
