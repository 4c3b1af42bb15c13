"""The `hwq` command: convert, sim, report — thin wrappers over the Python API."""

from __future__ import annotations

import argparse
import os
import sys
from pathlib import Path

import numpy as np


def load_graph(path: str, input_type: str | None = None):
    """An IR graph from a saved IR (.json) or a Keras model file (.keras)."""
    from hwq.ir import Graph

    if path.endswith(".json"):
        return Graph.from_json(Path(path))
    os.environ.setdefault("KERAS_BACKEND", "tensorflow")
    import keras

    import hwq
    import hwq.layers  # noqa: F401  (registers hwq's layers and quantizers with Keras)

    model = keras.saving.load_model(path, compile=False)
    return hwq.lower(model, input_type=input_type)


def cmd_convert(args) -> int:
    import hwq

    graph = load_graph(args.model, args.input_type)
    prj = hwq.emit(graph, args.output, backend=args.backend, overwrite=args.overwrite)
    print(f"wrote {args.backend} project to {prj.path}")
    if args.compile:
        prj.compile()
        print("compiled")
    return 0


def cmd_sim(args) -> int:
    graph = load_graph(args.model, args.input_type)
    y = graph.simulate(np.load(args.input))
    if args.output:
        np.save(args.output, y)
        print(f"wrote {y.shape} outputs to {args.output}")
    else:
        np.savetxt(sys.stdout, y.reshape(len(y), -1), fmt="%.17g")
    return 0


def cmd_report(args) -> int:
    graph = load_graph(args.model, args.input_type)
    print(graph.summary())
    if args.json:
        graph.to_json(args.json)
        print(f"wrote the data type map to {args.json}")
    return 0


def build_parser() -> argparse.ArgumentParser:
    p = argparse.ArgumentParser(prog="hwq", description="Quantized Keras models to bit-exact FPGA IP")
    sub = p.add_subparsers(dest="command", required=True)

    def model_args(sp):
        sp.add_argument("model", help="a .keras model of hwq layers, or an hwq IR .json")
        sp.add_argument("--input-type", help="type of the input port when the model has no input quantizer, "
                                             "e.g. 'ap_fixed<16,6>'")

    c = sub.add_parser("convert", help="emit an HLS or Verilog project")
    model_args(c)
    c.add_argument("-o", "--output", required=True, help="project folder to create")
    c.add_argument("--backend", choices=["vitis", "catapult", "verilog"], default="vitis")
    c.add_argument("--overwrite", action="store_true", help="replace an existing project folder")
    c.add_argument("--compile", action="store_true", help="also build the C-sim library / Verilator model")
    c.set_defaults(func=cmd_convert)

    s = sub.add_parser("sim", help="run the bit-exact simulator on inputs from a .npy file")
    model_args(s)
    s.add_argument("--input", required=True, help=".npy array of shape (batch, *input shape)")
    s.add_argument("-o", "--output", help=".npy file for the outputs (default: print them)")
    s.set_defaults(func=cmd_sim)

    r = sub.add_parser("report", help="print the per-layer types, accumulators and operation kinds")
    model_args(r)
    r.add_argument("--json", help="also write the IR (the data type map) as JSON")
    r.set_defaults(func=cmd_report)
    return p


def main(argv: list[str] | None = None) -> int:
    args = build_parser().parse_args(argv)
    try:
        return args.func(args)
    except (ValueError, FileExistsError, FileNotFoundError) as err:
        print(f"hwq {args.command}: error: {err}", file=sys.stderr)
        return 1


if __name__ == "__main__":
    raise SystemExit(main())
