"""Batch runs over many articles: parallel, incremental, crash-safe, local or on Dask.

``run_batch(RunOptions(...))`` is what ``zhpipe run`` calls; see :mod:`pipeline.batch.runner`
for how a run goes and :mod:`pipeline.batch.state` for how it survives being killed.
"""

from __future__ import annotations

from pipeline.batch.runner import RunOptions, RunReport, RunStats, run_batch

__all__ = ["RunOptions", "RunReport", "RunStats", "run_batch"]
