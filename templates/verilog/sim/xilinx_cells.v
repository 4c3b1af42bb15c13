// Simulation models of the two Xilinx cells hwq_add3 instantiates, written for hwq from their documented
// behaviour (UG953: LUT6_2, CARRY4). For simulation only: a synthesis tool maps the cells themselves, so this
// file is not in rtl/files.f.
/* verilator lint_off DECLFILENAME */
module LUT6_2 #(
    parameter [63:0] INIT = 64'd0
) (
    output wire O6,  // INIT at the six inputs
    output wire O5,  // INIT's lower half at I0..I4
    input  wire I0, I1, I2, I3, I4, I5
);
    assign O6 = INIT[{I5, I4, I3, I2, I1, I0}];
    assign O5 = INIT[{1'b0, I4, I3, I2, I1, I0}];
endmodule

module CARRY4 (
    output wire [3:0] CO,  // the carry out of each bit
    output wire [3:0] O,   // the sum bits: S xor the carry into each bit
    input  wire       CI,
    input  wire       CYINIT,
    input  wire [3:0] DI,  // the carry out of a bit whose S is 0
    input  wire [3:0] S
);
    wire [4:0] c = {CO, CI | CYINIT};
    genvar i;
    generate
        for (i = 0; i < 4; i = i + 1) begin : b_
            assign CO[i] = S[i] ? c[i] : DI[i];
        end
    endgenerate
    assign O = S ^ c[3:0];
endmodule
/* verilator lint_on DECLFILENAME */
