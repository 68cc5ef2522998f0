"""Run independent jobs (training runs of a sweep, batches of SLQ probes) on a
concurrent.futures-style executor.

Local processes by default; ``"serial"`` in this process; a Dask distributed cluster when
given its scheduler address (``"tcp://host:8786"``; needs the ``dask`` extra); or any
``concurrent.futures.Executor`` the caller made.
"""

from __future__ import annotations

import concurrent.futures as cf
import os
import threading
import time
from collections.abc import Callable, Sequence
from typing import Any

from tqdm.auto import tqdm

__all__ = ["run_jobs"]

# How often a pool worker checks that its parent is alive (seconds).
_PARENT_POLL = 0.5


def _exit_with_parent(parent_pid: int) -> None:
    """Pool-worker initializer: a daemon thread ends the worker once its parent is gone.

    A parent killed by SIGKILL cannot shut its pool down; without this its workers would go
    on training for minutes. When the parent dies the worker is re-parented, so its parent
    pid changes.
    """
    def watch() -> None:
        while os.getppid() == parent_pid:
            time.sleep(_PARENT_POLL)
        os._exit(70)  # EX_SOFTWARE; no cleanup: the parent that would read results is gone

    threading.Thread(target=watch, name="exit-with-parent", daemon=True).start()


def run_jobs(function: Callable[[Any], Any], jobs: Sequence[Any], *,
             executor: str | cf.Executor | None = None, max_workers: int | None = None,
             progress: bool = True) -> list[Any]:
    """Apply ``function`` to every job; results in job order.

    Parameters
    ----------
    function
        A picklable (module-level) function of one argument.
    jobs
        The arguments.
    executor
        ``None`` or ``"local"``: a process pool of ``max_workers`` (default: the cores);
        ``"serial"``: no pool; ``"tcp://..."``: a Dask scheduler address; or an
        ``Executor`` instance (left open for the caller).
    max_workers
        Pool size for ``"local"``.
    progress
        A tqdm bar over completed jobs.

    Raises
    ------
    ValueError
        For an unknown executor string.
    ImportError
        For a Dask address without ``dask.distributed`` installed.
    """
    jobs = list(jobs)
    bar = tqdm(total=len(jobs), disable=not progress, desc="jobs", leave=False)
    if max_workers is not None and (isinstance(max_workers, bool)
                                    or not isinstance(max_workers, int) or max_workers < 1):
        raise ValueError(f"max_workers must be None or an integer >= 1, got {max_workers!r}")
    if executor == "serial":
        results: list[Any] = []
        for job in jobs:
            results.append(function(job))
            bar.update(1)
        bar.close()
        return results
    owned: cf.Executor | None = None
    pool: cf.Executor
    client = None
    if executor is None or executor == "local":
        workers = max_workers or min(len(jobs), os.cpu_count() or 1) or 1
        owned = pool = cf.ProcessPoolExecutor(max_workers=workers, initializer=_exit_with_parent,
                                              initargs=(os.getpid(),))
    elif isinstance(executor, str) and executor.startswith(("tcp://", "tls://", "inproc://")):
        try:
            from distributed import Client
        except ImportError as exc:
            raise ImportError("a Dask scheduler address needs dask.distributed: "
                              "pip install 'neural-thermodynamics[dask]'") from exc
        client = Client(executor)
        owned = pool = client.get_executor()
    elif isinstance(executor, cf.Executor):
        pool = executor
    else:
        raise ValueError(f"executor must be None, 'local', 'serial', a scheduler address "
                         f"'tcp://host:port' or an Executor; got {executor!r}")
    try:
        futures = {pool.submit(function, job): i for i, job in enumerate(jobs)}
        results = [None] * len(jobs)
        for future in cf.as_completed(futures):
            results[futures[future]] = future.result()
            bar.update(1)
    except BaseException:
        # Interrupted (Ctrl-C, SIGTERM turned into an exception) or a job failed: do not
        # wait minutes for the other runs; their checkpoints let a rerun resume them.
        if isinstance(owned, cf.ProcessPoolExecutor):
            _terminate_workers(owned)
        raise
    finally:
        bar.close()
        if isinstance(owned, cf.ProcessPoolExecutor):
            owned.shutdown(wait=True, cancel_futures=True)
        elif owned is not None:  # Dask's executor has no cancel_futures
            owned.shutdown(wait=True)
        if client is not None:
            client.close()
    return results


def _terminate_workers(pool: cf.ProcessPoolExecutor) -> None:
    # concurrent.futures has no public way to stop running tasks; its worker processes are
    # in the private ``_processes`` (stable since Python 3.2).
    for process in list(getattr(pool, "_processes", {}).values()):
        process.terminate()
