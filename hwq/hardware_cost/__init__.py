"""What a design costs in hardware: LUTs, flip-flops, DSP blocks and latency, estimated from the IR
(estimate) or measured by synthesising the emitted Verilog with Yosys (measure).

    est = estimate(graph)                 # fast, per node
    m = measure(graph)                    # Yosys synth_xilinx -nodsp, per node module and the top
"""

from hwq.hardware_cost.estimate import GraphEstimate, NodeEstimate, estimate, estimate_node
from hwq.hardware_cost.measure import Measurement, measure
from hwq.hardware_cost.yosys import Synthesis, YosysError, synthesise, yosys_available

__all__ = ["estimate", "estimate_node", "GraphEstimate", "NodeEstimate", "measure", "Measurement", "synthesise",
           "Synthesis", "YosysError", "yosys_available"]
