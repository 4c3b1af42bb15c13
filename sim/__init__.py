"""cocotb testbenches (shipped in the wheel as hwq._testbenches)."""
