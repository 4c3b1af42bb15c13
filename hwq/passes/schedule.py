"""Schedule: how a graph runs as hardware, for the two architectures emit can print.

- "parallel": every value at once, every node combinational; the top registers the outputs (1 clock), or,
  with `pipeline`, registers cut the datapath into stages (hwq.passes.stages): latency one clock per stage.
- "stream": values with spatial axes travel as streams of pixels, one pixel (all its channels) per
  transfer, row-major; windows (conv, pool) keep the rows they need in line buffers; values without
  spatial axes (after a flatten or a global pool) are vectors, computed at once.

In a stream graph every node is a stage that steps through positions, one per clock at most (a pixel
stage through its pixels, a window through the padded grid, a resampler through its output grid), reads
the input pixels a position needs and registers what it produces; every edge is a valid/ready
handshake. A value read by several stages is offered to all of them; where one reader lags another,
the lagging edge needs a FIFO, or the fork stalls and a reconvergent join can wait forever. The depths
are computed, not guessed: the schedule runs this model clock by clock over two images, edges from forks
unbounded, and sizes each FIFO by the most pixels it ever held. The same run gives the clocks per image
and the latency. The backends print what the schedule says; graph.summary() and the report show it.
"""

from __future__ import annotations

import math
from collections import deque
from dataclasses import dataclass, field

import numpy as np

from hwq.ir import Graph, Node, Value
from hwq.ir.ops.kernel import KERNEL_OPS
from hwq.ir.ops.windows import Window
from hwq.passes.stages import PipelinePlan, PipelineSetting, check_setting, plan_pipeline

IO_MODES = ("parallel", "stream")
PIXEL_OPS = frozenset({"quantize", "relu", "table", "scale", "affine", "add", "subtract", "multiply", "dense"})
WINDOW_OPS = frozenset({"conv", "pool"})
RESAMPLE_OPS = frozenset({"pad", "crop", "upsample"})
STREAM_AUTO_ELEMENTS = 2048  # io="auto": a graph with a spatial value this large (or larger) streams
IMAGES = 2  # images the model runs back to back: the second shows the steady state


class ScheduleError(ValueError):
    """A graph (or a setting) the chosen architecture cannot run; the message names the node."""


@dataclass
class ValuePlan:
    name: str
    form: str  # "stream" or "vector"
    grid: tuple[int, ...]  # spatial shape of a stream; () for a vector
    elements: int  # per transfer: a pixel's channels, or the whole vector
    bits: int  # per transfer

    @property
    def transfers(self) -> int:
        return math.prod(self.grid) if self.grid else 1


@dataclass
class NodePlan:
    node: str
    op: str
    kind: str  # "pixel", "window", "resample", "collect" or "vector"
    positions: int  # positions its stage steps through per image
    ii: int  # clocks per position at full parallelism (1)
    latency: int  # clocks from taking its last input to its output (a stage registers its output)
    buffer_pixels: int  # line buffer (window), row buffer (upsample) or whole value (collect), in input pixels
    buffer_bits: int
    fifo_depths: list[int] = field(default_factory=list)  # per input: the FIFO in front of it (0: a register)
    parallelism: int = 0  # multiply-accumulates per clock (kernel ops)

    def to_dict(self) -> dict:
        return {k: getattr(self, k) for k in ("node", "op", "kind", "positions", "ii", "latency", "buffer_pixels",
                                              "buffer_bits", "fifo_depths", "parallelism")}


@dataclass
class Schedule:
    io: str
    values: dict[str, ValuePlan]
    nodes: list[NodePlan]
    clocks_per_image: int  # steady state, images back to back
    latency: int  # from the first input transfer to the last output transfer of one image, in clocks
    pipeline: PipelinePlan | None = None  # the parallel top's register stages, when a pipeline was asked for

    def node(self, name: str) -> NodePlan:
        return next(n for n in self.nodes if n.node == name)

    def to_dict(self) -> dict:
        d = {"io": self.io, "clocks_per_image": self.clocks_per_image, "latency": self.latency,
             "nodes": [n.to_dict() for n in self.nodes]}
        return d if self.pipeline is None else {**d, "pipeline": self.pipeline.to_dict()}


def choose_io(graph: Graph, io: str = "auto") -> str:
    """The architecture for `io`: "parallel", "stream", or "auto": stream when the graph starts with a spatial
    value (an image) and some spatial value has STREAM_AUTO_ELEMENTS elements or more, which fully parallel
    hardware would repeat its arithmetic over. A graph with a loop over time (a recurrence) is parallel: the loop
    already reuses one step's arithmetic, which a stream of stages would copy per step."""
    if io in IO_MODES:
        return io
    if io != "auto":
        raise ScheduleError(f"io={io!r}; choose 'parallel', 'stream' or 'auto'")
    if any(n.op == "recurrence" for n in graph.nodes):
        return "parallel"
    images = any(_spatial(v) for v in graph.inputs)
    large = any(_spatial(v) and v.size >= STREAM_AUTO_ELEMENTS for v in graph.values().values())
    return "stream" if images and large else "parallel"


def schedule(graph: Graph, io: str = "auto", parallelism: dict[str, int] | None = None,
             pipeline: PipelineSetting | None = None) -> Schedule:
    """`parallelism`: multiply-accumulates per clock by node name (dense, conv, affine); by default each
    computes a whole output pixel per clock. Fewer makes its stage's initiation interval
    ceil(full / parallelism) clocks per output position (hls4ml's reuse factor), and the model accounts for it.

    `pipeline` (io="parallel" only): register stages of the parallel top, an int or {"max_depth": d} adder levels
    per stage (hwq.passes.stages); the latency is then its number of stages, and .pipeline says where they cut.
    The graph is planned as given: a kernel is split between its adders where it is a shift-add program
    (constants "shift_add", as hwq.emit's Verilog passes make it)."""
    io = choose_io(graph, io)
    _check_parallelism(graph, parallelism or {})
    if pipeline is not None:
        check_setting(pipeline)
    if io == "parallel":
        _check_parallel(graph, parallelism or {})
        values = {v.name: ValuePlan(v.name, "vector", (), v.size, v.size * v.type.width)
                  for v in graph.values().values()}
        nodes = [NodePlan(n.name, n.op, "vector", 1, 1, 0, 0, 0, [0] * len(n.inputs), _parallelism(n))
                 for n in graph.nodes]
        if pipeline is None:
            return Schedule("parallel", values, nodes, 1, 1)
        stages = plan_pipeline(graph, pipeline)
        return Schedule("parallel", values, nodes, 1, stages.latency, stages)
    if pipeline is not None and pipeline != 1:
        raise ScheduleError(f"graph {graph.name!r}: pipeline={pipeline!r} sets the register stages of io='parallel'; "
                            "a stream design registers every stage already")
    values, stages = _plan_stream(graph, parallelism or {})
    clocks, latency, depths = _run(graph, values, stages)
    plans = []
    for node in graph.nodes:
        plan = stages[node.name].plan
        plan.fifo_depths = [depths.get((name, node.name, k), 0) for k, name in enumerate(node.inputs)]
        plans.append(plan)
    return Schedule("stream", values, plans, clocks, latency)


def _check_parallelism(graph: Graph, parallelism: dict[str, int]) -> None:
    names = {n.name: n for n in graph.nodes}
    for name, p in parallelism.items():
        node = names.get(name)
        if node is None or node.op not in KERNEL_OPS:
            kernels = ", ".join(n.name for n in graph.nodes if n.op in KERNEL_OPS)
            raise ScheduleError(f"parallelism for {name!r}: not a dense, conv or affine node of graph "
                                f"{graph.name!r} (those are: {kernels})")
        full = _parallelism(node)
        if not isinstance(p, int) or not 1 <= p <= full:
            raise ScheduleError(f"parallelism {p!r} for node {name!r}: between 1 and {full} multiply-accumulates "
                                "per clock (its full output pixel)")


def _check_parallel(graph: Graph, parallelism: dict[str, int]) -> None:
    slow = [name for name, p in parallelism.items() if p < _parallelism(graph.node(name))]
    if slow:
        raise ScheduleError(f"graph {graph.name!r}: io='parallel' computes every node at once; parallelism below "
                            f"full (for {', '.join(slow)}) needs io='stream'")


def _spatial(v: Value) -> bool:
    return len(v.shape) >= 2


def _parallelism(node: Node) -> int:
    """Multiply-accumulates per clock that compute one output pixel (or the whole vector) in one clock."""
    if node.op not in KERNEL_OPS:
        return 0
    per = math.prod(node.output.shape[:-1]) if node.op == "conv" else 1
    return node.attrs["op_count"] // per


# --- forms and stages ---------------------------------------------------------------------------------------

@dataclass
class _Stage:
    """What one node does per image: positions in order; per position, the input pixel each input gives (-1:
    none) and whether it emits (and which output pixel)."""

    plan: NodePlan
    reads: np.ndarray  # (positions, inputs): input pixel index consumed at each position, or -1
    emits: np.ndarray  # (positions,): True where the position produces an output transfer


def _plan_stream(graph: Graph, parallelism: dict[str, int]) -> tuple[dict[str, ValuePlan], dict[str, _Stage]]:
    values: dict[str, ValuePlan] = {}
    for v in graph.inputs:
        values[v.name] = _value(v, "stream" if _spatial(v) else "vector")
    stages: dict[str, _Stage] = {}
    for node in graph.nodes:
        inputs = [values[name] for name in node.inputs]
        kind = _kind(node, inputs)
        values[node.output.name] = _value(node.output, "vector" if kind in ("vector", "collect") else "stream")
        stages[node.name] = _stage(node, kind, inputs, values[node.output.name], parallelism.get(node.name))
    return values, stages


def _value(v: Value, form: str) -> ValuePlan:
    elements = v.shape[-1] if form == "stream" else v.size
    return ValuePlan(v.name, form, v.shape[:-1] if form == "stream" else (), elements, elements * v.type.width)


def _kind(node: Node, inputs: list[ValuePlan]) -> str:
    if all(v.form == "vector" for v in inputs):
        return "vector"
    if node.op in WINDOW_OPS:
        return "window"
    if node.op in RESAMPLE_OPS and _spatial_only(node):
        return "resample"
    channel_concat = node.op == "concatenate" and node.attrs["axis"] == len(node.output.shape) - 1
    if (node.op in PIXEL_OPS or channel_concat) and all(v.form == "stream" for v in inputs):
        if len({v.grid for v in inputs}) > 1:
            raise ScheduleError(f"node {node.name!r} ({node.op}) joins streams of different grids "
                                f"({', '.join(str(v.grid) for v in inputs)}); stream mode joins equal grids")
        return "pixel"
    return "collect"  # a reshape, transpose, ... of a stream: every pixel held, then a vector


def _spatial_only(node: Node) -> bool:
    """A resampling of the grid alone (channels untouched; a pad without interior zeros, which would spread
    the pixels: those are collected)."""
    if node.op == "pad" and any(node.attrs.get("interior") or []):
        return False
    setting = node.attrs[{"pad": "padding", "crop": "cropping", "upsample": "size"}[node.op]]
    return setting[-1] == 1 if node.op == "upsample" else list(setting[-1]) == [0, 0]


def _stage(node: Node, kind: str, inputs: list[ValuePlan], out: ValuePlan, macs: int | None) -> _Stage:
    x = inputs[0]
    buffer = 0
    if kind == "vector":
        reads, emits = np.zeros((1, len(inputs)), dtype=np.int64), np.ones(1, dtype=bool)
    elif kind == "pixel":
        reads = np.repeat(np.arange(x.transfers)[:, None], len(inputs), axis=1)
        emits = np.ones(x.transfers, dtype=bool)
    elif kind == "collect":
        reads, emits, buffer = _collect(inputs)
    elif kind == "window":
        reads, emits, buffer = _window(node, x)
    else:
        reads, emits, buffer = _resample(node, x, out)
    full = _parallelism(node)
    macs = macs or full
    ii = -(-full // macs) if full else 1
    plan = NodePlan(node.name, node.op, kind, len(emits), ii, ii, buffer, buffer * x.bits, [], macs)
    return _Stage(plan, reads, emits)


def _collect(inputs: list[ValuePlan]) -> tuple[np.ndarray, np.ndarray, int]:
    """Every input's pixels, side by side (a vector input is read at the first position), one emit at the end."""
    n = max(v.transfers for v in inputs)
    reads = np.full((n, len(inputs)), -1, dtype=np.int64)
    for k, v in enumerate(inputs):
        reads[:v.transfers, k] = np.arange(v.transfers)
    emits = np.zeros(n, dtype=bool)
    emits[-1] = True
    return reads, emits, sum(v.transfers for v in inputs if v.form == "stream")


def _window(node: Node, x: ValuePlan) -> tuple[np.ndarray, np.ndarray, int]:
    """The padded grid, one position per clock; a real position reads its pixel, an output's position is
    its window's last tap. The line buffer holds the rows the window spans."""
    window = _window_of(node)
    padded = tuple(n + lo + hi for n, (lo, hi) in zip(x.grid, window.padding, strict=True))
    reads = _sources(padded, [np.arange(n) - lo for n, (lo, _) in zip(padded, window.padding, strict=True)], x.grid)
    emits = np.zeros(len(reads), dtype=bool)
    out = node.output.shape[:-1]
    last_taps = np.meshgrid(*(np.arange(o) * s + (k - 1) * d for o, s, k, d in
                              zip(out, window.strides, window.size, window.dilation, strict=True)), indexing="ij")
    emits[np.ravel_multi_index(last_taps, padded).ravel()] = True
    span = (window.size[0] - 1) * window.dilation[0] * math.prod(padded[1:])
    line = span + ((window.size[1] - 1) * window.dilation[1] if window.rank > 1 else 0) + 1
    return reads[:, None], emits, line


def _resample(node: Node, x: ValuePlan, out: ValuePlan) -> tuple[np.ndarray, np.ndarray, int]:
    """pad: the output grid, padding positions read nothing; crop: the input grid, every position reads, the
    kept ones emit; upsample: the output grid, a position reads the first time it shows its input pixel (a
    row buffer replays rows)."""
    if node.op == "crop":
        starts = [lo for lo, _ in node.attrs["cropping"][:-1]]
        idx = np.meshgrid(*(np.arange(n) for n in x.grid), indexing="ij")
        kept = np.logical_and.reduce([(a >= lo) & (a < lo + m) for a, lo, m in zip(idx, starts, out.grid,
                                                                                   strict=True)])
        return np.arange(x.transfers)[:, None], kept.ravel(), 0
    if node.op == "pad":
        axes = [np.arange(n) - lo for n, (lo, _) in zip(out.grid, node.attrs["padding"][:-1], strict=True)]
        return _sources(out.grid, axes, x.grid)[:, None], np.ones(out.transfers, dtype=bool), 0
    axes = [np.arange(n) // k for n, k in zip(out.grid, node.attrs["size"][:-1], strict=True)]
    shown = _sources(out.grid, axes, x.grid)
    first = np.zeros(len(shown), dtype=bool)
    first[np.unique(shown, return_index=True)[1]] = True
    return np.where(first, shown, -1)[:, None], np.ones(out.transfers, dtype=bool), x.grid[-1] if len(x.grid) > 1 else 0


def _sources(grid: tuple[int, ...], axes: list[np.ndarray], source_grid: tuple[int, ...]) -> np.ndarray:
    """For each position of `grid` (row-major), the source pixel at coordinates axes[k][i_k], or -1 outside."""
    coords = np.meshgrid(*axes, indexing="ij")
    inside = np.logical_and.reduce([(c >= 0) & (c < n) for c, n in zip(coords, source_grid, strict=True)])
    flat = np.ravel_multi_index([np.clip(c, 0, n - 1) for c, n in zip(coords, source_grid, strict=True)],
                                source_grid)
    return np.where(inside, flat, -1).ravel()


def _window_of(node: Node) -> Window:
    from hwq.ir.ops.conv import conv_window
    from hwq.ir.ops.pool import pool_window

    return conv_window(node) if node.op == "conv" else pool_window(node)


# --- the clocked model ---------------------------------------------------------------------------------------

class _Edge:
    """A handshake from a value to one reader: a register (capacity 1), or an unbounded FIFO being sized."""

    def __init__(self, sized: bool):
        self.items: deque[int] = deque()  # clock at which each item becomes visible
        self.capacity = None if sized else 1
        self.most = 0
        self.taken = 0.0  # sum of the clocks at which the reader took its items: who reads early, who late

    def pop(self, t: int) -> None:
        self.items.popleft()
        self.taken += t

    def visible(self, t: int) -> bool:
        return bool(self.items) and self.items[0] <= t

    def room(self) -> bool:
        return self.capacity is None or len(self.items) < self.capacity

    def push(self, t: int) -> None:
        self.items.append(t + 1)  # registered: seen by the reader from the next clock
        self.most = max(self.most, len(self.items))


def _run(graph: Graph, values: dict[str, ValuePlan], plans: dict[str, _Stage]) -> tuple[int, int, dict]:
    """Run the model with every edge out of a fork unbounded; then again with each fork's earliest reader on a
    plain register (it paces the fork) and the others sized: less storage, and a join's late branch still
    gets all it must hold. The first run's sizes stand where the second would not finish."""
    first = _simulate(graph, values, plans, registers=set())
    earliest = {min(keys, key=lambda key: first.edges[key].taken) for keys in _fork_edges(graph).values()}
    try:
        return _simulate(graph, values, plans, registers=earliest).result()
    except ScheduleError:
        return first.result()


def _fork_edges(graph: Graph) -> dict[str, list[tuple[str, str, int]]]:
    """For each value read by several readers (an output counts as one), the edges to its node readers."""
    readers = graph.consumers()
    return {name: [(name, n.name, k) for n in nodes for k, i in enumerate(n.inputs) if i == name]
            for name, nodes in readers.items() if len(nodes) + (name in graph.outputs) > 1 and nodes}


@dataclass
class _Run:
    edges: dict[tuple[str, str, int], _Edge]
    clocks: int
    latency: int

    def result(self) -> tuple[int, int, dict]:
        depths = {key: max(edge.most - 1, 0) for key, edge in self.edges.items() if edge.capacity is None}
        return self.clocks, self.latency, depths


def check_stream(graph: Graph, plan: Schedule, stall: float = 0.0, gaps: float = 0.0, seed: int = 0) -> int:
    """Run the model with the FIFO depths `plan` chose (not unbounded), the outputs taken only with probability
    1 - stall per clock and the inputs offered with probability 1 - gaps: the clocks two images take, or a
    ScheduleError if the design would deadlock. What the RTL tests do with real backpressure, in Python."""
    values, stages = _plan_stream(graph, {n.node: n.parallelism for n in plan.nodes if n.parallelism})
    capacities = {(name, node.name, k): plan.node(node.name).fifo_depths[k] + 1
                  for node in graph.nodes for k, name in enumerate(node.inputs)}
    rng = np.random.default_rng(seed)
    run = _simulate(graph, values, stages, set(), capacities, lambda: rng.random() >= stall,
                    lambda: rng.random() >= gaps)
    return run.clocks


def _simulate(graph: Graph, values: dict[str, ValuePlan], plans: dict[str, _Stage],
              registers: set[tuple[str, str, int]], capacities: dict | None = None,
              take=lambda: True, offer=lambda: True) -> _Run:
    readers = graph.consumers()
    edges: dict[tuple[str, str, int], _Edge] = {}
    outputs: dict[str, list[_Edge]] = {name: [] for name in values}
    for node in graph.nodes:
        for k, name in enumerate(node.inputs):
            key = (name, node.name, k)
            sized = len(readers[name]) + (name in graph.outputs) > 1 and key not in registers
            edges[key] = edge = _Edge(sized)
            if capacities is not None:
                edge.capacity = capacities[key]
            outputs[name].append(edge)
    sinks = {name: _Edge(len(readers[name]) > 0) for name in graph.outputs}
    for name, edge in sinks.items():
        outputs[name].append(edge)
    stages = [(plans[n.name], [edges[(name, n.name, k)] for k, name in enumerate(n.inputs)], outputs[n.output.name])
              for n in graph.nodes]
    sources = [(values[v.name].transfers, outputs[v.name]) for v in graph.inputs]
    position = [0] * len(stages)
    busy = [0] * len(stages)  # a stage with an initiation interval of ii clocks rests after each output
    sent = [0] * len(sources)
    done = {name: [] for name in graph.outputs}
    want = {name: values[name].transfers * IMAGES for name in graph.outputs}
    t = 0
    limit = 50 * IMAGES * (max(len(s.emits) for s, _, _ in stages) + sum(n for n, _ in sources)) + 1000
    while any(len(done[name]) < want[name] for name in done):
        for name, edge in sinks.items():  # readers before producers: a register empties and refills in one clock
            if edge.visible(t) and take():
                edge.pop(t)
                done[name].append(t)
        for k in reversed(range(len(stages))):
            stage, ins, outs = stages[k]
            if t >= busy[k]:
                moved = _step(stage, ins, outs, position[k], t)
                if moved != position[k] and stage.emits[position[k] % len(stage.emits)]:
                    busy[k] = t + stage.plan.ii
                position[k] = moved
        for k, (count, outs) in enumerate(sources):
            if sent[k] < count * IMAGES and all(e.room() for e in outs) and offer():
                for e in outs:
                    e.push(t)
                sent[k] += 1
        t += 1
        if t > limit:
            raise ScheduleError(f"graph {graph.name!r}: the stream model made no progress in {limit} clocks (a "
                                "deadlock); this is a bug in hwq's stream schedule")
    per_image = [values[name].transfers for name in graph.outputs]
    ends = [[times[(i + 1) * n - 1] for i in range(IMAGES)] for times, n in zip(done.values(), per_image, strict=True)]
    return _Run(edges, max(e[-1] - e[-2] for e in ends), max(e[0] for e in ends) + 1)


def _step(stage: _Stage, ins: list[_Edge], outs: list[_Edge], position: int, t: int) -> int:
    """One clock of a stage: take the current position's inputs and make its output, if all are there."""
    u = position % len(stage.emits)
    needs = [e for e, pixel in zip(ins, stage.reads[u], strict=True) if pixel >= 0]
    if not all(e.visible(t) for e in needs):
        return position
    if stage.emits[u] and not all(e.room() for e in outs):
        return position
    for e in needs:
        e.pop(t)
    if stage.emits[u]:
        for e in outs:
            e.push(t + stage.plan.ii - 1)  # computed over ii clocks, then registered
    return position + 1


__all__ = ["IO_MODES", "Schedule", "NodePlan", "ValuePlan", "ScheduleError", "schedule", "choose_io",
           "check_stream"]
