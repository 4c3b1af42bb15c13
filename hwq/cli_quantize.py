"""`hwq quantize`: a float Keras model to a quantized one (hwq.quantizeml.models.quantize), calibrated on samples,
with its per-layer bit widths and its agreement with the float model printed.

    hwq quantize float_model.keras --samples x.npy [--weight-bits 4 --activation-bits 4 ...] -o quantized.keras
"""

from __future__ import annotations

import argparse
import time
from pathlib import Path

import numpy as np

PARAM_FLAGS = ("activation_bits", "weight_bits", "output_bits", "input_weight_bits", "buffer_bits")


def add_parser(sub) -> None:
    q = sub.add_parser("quantize", help="quantize a float Keras model after training (QuantizeML's API): calibrate on "
                                        "samples, print the bit widths and the agreement with the float model")
    q.add_argument("model", help="a float .keras model (Dense, Conv2D, DepthwiseConv2D, SeparableConv2D, "
                                 "BatchNormalization, ReLU, pooling, Add, Concatenate, ...)")
    q.add_argument("--samples", required=True, help=".npy array of calibration inputs (batch first), or an .npz "
                                                    "holding one")
    q.add_argument("-o", "--output", required=True, help="the quantized .keras model to write")
    q.add_argument("--overwrite", action="store_true", help="replace an existing output file")
    for flag in PARAM_FLAGS:
        q.add_argument(f"--{flag.replace('_', '-')}", type=int, default=None,
                       help=f"QuantizationParams.{flag} (default: QuantizeML's)")
    q.add_argument("--per-tensor-activations", action="store_true",
                   help="one output scale per tensor (default: one per channel where QuantizeML puts one)")
    q.add_argument("--num-samples", type=int, default=1024, help="samples used for calibration (default 1024)")
    q.add_argument("--batch-size", type=int, default=None, help="calibration batch size")
    q.add_argument("--epochs", type=int, default=1, help="calibration epochs (default 1)")
    q.add_argument("--no-progress", action="store_true", help="no progress bar")
    q.set_defaults(func=run)


def run(args: argparse.Namespace) -> int:
    import keras

    from hwq.quantizeml.models import QuantizationParams, quantize

    out = Path(args.output)
    if out.suffix != ".keras":
        raise ValueError(f"{out}: the quantized model is written as .keras")
    if out.exists() and not args.overwrite:
        raise FileExistsError(f"{out} exists; pass --overwrite to replace it")
    model = keras.saving.load_model(args.model, compile=False)
    samples = _samples(Path(args.samples))
    given = {f: getattr(args, f) for f in PARAM_FLAGS if getattr(args, f) is not None}
    params = QuantizationParams(per_tensor_activations=args.per_tensor_activations, **given)
    start = time.perf_counter()
    qmodel = quantize(model, qparams=params, samples=samples, num_samples=args.num_samples,
                      batch_size=args.batch_size, epochs=args.epochs, progress=not args.no_progress)
    seconds = time.perf_counter() - start
    print(bit_width_table(qmodel))
    print(agreement_line(model, qmodel, samples[:args.num_samples]))
    print(f"quantized in {seconds:.1f} s with {params}")
    qmodel.save(out)
    print(f"wrote {out}")
    return 0


def _samples(path: Path) -> np.ndarray:
    data = np.load(path)
    if isinstance(data, np.lib.npyio.NpzFile):
        if len(data.files) != 1:
            raise ValueError(f"{path}: an .npz of calibration samples holds one array, not {data.files}")
        data = data[data.files[0]]
    return np.asarray(data, dtype=np.float32)


def bit_width_table(qmodel) -> str:
    """Per quantized layer: its weight bits, its output quantizer (bits, sign, per-tensor or per-axis), its buffer."""
    rows = [("layer", "type", "weights", "outputs", "buffer")]
    for layer in qmodel.layers:
        config = getattr(layer, "quant_config", None)
        if config is None:
            continue
        weights = ", ".join(f"{v['bitwidth']}" for k, v in config.items() if k.endswith("weight_quantizer"))
        oq = config.get("output_quantizer")
        outputs = f"{oq.get('bitwidth', 8)} {'signed' if oq.get('signed', True) else 'unsigned'} " \
                  f"{oq.get('axis', 'per-tensor')}" if oq else "wide"
        buffer = str(config.get("buffer_bitwidth", "-"))
        rows.append((layer.name, type(layer).__name__, weights or "-", outputs, buffer))
    widths = [max(len(r[k]) for r in rows) for k in range(len(rows[0]))]
    lines = ["  ".join(v.ljust(w) for v, w in zip(r, widths, strict=True)).rstrip() for r in rows]
    lines.insert(1, "  ".join("-" * w for w in widths))
    return "\n".join(lines)


def agreement_line(model, qmodel, samples: np.ndarray) -> str:
    """Argmax agreement with the float model on the samples (when the output is a vector), and the largest error."""
    want = np.asarray(model(samples))
    got = np.asarray(qmodel(samples))
    line = f"on {len(samples)} samples: largest |quantized - float| {np.max(np.abs(got - want)):.4g} " \
           f"(float outputs up to {np.max(np.abs(want)):.4g})"
    if want.ndim == 2 and want.shape[-1] > 1:
        agree = float(np.mean(np.argmax(got, -1) == np.argmax(want, -1)))
        line = f"argmax agreement with the float model {100 * agree:.1f}% " + line
    return line
