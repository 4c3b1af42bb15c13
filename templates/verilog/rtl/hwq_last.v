// hwq_last: AXI4-Stream TLAST for a stream of N transfers per image; hand-written for hwq.
//
// Counts the transfers taken (valid & ready) and raises last with the N-th one of every image.
module hwq_last #(
    parameter integer N = 1  // transfers per image
) (
    input  wire clk,
    input  wire rst,    // synchronous, active high: the next transfer is an image's first
    input  wire valid,
    input  wire ready,
    output wire last
);
    generate
        if (N == 1) begin : g_every
            assign last = 1'b1;
        end else begin : g_count
            localparam integer KW = $clog2(N);
            localparam integer LAST_I = N - 1;
            localparam [KW-1:0] LAST = LAST_I[KW-1:0];
            reg [KW-1:0] k;  // transfers of this image already taken
            assign last = k == LAST;
            always @(posedge clk) begin
                if (rst) k <= {KW{1'b0}};
                else if (valid & ready) k <= last ? {KW{1'b0}} : k + 1'b1;
            end
        end
    endgenerate
endmodule
