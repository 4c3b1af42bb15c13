// hwq_collect: a pixel stream gathered into one vector per image; hand-written for hwq.
//
// The first N-1 pixels of an image shift into a register; with the N-th, the whole image is offered as one
// transfer (pixel 0 in the low bits, so the vector is the value in row-major order), and the last pixel is
// taken in the clock the vector is. Used where a stream becomes a vector: a flatten, a reshape.
module hwq_collect #(
    parameter integer PB = 8,  // bits per pixel
    parameter integer N = 4    // pixels per image
) (
    input  wire            clk,
    input  wire            rst,  // synchronous, active high: the next pixel is an image's first
    input  wire            in_valid,
    output wire            in_ready,
    input  wire [PB-1:0]   in_data,
    output wire            out_valid,
    input  wire            out_ready,
    output wire [N*PB-1:0] out_data
);
    generate
        if (N == 1) begin : g_one
            assign out_valid = in_valid;
            assign in_ready = out_ready;
            assign out_data = in_data;
        end else begin : g_many
            localparam integer KW = $clog2(N);
            localparam integer LAST_I = N - 1;
            localparam [KW-1:0] LAST = LAST_I[KW-1:0];
            reg [KW-1:0]         k;     // pixels of this image already held
            reg [(N-1)*PB-1:0]   held;  // pixels 0 .. k-1, the newest on top, shifting down
            wire last = k == LAST;
            wire step = in_valid & in_ready;
            assign out_data = {in_data, held};
            assign out_valid = in_valid & last;
            assign in_ready = ~last | out_ready;
            always @(posedge clk) begin
                if (step & ~last) held <= out_data[N*PB-1:PB];
                if (rst) k <= {KW{1'b0}};
                else if (step) k <= last ? {KW{1'b0}} : k + 1'b1;
            end
        end
    endgenerate
endmodule
