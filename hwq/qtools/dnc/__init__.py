"""Divide and conquer: the unroll factors and buffer widths that meet a target throughput at the least area,
searched layer by layer from the output back to the input (QKeras' `qtools.divide_and_conquer`, its newer
`qtools.DnC.divide_and_conquer` and `qtools.dnc_layer_cost_ace`).

    graph.py      DivideConquerGraph (the qgraph and data type map of a model), Choice, get_layer_info
    search.py     the search both versions share: candidates, throughputs, the backward pass, backtracking
    naive.py      the first version: the NAIVE area (operand bits times multipliers, plus buffer bits)
    ace.py        the newer version: ACE gate counts, per-layer throughput targets
    ace_cost.py   the ACE MAC area fit and memory gates per bit
"""
