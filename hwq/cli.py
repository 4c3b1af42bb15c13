"""The `hwq` command: convert, sim, report, sweep, verify — thin wrappers over the Python API."""

from __future__ import annotations

import argparse
import sys
from pathlib import Path

import numpy as np

from hwq.quiet import quiet_tensorflow


def load_model(path: str, weights: str | None = None):
    """A model file (.keras of hwq's or qkeras-v3's layers, or a tf.keras 2 .h5; hwq.load_model), or a Keras 2
    JSON architecture with its `weights` .h5 (hwq.load_qkeras), TensorFlow loaded without its start-up lines."""
    quiet_tensorflow()
    import hwq

    return hwq.load_qkeras(path, weights) if weights else hwq.load_model(path, compile=False)


def load_source(path: str, weights: str | None = None):
    """An hwq IR graph (a .json without weights) or a Keras model (load_model)."""
    from hwq.ir import Graph

    if path.endswith(".json") and not weights:
        return Graph.from_json(Path(path))
    return load_model(path, weights)


def load_graph(path: str, input_type: str | None = None, until: str | None = None, weights: str | None = None):
    """An IR graph from a saved IR (.json), a Keras model file (.keras, .h5) or a Keras 2 JSON with its weights,
    lowered up to `until`."""
    from hwq.ir import Graph

    source = load_source(path, weights)
    if isinstance(source, Graph):
        return source
    import hwq

    return hwq.lower(source, input_type=input_type, until=until)


def cmd_convert(args) -> int:
    import hwq

    graph = load_graph(args.model, args.input_type, args.until, args.weights)
    prj = hwq.emit(graph, args.output, backend=args.backend, overwrite=args.overwrite, io=args.io,
                   parallelism=args.parallelism, multipliers=args.multipliers, pipeline=args.pipeline or 1,
                   adders=args.adders)
    print(f"wrote {args.backend} project to {prj.path}")
    if args.compile:
        prj.compile()
        print("compiled")
    return 0


def _sim_inputs(paths: list[str], graph):
    """One .npy per graph input, in order, or one .npz holding an array per input name."""
    if len(paths) == 1 and paths[0].endswith(".npz"):
        with np.load(paths[0]) as data:
            return {name: data[name] for name in data.files}
    arrays = [np.load(p) for p in paths]
    return arrays[0] if len(arrays) == 1 else arrays


def cmd_sim(args) -> int:
    graph = load_graph(args.model, args.input_type, args.until, args.weights)
    y = graph.simulate(_sim_inputs(args.input, graph))
    outputs = dict(zip(graph.outputs, y if isinstance(y, list) else [y], strict=True))
    if args.output and len(outputs) > 1:
        np.savez(args.output, **outputs)
        print(f"wrote outputs {', '.join(f'{k} {v.shape}' for k, v in outputs.items())} to {args.output}")
    elif args.output:
        np.save(args.output, y)
        print(f"wrote {y.shape} outputs to {args.output}")
    else:
        for name, v in outputs.items():
            if len(outputs) > 1:
                print(f"# {name}")
            np.savetxt(sys.stdout, v.reshape(len(v), -1), fmt="%.17g")
    return 0


def cmd_report(args) -> int:
    graph = load_graph(args.model, args.input_type, args.until, args.weights)
    print(graph.summary(io=args.io, parallelism=args.parallelism, pipeline=args.pipeline,
                        multipliers=args.multipliers))
    if args.json:
        graph.to_json(args.json)
        print(f"wrote the data type map to {args.json}")
    if args.output:
        from hwq.report import write_report

        paths = write_report(graph, args.output, yosys=args.yosys, dsp=args.dsp, io=args.io,
                             parallelism=args.parallelism, multipliers=args.multipliers, pipeline=args.pipeline,
                             adders=args.adders)
        print(f"wrote {paths['html']} and {paths['json']}")
    return 0


def cmd_sweep(args) -> int:
    quiet_tensorflow()  # the worker processes do the same (hwq.sweep.runner)
    from hwq.sweep import sweep

    results, paths = sweep(args.model, args.data, args.layers, args.bits, args.output, epochs=args.epochs,
                           scheduler=args.scheduler, jobs=args.jobs, yosys=args.yosys, input_type=args.input_type,
                           until=args.until)
    print(f"{len(results)} points; wrote {paths['csv']}, {paths['json']} and {paths['plot']}")
    return 0


def cmd_verify(args) -> int:
    from hwq.verify import verify, verify_against, verify_project

    if Path(args.model).is_dir():
        result = verify_project(args.model, inputs=args.inputs)
        return _verdict(result, args)
    model = load_source(args.model, args.weights)
    data = _sim_inputs(args.data, None) if args.data else None
    if args.against:
        result = verify_against(model, args.against, backends=args.backends, input_type=args.input_type,
                                until=args.until, workdir=args.out, io=args.io, multipliers=args.multipliers,
                                pipeline=args.pipeline or 1, adders=args.adders)
    else:
        result = verify(model, backends=args.backends, inputs=args.inputs, data=data, input_type=args.input_type,
                        until=args.until, workdir=args.out, io=args.io, multipliers=args.multipliers,
                        pipeline=args.pipeline or 1, rtl_stream_inputs=args.rtl_stream_inputs,
                        progress=not args.no_progress, adders=args.adders)
    return _verdict(result, args)


def _verdict(result, args) -> int:
    print(result.table())
    if args.junit:
        print(f"wrote {result.write_junit(args.junit)}")
    return 0 if result.passed else 1


def _parallelism_setting(text: str) -> tuple[str, int]:
    node, sep, count = text.rpartition("=")
    if not sep or not node or not count.isdigit():
        raise argparse.ArgumentTypeError(f"{text!r}: give NODE=N, e.g. conv2=72")
    return node, int(count)


def _pipeline_setting(text: str) -> int | dict[str, int]:
    """`3` (register stages) or `max_depth=2` (adder levels per stage)."""
    key, sep, value = text.rpartition("=")
    if text.isdigit() and int(text) >= 1:
        return int(text)
    if sep and key == "max_depth" and value.isdigit() and int(value) >= 1:
        return {"max_depth": int(value)}
    raise argparse.ArgumentTypeError(f"{text!r}: give the register stages (e.g. 3) or max_depth=D (e.g. max_depth=4)")


class _MergeSettings(argparse.Action):
    """NODE=N settings into one {node: N} dict."""

    def __call__(self, parser, namespace, values, option_string=None):
        setattr(namespace, self.dest, {**(getattr(namespace, self.dest) or {}), **dict(values)})


def build_parser() -> argparse.ArgumentParser:
    p = argparse.ArgumentParser(prog="hwq", description="Quantized Keras models to bit-exact FPGA IP")
    sub = p.add_subparsers(dest="command", required=True)

    def model_args(sp):
        sp.add_argument("model", help="a .keras (or Keras 2 .h5) model of hwq or QKeras layers, an hwq IR .json, "
                                       "or with --weights a Keras 2 JSON architecture")
        sp.add_argument("--weights", help="the .h5 weights of a Keras 2 JSON architecture (QKeras' legacy files)")
        sp.add_argument("--input-type", help="type of the input port when the model has no input quantizer, "
                                             "e.g. 'ap_fixed<16,6>'")
        sp.add_argument("--until", help="the last layer to lower (a model ending in a softmax: its logits layer)")

    def multipliers_arg(sp, default: str):
        sp.add_argument("--multipliers", choices=["shift_add", "direct"], default=None,
                        help="how constant products are built: shared shift-add graphs, proven exact, or one sum "
                             f"of constant products per output left to the tool (default: {default})")
        sp.add_argument("--adders", choices=["ternary", "binary"], default=None,
                        help="Verilog shift-add graphs: three words per adder in Xilinx LUT6_2 and CARRY4 cells "
                             "(ternary, the default), or portable two-word `+` for other FPGAs and ASICs (binary)")

    def parallelism_arg(sp):
        sp.add_argument("--parallelism", nargs="+", type=_parallelism_setting, metavar="NODE=N",
                        action=_MergeSettings, default=None,
                        help="multiply-accumulates per clock of a stream design's dense, conv or affine node "
                             "(default: its whole output pixel per clock; the summary lists each node's)")

    def pipeline_arg(sp):
        sp.add_argument("--pipeline", type=_pipeline_setting, default=None, metavar="N|max_depth=D",
                        help="register stages of the parallel Verilog top (latency N clocks), or at most D adder "
                             "levels per stage (default: 1, the datapath combinational, the outputs registered)")

    c = sub.add_parser("convert", help="emit an HLS or Verilog project")
    model_args(c)
    c.add_argument("-o", "--output", required=True, help="project folder to create")
    c.add_argument("--backend", choices=["vitis", "catapult", "verilog"], default="vitis")
    c.add_argument("--overwrite", action="store_true", help="replace an existing project folder")
    c.add_argument("--compile", action="store_true", help="also build the C-sim library / Verilator model")
    c.add_argument("--io", choices=["auto", "parallel", "stream"], default="auto",
                   help="architecture: every value at once, images streamed pixel by pixel, or chosen by size")
    parallelism_arg(c)
    multipliers_arg(c, "shift_add for Verilog, direct for HLS")
    pipeline_arg(c)
    c.set_defaults(func=cmd_convert)

    s = sub.add_parser("sim", help="run the bit-exact simulator on inputs from a .npy file")
    model_args(s)
    s.add_argument("--input", required=True, nargs="+", help=".npy array of shape (batch, *input shape), one per "
                                                           "graph input, or one .npz with an array per input name")
    s.add_argument("-o", "--output", help=".npy file for the outputs (.npz by output name when there are several; "
                                          "default: print them)")
    s.set_defaults(func=cmd_sim)

    r = sub.add_parser("report", help="print the per-layer types, accumulators and operation kinds")
    model_args(r)
    r.add_argument("--json", help="also write the IR (the data type map) as JSON")
    r.add_argument("-o", "--output", help="folder for report.html (self-contained) and report.json: the per-node "
                                          "table with energy, estimated and Yosys-measured resources, and plots")
    r.add_argument("--yosys", choices=["all", "total", "nodes", "none"], default="all",
                   help="with -o: synthesise every node module and the top (all), the top only (total), every "
                        "node module and sum them (nodes: much quicker for large designs), or nothing")
    r.add_argument("--dsp", action="store_true", help="with -o: let Yosys infer DSP48 blocks (default: LUTs only)")
    r.add_argument("--io", choices=["auto", "parallel", "stream"], default="auto",
                   help="the architecture to report (as emit chooses it)")
    parallelism_arg(r)
    multipliers_arg(r, "shift_add, as the Verilog backend")
    pipeline_arg(r)
    r.set_defaults(func=cmd_report)

    w = sub.add_parser("sweep", help="re-quantize layers over a grid of weight bit widths: accuracy, energy, "
                                     "resources per point, CSV/JSON and a Pareto plot")
    w.add_argument("model", help="a .keras model of hwq layers")
    w.add_argument("--input-type", help="type of the input port when the model has no input quantizer")
    w.add_argument("--until", help="the last layer to lower (a model ending in a softmax: its logits layer)")
    w.add_argument("--data", required=True, help=".npz with x_test, y_test (labels or one-hot); "
                                                 "x_train, y_train for fine-tuning (optional)")
    w.add_argument("--layers", nargs="+", required=True, help="layers whose kernel and bias quantizers change")
    w.add_argument("--bits", nargs="+", type=int, required=True, help="weight bit widths to try per layer")
    w.add_argument("--epochs", type=int, default=0, help="fine-tuning epochs per point (fixed seed)")
    w.add_argument("--scheduler", help="Dask scheduler address (tcp://host:port); default: local processes")
    w.add_argument("--jobs", type=int, help="local processes (default: one per core)")
    w.add_argument("--yosys", action="store_true", help="also synthesise every point with Yosys (slow)")
    w.add_argument("-o", "--output", required=True, help="folder for sweep.csv, sweep.json and pareto.png")
    w.set_defaults(func=cmd_sweep)

    v = sub.add_parser("verify", help="prove a model equal across Keras, simulate and every backend (or a project "
                                      "folder as it is on disk): one table, exit status 1 on any mismatch")
    model_args(v)
    v.add_argument("--against", metavar="DIR", help="re-run the stored test vectors of the project in DIR through "
                                                    "the model and freshly emitted designs: report any change")
    v.add_argument("--backends", nargs="+", choices=["vitis", "catapult", "verilog"],
                   default=["vitis", "catapult", "verilog"], help="the backends to emit, build and run")
    v.add_argument("--inputs", type=int, default=10000, help="random inputs, over and 1.5x past the input range")
    v.add_argument("--data", nargs="+", help="your inputs instead: .npy (batch, *input shape), one per graph input, "
                                             "or one .npz with an array per input name")
    v.add_argument("--io", choices=["auto", "parallel", "stream"], default="auto")
    v.add_argument("--rtl-stream-inputs", type=int, default=None,
                   help="at most this many of the inputs through a streaming Verilog design (default: all)")
    multipliers_arg(v, "shift_add for Verilog, direct for HLS")
    pipeline_arg(v)
    v.add_argument("-o", "--out", help="keep the projects (and any failures) in this folder")
    v.add_argument("--junit", help="also write the result as JUnit XML")
    v.add_argument("--no-progress", action="store_true", help="no progress bar")
    v.set_defaults(func=cmd_verify)

    from hwq.cli_quantize import add_parser as add_quantize  # no TensorFlow at import: the CLI quiets it first

    add_quantize(sub)
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
