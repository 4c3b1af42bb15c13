// hwq_pad: zero pixels around an image stream (a ZeroPadding layer); hand-written for hwq.
//
// A pad is a 1 x 1 window over the padded grid: every position is offered, the ones inside the image carry
// their input pixel, the others a zero pixel that takes no input. So this is hwq_window with one tap.
module hwq_pad #(
    parameter integer PB = 8,     // bits per pixel
    parameter integer H = 1,      // image rows (1: a 1-D stream)
    parameter integer W = 8,      // image columns
    parameter integer PAD_T = 0,  // zero rows above the image
    parameter integer PAD_B = 0,  //   below it
    parameter integer PAD_L = 0,  // zero columns left of it
    parameter integer PAD_R = 0   //   right of it
) (
    input  wire          clk,
    input  wire          rst,  // synchronous, active high: the next position is an image's first
    input  wire          in_valid,
    output wire          in_ready,
    input  wire [PB-1:0] in_data,
    output wire          out_valid,
    input  wire          out_ready,
    output wire [PB-1:0] out_data
);
    hwq_window #(.PB(PB), .H(H), .W(W), .PAD_T(PAD_T), .PAD_B(PAD_B), .PAD_L(PAD_L), .PAD_R(PAD_R))
        u_window (.clk(clk), .rst(rst), .in_valid(in_valid), .in_ready(in_ready), .in_data(in_data),
                  .out_valid(out_valid), .out_ready(out_ready), .out_data(out_data));
endmodule
