"""`hwq sweep`: re-quantize chosen layers over a grid of weight bit widths and record accuracy, energy
and resources per point, on local processes or a Dask cluster (same results either way)."""

from __future__ import annotations

from pathlib import Path

from hwq.sweep.output import pareto_front, write_outputs
from hwq.sweep.point import PointResult, PointSpec, run_point
from hwq.sweep.runner import grid, run_sweep


def sweep(model: str | Path, data: str | Path, layers: list[str], bits: list[int], out_dir: str | Path,
          epochs: int = 0, scheduler=None, jobs: int | None = None, yosys: bool = False,
          input_type: str | None = None, progress: bool = True,
          until: str | None = None) -> tuple[list[PointResult], dict[str, Path]]:
    specs = grid(model, data, layers, bits, epochs=epochs, yosys=yosys, input_type=input_type, until=until)
    results = run_sweep(specs, scheduler=scheduler, jobs=jobs, progress=progress)
    meta = {"model": str(model), "data": str(data), "layers": list(layers), "bits": list(bits), "epochs": epochs}
    return results, write_outputs(results, out_dir, meta)


__all__ = ["sweep", "grid", "run_sweep", "run_point", "PointSpec", "PointResult", "pareto_front", "write_outputs"]
