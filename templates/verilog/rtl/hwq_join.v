// hwq_join: N inputs consumed together, when every one of them is valid; hand-written for hwq.
//
// A node reading several values (an add, a channel concatenation) computes when all its inputs have their
// transfer: out_valid is the AND of the valids, and each input is taken in the clock the output is.
module hwq_join #(
    parameter integer N = 2  // inputs
) (
    input  wire [N-1:0] in_valid,
    output wire [N-1:0] in_ready,
    output wire         out_valid,
    input  wire         out_ready
);
    assign out_valid = &in_valid;
    assign in_ready = {N{out_valid & out_ready}};
endmodule
