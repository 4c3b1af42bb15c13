"""Resources of hwq's Verilog, measured by Yosys (native where installed: `make setup`), next to the estimate.

For the published jet tagger (16-64-32-32-5, ../shared/models/qkeras-v3_3layer.keras, input ap_fixed<16,6>, up
to the logits), the published MNIST dense model, and the MNIST CNN's convolution stages (streaming, one window
per clock), each in the forms asked for:

- direct: one sum of constant products per output, the multiplications left to Yosys;
- binary: the constant matrices as shared shift-add graphs (hwq.cmvm), combinational, every adder a portable
  Verilog `+` of two words (emit's adders="binary");
- shift_add: the same graphs with three words per adder through Xilinx LUT6_2 and CARRY4 cells (hwq_add3,
  adders="ternary", the Verilog default), combinational;
- pipelined: shift_add with registers (emit's pipeline=, see README), when the backend offers it.

Prints, per model and form, Yosys' LUTs, CARRY4s and FFs for the whole design (synth_xilinx -flatten -nodsp
-noiopad), its wall time, hwq's estimate and its error, the adders and the adder depth.

    .venv/bin/python benchmarks/resources.py [--models jet mnist_dense cnn] [--forms direct binary shift_add pipelined]
"""

from __future__ import annotations

import argparse
import inspect
import os
import sys
import tempfile
import time
from pathlib import Path

os.environ.setdefault("KERAS_BACKEND", "tensorflow")
os.environ.setdefault("TF_CPP_MIN_LOG_LEVEL", "3")

import hwq  # noqa: E402
from hwq.cmvm.kernels import kernel_program  # noqa: E402
from hwq.hardware_cost import estimate  # noqa: E402
from hwq.hardware_cost.estimate import as_printed  # noqa: E402
from hwq.hardware_cost.yosys import synthesise, yosys_build  # noqa: E402

MODELS = Path(__file__).resolve().parent.parent.parent / "shared" / "models"
PIPELINE = {"max_depth": 4}  # the pipelined form's default: at most 4 adders per stage


def jet_tagger():
    model = hwq.load_model(MODELS / "qkeras-v3_3layer.keras")
    return hwq.lower(model, input_type="ap_fixed<16,6>", until="output", name="jet_tagger"), "parallel"


def mnist_dense():
    model = hwq.load_qkeras(MODELS / "qkeras_mnist_dense.json", MODELS / "qkeras_mnist_dense_weights.h5")
    return hwq.lower(model, input_type="ap_fixed<10,3>", until="q_dense_3", name="mnist_dense"), "parallel"


def mnist_cnn_conv():
    """The MNIST CNN up to its second convolution, streamed: the conv stages are its CNN layers."""
    model = hwq.load_qkeras(MODELS / "qkeras_mnist_cnn.json", MODELS / "qkeras_mnist_cnn_weights.h5")
    return hwq.lower(model, input_type="ap_ufixed<8,0>", until="q_conv2d_1", name="mnist_conv"), "stream"


MODEL_BUILDERS = {"jet": jet_tagger, "mnist_dense": mnist_dense, "cnn": mnist_cnn_conv}


def adders(graph, form: str) -> tuple[int, int]:
    """Adders as printed in this form (a three-word adder counts once) and the deepest adder chain of the kernel
    nodes' programs (counted in two-word adds)."""
    if form == "direct":
        return 0, 0
    from hwq.scalar import ternary
    from hwq.scalar.excess import excess_form

    printed = as_printed(graph, "shift_add", "binary" if form == "binary" else None)
    values = printed.values()
    count, depth = 0, 0
    for n in printed.nodes:
        if n.attrs.get("constants") != "shift_add":
            continue
        p = kernel_program(n, values[n.inputs[0]].type)
        fused = ternary.plan(p, excess_form(p)) if n.attrs.get("adders") == "ternary" else {}
        count += p.count("add") + p.count("neg") - len(fused)
        depth = max(depth, max(p.depth(), default=0))
    return count, depth


def measure_form(graph, io: str, form: str) -> dict | None:
    kwargs = {"multipliers": "direct" if form == "direct" else "shift_add"}
    if form == "binary":
        kwargs["adders"] = "binary"
    if form == "pipelined":
        if "pipeline" not in inspect.signature(hwq.emit).parameters:
            return None
        kwargs["pipeline"] = PIPELINE
    with tempfile.TemporaryDirectory(prefix="hwq-resources-") as tmp:
        start = time.perf_counter()
        prj = hwq.emit(graph, Path(tmp) / "v", backend="verilog", io=io, **kwargs)
        emit_s = time.perf_counter() - start
        start = time.perf_counter()
        s = synthesise(prj.sources, prj.top, timeout=None)
        yosys_s = time.perf_counter() - start
    est = estimate(graph, io=io, multipliers=kwargs["multipliers"], adders=kwargs.get("adders"),
                   pipeline=kwargs.get("pipeline"))
    n_adders, depth = adders(graph, form)
    return {"luts": s.luts, "carries": s.carries, "ffs": s.ffs, "yosys_s": yosys_s, "emit_s": emit_s,
            "est": est.luts, "adders": n_adders, "depth": depth}


def main(argv: list[str] | None = None) -> int:
    p = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    p.add_argument("--models", nargs="+", choices=list(MODEL_BUILDERS), default=list(MODEL_BUILDERS))
    p.add_argument("--forms", nargs="+", choices=["direct", "binary", "shift_add", "pipelined"],
                   default=["direct", "binary", "shift_add", "pipelined"])
    args = p.parse_args(argv)
    print(f"Yosys: {yosys_build()}, synth_xilinx -flatten -nodsp -noiopad on the whole design")
    print(f"{'model':12s} {'form':10s} {'LUTs':>8s} {'CARRY4':>7s} {'FFs':>6s} {'estimate':>9s} {'error':>6s} "
          f"{'adders':>7s} {'depth':>5s} {'yosys':>8s} {'emit':>7s}")
    for name in args.models:
        graph, io = MODEL_BUILDERS[name]()
        for form in args.forms:
            if form == "pipelined" and io == "stream":
                print(f"{name:12s} {form:10s} (a stream design registers every stage already)")
                continue
            r = measure_form(graph, io, form)
            if r is None:
                print(f"{name:12s} {form:10s} (no pipeline option in this hwq)")
                continue
            err = f"{100 * (r['est'] - r['luts']) / r['luts']:+.0f}%" if r["luts"] else "-"
            print(f"{name:12s} {form:10s} {r['luts']:8,d} {r['carries']:7,d} {r['ffs']:6,d} {r['est']:9,d} {err:>6s} "
                  f"{r['adders']:7,d} {r['depth']:5d} {r['yosys_s']:7.0f}s {r['emit_s']:6.1f}s", flush=True)
    return 0


if __name__ == "__main__":
    sys.exit(main())
