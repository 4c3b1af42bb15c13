// hwq_add3: y = a + b + c of three unsigned words, modulo 2^W, in one carry chain; hand-written for hwq.
//
// Xilinx 7-series and later: per bit one LUT6_2 forms the carry-save pair of a + b + c, its O5 the majority
// (the carry into the next bit) and its O6 the xor of the three bits and the carry from the bit below, and the
// CARRY4 chain adds them. One LUT per bit, where two chained adders take two. Bits at or above L are a's alone
// (b and c are zero there, and so is the carry-save carry): they enter the chain as wires. A word is complemented
// where its mask (NA, NB, NC) has ones: the inversion is folded into each LUT's table. The caller (hwq's shift-add
// printer, hwq.scalar.ternary) proves the sum below 2^W. For simulation, sim/xilinx_cells.v models the two cells.
//
// Under Verilator the same arithmetic is computed word-wide (the carry-save pair as vectors, then one add), as fast
// to simulate as a `+`: the cells of thousands of adders take minutes to compile. hwq's tests prove the two bodies
// equal (Yosys SAT over the parameters of real designs, and Verilator runs with HWQ_ADD3_CELLS defined, which
// selects the cells there too).
`ifdef VERILATOR
`ifndef HWQ_ADD3_CELLS
`define HWQ_ADD3_WORDWIDE
`endif
`endif
module hwq_add3 #(
    parameter integer W = 8,          // bits of y and of each (zero-extended) word
    parameter integer L = 8,          // bits [0, L) take a LUT; above them b, c and the carry-save carry are 0
    parameter [W-1:0] NA = {W{1'b0}}, // bits of a taken complemented
    parameter [W-1:0] NB = {W{1'b0}}, //   of b
    parameter [W-1:0] NC = {W{1'b0}}  //   of c
) (
    input  wire [W-1:0] a,
    input  wire [W-1:0] b,
    input  wire [W-1:0] c,
    output wire [W-1:0] y
);
`ifdef HWQ_ADD3_WORDWIDE
    localparam [W-1:0] LUTS = ~({W{1'b1}} << L);  // the bits that take a LUT
    wire [W-1:0] x = a ^ NA, p = b ^ NB, q = c ^ NC;
    wire [W-1:0] majority = (x & p) | (x & q) | (p & q);       // each LUT's O5
    wire [W:0] up = {majority, 1'b0};                           // read by the LUT one bit up
    wire [W-1:0] sum = ((x ^ p ^ q) & LUTS) | (x & ~LUTS);     // O6 before the carry from below, or a's bit
    assign y = sum + (up[W-1:0] & LUTS);
`else
    localparam integer N = (W + 3) / 4;  // CARRY4s

    // The LUT's table: inputs I0..I3 = a, b, c, the carry-save carry from below; I5 high (two outputs),
    // O6 = INIT[32 + i] = the sum bit to the chain, O5 = INIT[i] = the carry-save carry out.
    function [63:0] table_of(input na, input nb, input nc);
        integer i;
        reg x0, x1, x2;
        begin
            table_of = 64'd0;
            for (i = 0; i < 32; i = i + 1) begin
                x0 = i[0] ^ na;
                x1 = i[1] ^ nb;
                x2 = i[2] ^ nc;
                table_of[32 + i] = x0 ^ x1 ^ x2 ^ i[3];
                table_of[i] = (x0 & x1) | (x0 & x2) | (x1 & x2);
            end
        end
    endfunction

    wire [4*N-1:0] s, d, o, co;
    wire [4*N:0] k;  // k[i]: the carry-save carry into bit i
    assign k[0] = 1'b0;

    genvar i;
    generate
        for (i = 0; i < 4 * N; i = i + 1) begin : b_
            if (i < L && i < W) begin : lut
                LUT6_2 #(.INIT(table_of(NA[i], NB[i], NC[i]))) lut6 (
                    .O6(s[i]), .O5(k[i + 1]), .I0(a[i]), .I1(b[i]), .I2(c[i]), .I3(k[i]), .I4(1'b0), .I5(1'b1));
                assign d[i] = k[i];  // where the sum bit is 0, the carry out is the carry-save carry in
            end else if (i < W) begin : pass
                assign s[i] = a[i] ^ NA[i];
                assign d[i] = 1'b0;
                assign k[i + 1] = 1'b0;
            end else begin : pad  // the last CARRY4's bits above y
                assign s[i] = 1'b0;
                assign d[i] = 1'b0;
                assign k[i + 1] = 1'b0;
            end
        end
        for (i = 0; i < N; i = i + 1) begin : chain
            CARRY4 carry4 (.CO(co[4*i +: 4]), .O(o[4*i +: 4]), .CI(i == 0 ? 1'b0 : co[4*i - 1]), .CYINIT(1'b0),
                         .DI(d[4*i +: 4]), .S(s[4*i +: 4]));
        end
    endgenerate

    assign y = o[W-1:0];
`endif
endmodule
