"""The laws of learning on your own training runs.

* :class:`Recorder` (:mod:`learning.track.recorder`): framework-free; checkpoints and the
  Section 10 measurements at the steps of a schedule, resumable.
* :func:`laws_report` (:mod:`learning.track.report`): (7.6) and (7.11) on recorded runs, the
  main job's laws section; ``python -m learning laws RUN_DIR [RUN_DIR ...]``.
* Adapters, each importing its framework only when imported: :mod:`learning.track.torch`
  (a plain loop), :mod:`learning.track.lightning` and :mod:`learning.track.keras` (callbacks).
"""

from learning.track.recorder import RUN_FORMAT, RecordedCheckpoint, Recorder, read_run
from learning.track.report import TrackedLaws, laws_report

__all__ = ["Recorder", "RecordedCheckpoint", "RUN_FORMAT", "read_run", "laws_report",
           "TrackedLaws"]
