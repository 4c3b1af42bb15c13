"""Run the points of a sweep: on local processes (spawn: TensorFlow does not survive fork) or on a
Dask cluster, with a progress bar. Results come back in point order whatever order they finish in."""

from __future__ import annotations

import itertools
import multiprocessing
import os
from collections.abc import Iterable, Sequence
from concurrent.futures import ProcessPoolExecutor, as_completed
from pathlib import Path

from tqdm import tqdm

from hwq.quiet import quiet_tensorflow
from hwq.sweep.point import PointResult, PointSpec, run_point


def grid(model: str | Path, data: str | Path, layers: Sequence[str], bits: Sequence[int], epochs: int = 0,
         yosys: bool = False, input_type: str | None = None, until: str | None = None) -> list[PointSpec]:
    """Every combination of a bit width per layer (len(bits) ** len(layers) points)."""
    if not layers or not bits:
        raise ValueError("a sweep needs at least one layer and one bit width")
    model, data = str(Path(model).resolve()), str(Path(data).resolve())
    return [PointSpec(k, model, data, tuple(zip(layers, combo, strict=True)), epochs, yosys, input_type, until)
            for k, combo in enumerate(itertools.product(bits, repeat=len(layers)))]


def run_sweep(specs: Sequence[PointSpec], scheduler: str | None = None, jobs: int | None = None,
              progress: bool = True) -> list[PointResult]:
    """Run every point: on a Dask cluster at `scheduler` (tcp://host:port) or a dask Client object,
    else on `jobs` local processes (default: one per core)."""
    local = scheduler is None
    done = _on_processes(specs, jobs or os.cpu_count() or 1) if local else _on_dask(specs, scheduler)
    results = list(tqdm(done, total=len(specs), desc="sweep", unit="point", disable=not progress))
    return sorted(results, key=lambda r: r.index)


def _on_processes(specs: Sequence[PointSpec], jobs: int) -> Iterable[PointResult]:
    with ProcessPoolExecutor(max_workers=min(jobs, len(specs)), mp_context=multiprocessing.get_context("spawn"),
                             initializer=quiet_tensorflow) as pool:
        futures = [pool.submit(run_point, s) for s in specs]
        for f in as_completed(futures):
            yield f.result()


def _on_dask(specs: Sequence[PointSpec], scheduler) -> Iterable[PointResult]:
    from distributed import Client
    from distributed import as_completed as dask_completed

    client = scheduler if isinstance(scheduler, Client) else Client(scheduler)
    try:
        # pure=False: each point is run, not taken from a cache of an earlier identical call
        futures = client.map(run_point, list(specs), pure=False)
        for f in dask_completed(futures):
            yield f.result()
    finally:
        if client is not scheduler:
            client.close()
