// hwq_fifo: one edge of a streaming design, a valid/ready FIFO holding DEPTH + 1 transfers; hand-written for hwq.
//
// DEPTH = 0 is the producer's output register alone: it takes a new value in the clock it is emptied
// (in_ready = !full | out_ready), and a value written in one clock is seen by the reader from the next.
// DEPTH > 0 adds DEPTH entries in front of it, with exactly the same timing: these are the FIFOs the stream
// schedule (hwq.passes.schedule) sizes so that no branch of a fork can stall its sibling for ever.
// The storage is a circular buffer read asynchronously (distributed RAM / LUTRAM on an FPGA).
module hwq_fifo #(
    parameter integer W = 8,      // bits per transfer
    parameter integer DEPTH = 0   // transfers held beyond the output register: DEPTH + 1 in all
) (
    input  wire         clk,
    input  wire         rst,        // synchronous, active high: empties the FIFO
    input  wire         in_valid,
    output wire         in_ready,
    input  wire [W-1:0] in_data,
    output wire         out_valid,
    input  wire         out_ready,
    output wire [W-1:0] out_data
);
    generate
        if (DEPTH == 0) begin : g_register
            reg         full;
            reg [W-1:0] data;
            assign in_ready = ~full | out_ready;
            assign out_valid = full;
            assign out_data = data;
            always @(posedge clk) begin
                if (rst) full <= 1'b0;
                else if (in_ready) full <= in_valid;  // emptied (or empty) and refilled in the same clock
                if (in_valid & in_ready) data <= in_data;
            end
        end else begin : g_buffer
            localparam integer SLOTS = DEPTH + 1;
            localparam integer AW = $clog2(SLOTS);          // pointer bits
            localparam integer NW = $clog2(SLOTS + 1);      // occupancy bits
            localparam integer LAST_I = SLOTS - 1;
            localparam [AW-1:0] LAST = LAST_I[AW-1:0];
            localparam [NW-1:0] FULL = SLOTS[NW-1:0];
            reg [W-1:0]  mem [0:SLOTS-1];
            reg [AW-1:0] rd;   // oldest entry: the one the reader sees
            reg [AW-1:0] wr;   // next free slot
            reg [NW-1:0] n;    // entries held
            wire push = in_valid & in_ready;
            wire pop = out_valid & out_ready;
            assign in_ready = (n != FULL) | out_ready;
            assign out_valid = n != {NW{1'b0}};
            assign out_data = mem[rd];
            always @(posedge clk) begin
                if (push) mem[wr] <= in_data;
                if (rst) begin
                    rd <= {AW{1'b0}};
                    wr <= {AW{1'b0}};
                    n <= {NW{1'b0}};
                end else begin
                    if (push) wr <= (wr == LAST) ? {AW{1'b0}} : wr + 1'b1;
                    if (pop) rd <= (rd == LAST) ? {AW{1'b0}} : rd + 1'b1;
                    if (push & ~pop) n <= n + 1'b1;
                    else if (pop & ~push) n <= n - 1'b1;
                end
            end
        end
    endgenerate
endmodule
