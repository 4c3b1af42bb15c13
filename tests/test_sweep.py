"""hwq sweep: re-quantized configs, the Pareto front, and a 2 layers x 4 bit widths sweep that gives
the same results on local processes and on a dask.distributed LocalCluster."""

from __future__ import annotations

import csv
import json
import sys
from pathlib import Path

import numpy as np
import pytest

from hwq.sweep import PointResult, grid, pareto_front, sweep
from hwq.sweep.requantize import requantized_config

EXAMPLES = Path(__file__).resolve().parent.parent / "examples"


def _q(bits, integer=0, alpha=1):
    return {"class_name": "quantized_bits", "config": {"bits": bits, "integer": integer, "alpha": alpha}}


def test_requantized_config_changes_only_bits():
    cfg = {"name": "fc", "kernel_quantizer": _q(6, 1, "auto_po2"), "bias_quantizer": _q(8, 2), "units": 4}
    new = requantized_config(cfg, 4, "fc")
    assert new["kernel_quantizer"]["config"] == {"bits": 4, "integer": 1, "alpha": "auto_po2"}
    assert new["bias_quantizer"]["config"] == {"bits": 4, "integer": 2, "alpha": 1}
    assert cfg["kernel_quantizer"]["config"]["bits"] == 6  # the original is left alone
    with pytest.raises(ValueError, match="no room"):
        requantized_config(cfg, 2, "fc")
    with pytest.raises(ValueError, match="quantized_bits only"):
        requantized_config({"kernel_quantizer": "binary"}, 4, "fc")
    with pytest.raises(ValueError, match="no kernel or bias"):
        requantized_config({"units": 3}, 4, "fc")


def test_grid_is_every_combination():
    specs = grid("m.keras", "d.npz", ["a", "b"], [3, 4, 5, 6])
    assert len(specs) == 16 and [s.index for s in specs] == list(range(16))
    assert len({s.bits for s in specs}) == 16 and specs[1].bits == (("a", 3), ("b", 4))


def test_pareto_front():
    pts = [PointResult(0, {}, 0.9, 100, 0, 0), PointResult(1, {}, 0.8, 50, 0, 0),
           PointResult(2, {}, 0.7, 80, 0, 0), PointResult(3, {}, 0.9, 120, 0, 0)]
    assert [p.index for p in pareto_front(pts, "est_luts")] == [1, 0]


@pytest.fixture(scope="module")
def jet_files(tmp_path_factory):
    sys.path.insert(0, str(EXAMPLES))
    import keras
    from jet_tagger import build_jet_tagger, synthetic_jets

    d = tmp_path_factory.mktemp("jet")
    keras.utils.set_random_seed(3)
    build_jet_tagger().save(d / "jet.keras")
    x, y = synthetic_jets(256, 1)
    xt, yt = synthetic_jets(256, 2)
    np.savez(d / "data.npz", x_test=x, y_test=y, x_train=xt, y_train=yt)
    return d / "jet.keras", d / "data.npz"


def _rows(path):
    with open(path) as f:
        return list(csv.DictReader(f))


@pytest.mark.slow
def test_sweep_local_and_dask_agree(jet_files, tmp_path):
    from distributed import Client, LocalCluster

    model, data = jet_files
    args = dict(layers=["fc1", "fc2"], bits=[3, 4, 5, 6], epochs=1, progress=False)
    local, paths = sweep(model, data, out_dir=tmp_path / "local", jobs=2, **args)
    with LocalCluster(n_workers=2, threads_per_worker=1, processes=True) as cluster, Client(cluster) as client:
        remote, _ = sweep(model, data, out_dir=tmp_path / "dask", scheduler=client, **args)

    assert len(local) == 16
    assert [r.to_dict() for r in local] == [r.to_dict() for r in remote]
    assert _rows(paths["csv"]) == _rows(tmp_path / "dask" / "sweep.csv")
    # fewer weight bits, fewer LUTs (estimate), all else equal
    by_bits = {tuple(r.bits.values()): r for r in local}
    assert by_bits[(3, 6)].est_luts < by_bits[(6, 6)].est_luts and by_bits[(6, 3)].est_luts < by_bits[(6, 6)].est_luts
    assert all(0.0 <= r.accuracy <= 1.0 for r in local)
    saved = json.loads(paths["json"].read_text())
    assert len(saved["points"]) == 16 and saved["pareto"]["est_luts"]
    assert paths["plot"].stat().st_size > 0
    assert _rows(paths["csv"])[0].keys() >= {"bits_fc1", "bits_fc2", "accuracy", "est_luts", "energy_pj"}
