"""hwq.verify: the whole equality proof of a model as one call (and `hwq verify` as one command).

Lower the model (or take an IR graph), emit every requested backend, build them side by side, run the same
inputs through each (random over and 1.5x past the input range by default, or the user's), and compare every
output exactly with simulate, and simulate with Keras. The result prints as one table (mismatching samples,
throughput, build time), writes JUnit XML for CI systems, and on any mismatch leaves a folder with the first
failing inputs, simulate's value of every node for them, the backend's outputs, and for Verilog the waveform
(VCD) of exactly those inputs.
"""

from __future__ import annotations

import contextlib
import shutil
import sys
import tempfile
import time
import xml.etree.ElementTree as ET
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass, field
from pathlib import Path

import numpy as np

from hwq.ir import Graph
from hwq.sim import input_mantissas, simulate_mantissas

BACKENDS = ("vitis", "catapult", "verilog")
FAILING_SAMPLES = 16  # inputs kept per failing target
PAST_RANGE = 1.5  # random inputs spread this far past the input type's range, so saturation is exercised


@dataclass
class Check:
    """One comparison: `target`'s outputs against simulate's on `samples` inputs."""

    target: str
    samples: int
    mismatches: int  # samples whose outputs differ from simulate's in any element
    run_seconds: float
    build_seconds: float | None = None
    exact: bool = True  # False: an informational row (Keras computing in float32 where the graph is not exact)
    note: str = ""
    against: str = "simulate"  # or "record": a project's stored test vectors

    @property
    def throughput(self) -> float:
        return self.samples / self.run_seconds if self.run_seconds > 0 else float("inf")


@dataclass
class Verification:
    graph: str
    checks: list[Check]
    simulate_seconds: float
    samples: int
    failures: Path | None = None
    projects: dict[str, Path] = field(default_factory=dict)

    @property
    def passed(self) -> bool:
        return all(c.mismatches == 0 for c in self.checks if c.exact)

    def table(self) -> str:
        rows = [("target", "against", "samples", "mismatches", "samples/s", "build s", "note")]
        rows.append(("simulate", "-", f"{self.samples:,}", "-", f"{self.samples / self.simulate_seconds:,.0f}",
                     "-", "the reference"))
        for c in self.checks:
            rows.append((c.target, c.against, f"{c.samples:,}", f"{c.mismatches:,}", f"{c.throughput:,.0f}",
                         "-" if c.build_seconds is None else f"{c.build_seconds:.1f}", c.note))
        widths = [max(len(r[k]) for r in rows) for k in range(len(rows[0]))]
        lines = ["  ".join(v.ljust(w) for v, w in zip(r, widths, strict=True)).rstrip() for r in rows]
        lines.insert(1, "  ".join("-" * w for w in widths))
        verdict = "PASS: every target equals its reference" if self.passed else "FAIL: mismatches above"
        if self.failures is not None:
            verdict += f"; the failing inputs and values are in {self.failures}"
        return "\n".join([f"hwq verify {self.graph}", *lines, verdict])

    def write_junit(self, path: str | Path) -> Path:
        """JUnit XML: one test case per target, failed when it mismatches."""
        suite = ET.Element("testsuite", name=f"hwq verify {self.graph}", tests=str(len(self.checks)),
                           failures=str(sum(1 for c in self.checks if c.exact and c.mismatches)))
        for c in self.checks:
            case = ET.SubElement(suite, "testcase", classname=f"hwq.verify.{self.graph}",
                                 name=c.target if c.against == "simulate" else f"{c.target} vs {c.against}",
                                 time=f"{c.run_seconds + (c.build_seconds or 0):.3f}")
            if c.mismatches and c.exact:
                failure = ET.SubElement(case, "failure", message=f"{c.mismatches} of {c.samples} samples differ "
                                                                  f"from {c.against}")
                failure.text = str(self.failures) if self.failures else ""
            elif c.mismatches:
                ET.SubElement(case, "system-out").text = f"{c.mismatches} of {c.samples} differ ({c.note})"
        path = Path(path)
        path.parent.mkdir(parents=True, exist_ok=True)
        ET.ElementTree(suite).write(path, encoding="unicode", xml_declaration=True)
        return path


def verify(model, backends: tuple[str, ...] | list[str] = BACKENDS, inputs: int = 10000,
           data: np.ndarray | None = None, input_type: str | None = None, until: str | None = None,
           workdir: str | Path | None = None, io: str = "auto", multipliers: str | None = None,
           pipeline: int | dict = 1, rtl_stream_inputs: int | None = None, seed: int = 0,
           progress: bool = False, adders: str | None = None) -> Verification:
    """Prove `model` (a Keras model or an hwq IR Graph) equal across Keras, simulate and `backends` on the same
    inputs (`data`, or `inputs` random ones). Projects go to `workdir` (default: a temporary folder, removed),
    failing inputs to workdir/failures. Verilog runs through the batched Verilator harness; a streaming design
    (about a hundred images per second for the MNIST CNN) on at most `rtl_stream_inputs` of the inputs (None:
    all)."""
    import hwq

    unknown = [b for b in backends if b not in BACKENDS]
    if unknown:
        raise ValueError(f"unknown backend(s) {unknown}: choose from {', '.join(BACKENDS)}")
    keras_model = None if isinstance(model, Graph) else model
    graph = model if isinstance(model, Graph) else hwq.lower(model, input_type=input_type, until=until)
    x = _inputs(graph, data, inputs, seed)
    samples = len(_as_list(x)[0])
    bar = _Progress(progress, 2 + 2 * len(backends) + (keras_model is not None))
    start = time.perf_counter()
    want = _as_list(graph.simulate(x))
    sim_seconds = time.perf_counter() - start
    bar.step("simulate")
    checks: list[Check] = []
    with _workdir(workdir) as root:
        failures = root / "failures"
        if keras_model is not None:
            checks.append(_keras_check(keras_model, graph, until, x, want, failures / "keras"))
            bar.step("Keras")
        projects = {b: hwq.emit(graph, root / b, backend=b, overwrite=True, io=io, multipliers=multipliers,
                                pipeline=pipeline, adders=adders if b == "verilog" else None) for b in backends}
        bar.step("emit")
        builds = _build_all(projects, bar)
        for b, prj in projects.items():
            n = min(samples, rtl_stream_inputs) if _is_stream(prj) and rtl_stream_inputs else samples
            checks.append(_backend_check(graph, prj, _take(x, slice(0, n)), [w[:n] for w in want], builds[b],
                                         failures / b))
            bar.step(f"run {b}")
        bar.close()
        result = Verification(graph.name, checks, sim_seconds, samples,
                              failures if failures.exists() else None,
                              {b: p.path for b, p in projects.items()} if workdir is not None else {})
        if workdir is None and failures.exists():  # keep the evidence of a failure out of the removed folder
            kept = Path(tempfile.mkdtemp(prefix=f"hwq-verify-{graph.name}-"))
            shutil.copytree(failures, kept, dirs_exist_ok=True)
            result.failures = kept
    return result


def verify_project(path: str | Path, inputs: int = 10000, seed: int = 0) -> Verification:
    """A generated project as it is on disk (hand edits included) against the IR it was emitted from (its
    graph.json): its stored test vectors against their recorded outputs, and `inputs` random ones against
    simulate. The project is rebuilt when its sources changed."""
    from hwq.backends import open_project

    prj = open_project(path)
    graph = prj.graph
    seconds = _build_all({prj.backend: prj}, _Progress(False, 0))[prj.backend]
    m_in, m_out = prj.stored_vectors()
    checks = [_record_check("simulate", lambda m: simulate_mantissas(graph, m), m_in, m_out),
              _record_check(prj.backend, prj.predict_mantissas, m_in, m_out, seconds)]
    x = _inputs(graph, None, inputs, seed)
    start = time.perf_counter()
    want = _as_list(graph.simulate(x))
    sim_seconds = time.perf_counter() - start
    failures = Path(tempfile.mkdtemp(prefix=f"hwq-verify-{graph.name}-"))
    checks.append(_backend_check(graph, prj, x, want, seconds, failures / prj.backend))
    if not any(failures.iterdir()):
        failures.rmdir()
    return Verification(f"{graph.name} ({Path(path)})", checks, sim_seconds, len(want[0]),
                        failures if failures.exists() else None)


def verify_against(model, project: str | Path, backends: tuple[str, ...] | list[str] = BACKENDS,
                   input_type: str | None = None, until: str | None = None, workdir: str | Path | None = None,
                   io: str = "auto", multipliers: str | None = None, pipeline: int | dict = 1,
                   adders: str | None = None) -> Verification:
    """Re-run a project's stored test vectors (its golden record) through `model` freshly lowered and simulated
    and through a freshly emitted design per backend (a new hwq version, a new model file): any output that changed
    is a mismatch."""
    import hwq
    from hwq.backends import open_project

    m_in, m_out = open_project(project).stored_vectors()
    graph = model if isinstance(model, Graph) else hwq.lower(model, input_type=input_type, until=until)
    checks = [_record_check("simulate", lambda m: simulate_mantissas(graph, m), m_in, m_out)]
    with _workdir(workdir) as root:
        projects = {b: hwq.emit(graph, root / b, backend=b, overwrite=True, io=io, multipliers=multipliers,
                                pipeline=pipeline, adders=adders if b == "verilog" else None) for b in backends}
        builds = _build_all(projects, _Progress(False, 0))
        for b, prj in projects.items():
            checks.append(_record_check(b, prj.predict_mantissas, m_in, m_out, builds[b]))
    return Verification(f"{graph.name} against {project}", checks, checks[0].run_seconds, len(m_in[0]))


def _backend_check(graph: Graph, prj, x, want: list[np.ndarray], build_seconds: float, failures: Path) -> Check:
    """The project's predict() on `x` against simulate's `want`; on a mismatch the evidence goes to `failures`
    (_write_failure, and a Verilog project's waveform of exactly the failing inputs)."""
    start = time.perf_counter()
    got = _as_list(prj.predict(x))
    seconds = time.perf_counter() - start
    bad = _bad_samples(got, want)
    if len(bad):
        _write_failure(failures, graph, x, bad, got, want)
        if hasattr(prj, "waveform"):
            prj.waveform(_as_list(input_mantissas(graph, _take(x, bad[:FAILING_SAMPLES]))), failures / "waveform.vcd")
    return Check(prj.backend, len(want[0]), len(bad), seconds, build_seconds,
                 note="AXI4-Stream" if _is_stream(prj) else "")


def _record_check(target: str, run, m_in: list[np.ndarray], m_out: list[np.ndarray],
                  build_seconds: float | None = None) -> Check:
    """`run` (port mantissas in, out) on a record's inputs against its outputs."""
    start = time.perf_counter()
    got = _as_list(run(m_in if len(m_in) > 1 else m_in[0]))
    seconds = time.perf_counter() - start
    bad = _bad_samples(got, m_out)
    return Check(target, len(m_in[0]), len(bad), seconds, build_seconds, against="record")


def _inputs(graph: Graph, data, n: int, seed: int) -> np.ndarray | list[np.ndarray]:
    """The user's inputs (an array, or a list of one per graph input), or n random ones 1.5x past each input's
    range (float32-exact, as Keras takes them)."""
    if isinstance(data, dict):
        missing = [v.name for v in graph.inputs if v.name not in data]
        if missing:
            raise ValueError(f"data has no array for input(s) {missing} (it holds {sorted(data)})")
        data = [data[v.name] for v in graph.inputs]
    if data is not None:
        arrays = _as_list(data if isinstance(data, list) else np.asarray(data))
        if len(arrays) != len(graph.inputs):
            raise ValueError(f"data for {len(arrays)} input(s): the graph has {len(graph.inputs)}")
        for a, v in zip(arrays, graph.inputs, strict=True):
            if np.shape(a)[1:] != v.shape:
                raise ValueError(f"data of shape {np.shape(a)} for input {v.name!r}: it takes (batch, {v.shape})")
        return arrays[0] if len(arrays) == 1 else [np.asarray(a) for a in arrays]
    rng = np.random.default_rng(seed)
    arrays = []
    for v in graph.inputs:
        lo, hi = float(v.type.min_value), float(v.type.max_value)
        arrays.append(rng.uniform(PAST_RANGE * lo, PAST_RANGE * hi + 2.0 ** -v.type.frac,
                                  size=(n, *v.shape)).astype(np.float32).astype(np.float64))
    return arrays[0] if len(arrays) == 1 else arrays


def _take(x, index):
    """Rows `index` of the inputs (an array or a list of arrays)."""
    return [a[index] for a in x] if isinstance(x, list) else x[index]


def _is_stream(prj) -> bool:
    from hwq.backends.verilog.stream.project import StreamProject

    return isinstance(prj, StreamProject)


def keras_forward(model, xs, batch: int = 4096):
    """The model's inference on xs: predict(), or eager calls batch by batch for a model of hwq.quantizeml layers
    (their values are exact integers held outside TensorFlow's graph, so predict cannot trace them)."""
    from hwq.frontend.quantizeml import is_quantizeml

    if not any(is_quantizeml(layer) for layer in model.layers):
        return model.predict(xs, batch_size=batch, verbose=0)
    many = isinstance(xs, list)
    n = len(xs[0]) if many else len(xs)
    parts = [model([x[k:k + batch] for x in xs] if many else xs[k:k + batch]) for k in range(0, n, batch)]
    if isinstance(parts[0], (list, tuple)):
        return [np.concatenate([np.asarray(p[j]) for p in parts]) for j in range(len(parts[0]))]
    return np.concatenate([np.asarray(p) for p in parts])


def _keras_check(model, graph: Graph, until: str | None, x, want: list[np.ndarray], failures: Path) -> Check:
    import keras

    from hwq.fixed import to_float

    sub = model if until is None else keras.Model(model.inputs, model.get_layer(until).output)
    # Keras takes the values the input ports hold (a model without an input quantizer, lowered with an input type,
    # would otherwise see unquantized inputs): the port's quantization is idempotent, so simulate is unchanged
    ports = _as_list(input_mantissas(graph, x))
    xs = [to_float(m, v.type).reshape(len(m), *v.shape).astype(np.float32) for m, v in zip(ports, graph.inputs,
                                                                                            strict=True)]
    start = time.perf_counter()
    xs = xs[0] if len(xs) == 1 else xs
    got = [np.asarray(g, dtype=np.float64) for g in _as_list(keras_forward(sub, xs))]
    seconds = time.perf_counter() - start
    exact = bool(graph.meta.get("notes", {}).get("keras_float32_exact", True))
    bad = _bad_samples(got, want)
    if len(bad):
        _write_failure(failures, graph, x, bad, got, want)
    return Check("keras", len(want[0]), len(bad), seconds, exact=exact,
                 note="" if exact else "Keras computes in float32 here: not exact by design, informational")


def _bad_samples(got: list[np.ndarray], want: list[np.ndarray]) -> np.ndarray:
    """Indices of samples whose outputs differ in any element of any output."""
    bad = np.zeros(len(want[0]), dtype=bool)
    for g, w in zip(got, want, strict=True):
        g, w = np.asarray(g).reshape(len(w), -1), np.asarray(w).reshape(len(w), -1)
        bad |= np.any(g != w, axis=1)
    return np.flatnonzero(bad)


def _write_failure(folder: Path, graph: Graph, x: np.ndarray, bad: np.ndarray, got: list, want: list) -> None:
    """The first failing inputs, simulate's value of every node (and each input port's) for them, the expected and
    the got outputs."""
    folder.mkdir(parents=True, exist_ok=True)
    first = bad[:FAILING_SAMPLES]
    if isinstance(x, list):
        np.savez(folder / "inputs.npz", **{v.name: a[first] for v, a in zip(graph.inputs, x, strict=True)})
    else:
        np.save(folder / "inputs.npy", x[first])
    np.save(folder / "indices.npy", first)
    from hwq.fixed import to_float

    names = [n.output.name for n in graph.nodes]
    every = Graph(graph.name, graph.inputs, graph.nodes, names).validate()
    values = dict(zip(names, _as_list(every.simulate(_take(x, first))), strict=True))
    ports = _as_list(input_mantissas(graph, _take(x, first)))  # each input as its port holds it
    values |= {v.name: to_float(m, v.type).reshape(len(m), *v.shape) for v, m in zip(graph.inputs, ports,
                                                                                        strict=True)}
    np.savez(folder / "simulate_values.npz", **values)
    np.savez(folder / "expected.npz", **{o: np.asarray(w)[first] for o, w in zip(graph.outputs, want, strict=True)})
    np.savez(folder / "got.npz", **{o: np.asarray(g)[first] for o, g in zip(graph.outputs, got, strict=True)})


def _build_all(projects: dict, bar) -> dict[str, float]:
    """Compile every project side by side (g++ and Verilator are separate processes); seconds each."""

    def build(item):
        name, prj = item
        start = time.perf_counter()
        if hasattr(prj, "harness"):
            prj.harness()
        else:
            prj.compile()
        return name, time.perf_counter() - start

    seconds = {}
    with ThreadPoolExecutor(max(1, len(projects))) as pool:
        for name, s in pool.map(build, projects.items()):
            seconds[name] = s
            bar.step(f"build {name}")
    return seconds


def _as_list(y) -> list[np.ndarray]:
    return list(y) if isinstance(y, list) else [y]


@contextlib.contextmanager
def _workdir(workdir: str | Path | None):
    if workdir is not None:
        Path(workdir).mkdir(parents=True, exist_ok=True)
        yield Path(workdir)
        return
    with tempfile.TemporaryDirectory(prefix="hwq-verify-") as tmp:
        yield Path(tmp)


class _Progress:
    """A progress bar on stderr (tqdm when installed, else one line per step); silent when not asked for."""

    def __init__(self, enabled: bool, total: int):
        self.enabled, self.bar = enabled, None
        if enabled:
            try:
                from tqdm import tqdm

                self.bar = tqdm(total=total, file=sys.stderr, unit="step", leave=False)
            except ImportError:
                self.bar = None

    def step(self, what: str) -> None:
        if not self.enabled:
            return
        if self.bar is not None:
            self.bar.set_description(what)
            self.bar.update(1)
        else:
            print(f"  {what}", file=sys.stderr)

    def close(self) -> None:
        if self.bar is not None:
            self.bar.close()
