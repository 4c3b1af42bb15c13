// hwq_fork: one value offered to N readers; hand-written for hwq.
//
// Lazy: the value is taken only in a clock where every reader's edge has room (each edge is a hwq_fifo,
// whose in_ready does not depend on its in_valid), and then it is written into all of them at once. So the
// data needs no copy here: every edge reads the producer's data wires.
module hwq_fork #(
    parameter integer N = 2  // readers
) (
    input  wire         in_valid,
    output wire         in_ready,
    output wire [N-1:0] out_valid,
    input  wire [N-1:0] out_ready
);
    assign in_ready = &out_ready;
    assign out_valid = {N{in_valid & in_ready}};
endmodule
