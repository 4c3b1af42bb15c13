"""Register stages of the parallel top (io="parallel", `pipeline=`): where the registers go and what the latency is.

The parallel datapath is combinational; `pipeline` cuts it into S stages, each ending in a layer of registers,
the last of which is the output register (S = 1 is the unpipelined top). The latency is S clocks: the result
of an input given with in_valid at clock edge t is on the output ports, with out_valid, after edge t + S - 1.

Depth is counted in levels, one adder (or one node's small logic) each:
- a dense, conv or affine node printed as a shift-add program (constants "shift_add") is its program: each
  step one level deeper than its deepest operand (hwq.scalar.Program.depth; inputs and constants are level 0
  of the node), so registers can go between its adders;
- the same nodes printed as sums of constant products ("direct", or no form) are one sum tree of their longest
  sum's nonzero terms (ceil(log2 terms) levels, at least 1) that no register splits;
- wiring (reshape, transpose, scale, concatenate, pad, crop, upsample) is no level;
- every other node (quantize, relu, table, add, subtract, multiply, pool) is one level.

Every value gets its level on the graph's longest path to it (as soon as possible). Setting an int N cuts the
graph's depth D into N equal stages: a value at level L is computed in stage ceil(L * N / D) - 1. Setting
{"max_depth": d} cuts it every d levels: S = ceil(D / d) stages. A node that no register splits lies wholly in
the stage its output falls in; its inputs are delayed to that stage (so a direct kernel deeper than what is left
of a stage makes that stage deeper than the others: stage_depths says so). A value read in a later stage than it
is computed in (a skip connection, an operand of a deeper adder, a graph output computed early) is delayed by a
register per stage in between, so every path holds the same number of registers. Constants are never registered.
"""

from __future__ import annotations

from dataclasses import dataclass, field

from hwq.ir import Graph, Node
from hwq.ir.ops.kernel import KERNEL_OPS, position_matrix
from hwq.scalar.excess import excess_form

WIRING_OPS = frozenset({"reshape", "transpose", "scale", "concatenate", "pad", "crop", "upsample"})

PipelineSetting = int | dict[str, int]


@dataclass
class KernelTiming:
    """A shift-add kernel's program steps in stages counted from the stage its input is computed in."""

    steps: list[int]  # the stage of each step (constants: 0, never registered)
    reads: list[int]  # the latest stage each step is read in (its own stage when no later step or output reads it)
    output: int  # the stage the node's output is computed in: every output is read there

    @property
    def split(self) -> bool:
        """Registers inside the node: some step is read in a later stage than it is computed in."""
        return any(r > s for r, s in zip(self.reads, self.steps, strict=True))


@dataclass
class PipelinePlan:
    setting: PipelineSetting
    latency: int  # register stages, the output register the last: clocks from in_valid to out_valid
    depth: int  # levels on the graph's longest path
    stage_depths: list[int]  # levels on the longest path inside each stage, as the registers cut it
    value_stage: dict[str, int]  # the stage each value is computed in (graph inputs: 0)
    value_reads: dict[str, int]  # the latest stage each value is read in (graph outputs: the last)
    node_stage: dict[str, int]  # the stage each node's output is computed in
    kernels: dict[str, KernelTiming] = field(default_factory=dict)  # shift-add kernels
    register_bits: int = 0  # the registers pipelining adds: delays, inside kernels, the valid bits

    def to_dict(self) -> dict:
        return {"pipeline": self.setting, "latency": self.latency, "depth": self.depth,
                "stage_depths": self.stage_depths, "register_bits": self.register_bits}


def check_setting(pipeline: PipelineSetting) -> PipelineSetting:
    """An int >= 1 (register stages) or {"max_depth": d >= 1} (levels per stage); else a ValueError."""
    if isinstance(pipeline, int) and not isinstance(pipeline, bool) and pipeline >= 1:
        return pipeline
    if isinstance(pipeline, dict) and set(pipeline) == {"max_depth"}:
        d = pipeline["max_depth"]
        if isinstance(d, int) and not isinstance(d, bool) and d >= 1:
            return {"max_depth": d}
    raise ValueError(f"pipeline={pipeline!r}: give the register stages (an int >= 1; 1 is the unpipelined top) "
                     "or {'max_depth': d}, at most d adder levels per stage (d >= 1)")


def plan_pipeline(graph: Graph, pipeline: PipelineSetting = 1) -> PipelinePlan:
    """The stages of graph's parallel top for the setting `pipeline` (see the module docstring)."""
    setting = check_setting(pipeline)
    levels = _Levels(graph)
    depth = max(levels.value.values(), default=0)
    if isinstance(setting, int):
        stages = setting

        def stage_of(level: int) -> int:
            return 0 if depth == 0 else max(0, -(-level * stages // depth) - 1)
    else:
        d = setting["max_depth"]
        stages = max(1, -(-depth // d))

        def stage_of(level: int) -> int:
            return max(0, -(-level // d) - 1)

    value_stage = {name: stage_of(level) for name, level in levels.value.items()}
    node_stage = {n.name: value_stage[n.output.name] for n in graph.nodes}
    reads = dict(value_stage)
    for node in graph.nodes:
        # a shift-add kernel reads its input where it is computed and delays its own steps
        at = value_stage[node.inputs[0]] if node.name in levels.programs else node_stage[node.name]
        for name in node.inputs:
            reads[name] = max(reads[name], at)
    for name in graph.outputs:
        reads[name] = stages - 1
    kernels = {name: _timing(graph.node(name), program, depths, levels, stage_of)
               for name, (program, depths) in levels.programs.items()}
    plan = PipelinePlan(setting, stages, depth, [], value_stage, reads, node_stage, kernels)
    plan.stage_depths = _stage_depths(graph, plan, levels)
    plan.register_bits = _register_bits(graph, plan, levels) + stages - 1
    return plan


class _Levels:
    """The level of every value, and each shift-add kernel's program with its steps' depths."""

    def __init__(self, graph: Graph):
        self.value = {v.name: 0 for v in graph.inputs}
        self.programs: dict[str, tuple] = {}
        self.node_levels: dict[str, int] = {}  # levels of a node no register splits
        values = graph.values()
        for node in graph.nodes:
            start = max((self.value[name] for name in node.inputs), default=0)
            if node.op in KERNEL_OPS and node.attrs.get("constants") == "shift_add":
                from hwq.cmvm.kernels import kernel_program

                program = kernel_program(node, values[node.inputs[0]].type)
                depths = program.depth()
                self.programs[node.name] = (program, depths)
                deepest = max((depths[o.step] for o in program.outputs if o.step is not None), default=0)
                self.value[node.output.name] = start + deepest
            else:
                self.node_levels[node.name] = node_levels(node)
                self.value[node.output.name] = start + self.node_levels[node.name]


def node_levels(node: Node) -> int:
    """Levels of a node that no register splits (see the module docstring)."""
    if node.op in WIRING_OPS:
        return 0
    if node.op not in KERNEL_OPS:
        return 1
    matrix = position_matrix(node)
    bias = node.params.get("bias")
    terms = max((int((matrix[:, j] != 0).sum()) for j in range(matrix.shape[1])), default=0)
    terms += bias is not None and bool(bias.mantissa.any())
    return max(1, (terms - 1).bit_length())


def _timing(node: Node, program, depths: list[int], levels: _Levels, stage_of) -> KernelTiming:
    start = levels.value[node.inputs[0]]
    base = stage_of(start)
    steps = [0 if s.op == "const" else stage_of(start + depths[k]) - base for k, s in enumerate(program.steps)]
    output = stage_of(levels.value[node.output.name]) - base
    reads = list(steps)
    for k in program.live():
        for a in program.steps[k].args:
            reads[a] = max(reads[a], steps[k])
    for o in program.outputs:
        if o.step is not None:
            reads[o.step] = max(reads[o.step], output)
    for k, s in enumerate(program.steps):
        if s.op == "const":
            reads[k] = 0
    return KernelTiming(steps, reads, output)


def _stage_depths(graph: Graph, plan: PipelinePlan, levels: _Levels) -> list[int]:
    """Per stage, the longest path between its registers: each unit starts where its operands computed in the
    same stage end (operands from an earlier stage come out of registers, at 0)."""
    deepest = [0] * plan.latency
    local = {v.name: 0 for v in graph.inputs}

    def at(name: str, stage: int) -> int:
        return local[name] if plan.value_stage[name] == stage else 0

    for node in graph.nodes:
        q = plan.node_stage[node.name]
        if node.name in levels.programs:
            program, _ = levels.programs[node.name]
            timing, base = plan.kernels[node.name], plan.value_stage[node.inputs[0]]
            steps = [0] * len(program.steps)
            live = program.live()
            for k, s in enumerate(program.steps):
                if s.op == "input":
                    steps[k] = at(node.inputs[0], base)
                elif s.op != "const" and k in live:
                    steps[k] = 1 + max((steps[a] for a in s.args if program.steps[a].op != "const"
                                        and timing.steps[a] == timing.steps[k]), default=0)
                    deepest[base + timing.steps[k]] = max(deepest[base + timing.steps[k]], steps[k])
            local[node.output.name] = max((steps[o.step] for o in program.outputs
                                           if o.step is not None and timing.steps[o.step] == timing.output), default=0)
        else:
            local[node.output.name] = max((at(name, q) for name in node.inputs), default=0) \
                + levels.node_levels[node.name]
        deepest[q] = max(deepest[q], local[node.output.name])
    return deepest


def _register_bits(graph: Graph, plan: PipelinePlan, levels: _Levels) -> int:
    """The bits of every delay register, as the Verilog printer lays them out."""
    values = graph.values()
    bits = sum(values[name].size * values[name].type.width * (plan.value_reads[name] - stage)
               for name, stage in plan.value_stage.items())
    for name, (program, _) in levels.programs.items():
        timing, node = plan.kernels[name], graph.node(name)
        copies = node.output.size // max(1, len(program.outputs))  # rows of a dense, positions of a conv
        words = excess_form(program)  # the Verilog printer's words (hwq.backends.verilog.ops.adders)
        bits += copies * sum(w.width * (timing.reads[k] - timing.steps[k]) for k, w in words.items())
    return bits


__all__ = ["PipelinePlan", "PipelineSetting", "KernelTiming", "check_setting", "plan_pipeline", "node_levels"]
