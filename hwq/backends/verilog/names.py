"""Verilog identifiers for the generated design: legal, unique, and clear of what the design uses itself."""

from __future__ import annotations

from hwq.ir import legal_identifier

# ports of every top module and names the node modules and testbench declare themselves
USED_BY_GENERATED_CODE = frozenset("""
clk rst in_valid in_ready out_valid in_data out_data x y xi s r c i e tb dut
""".split())


class Namer:
    """Hands out identifiers of one Verilog name space, each legal and distinct from the others."""

    def __init__(self, reserved: frozenset[str] = USED_BY_GENERATED_CODE):
        self.taken: set[str] = {n.lower() for n in reserved}

    def __call__(self, name: str) -> str:
        """Unique even ignoring case, so module files stay distinct on case-insensitive file systems."""
        ident = legal_identifier(name)
        unique, k = ident, 1
        while unique.lower() in self.taken:
            unique, k = f"{ident}_{k}", k + 1
        self.taken.add(unique.lower())
        return unique
