// hwq_crop: an image stream with rows and columns cut off its borders (a Cropping layer); hand-written for hwq.
//
// Steps through the input grid, one pixel per clock at most: every pixel is taken, the ones inside the kept
// rectangle are offered (and taken only when the reader takes them), the others dropped.
module hwq_crop #(
    parameter integer PB = 8,      // bits per pixel
    parameter integer H = 1,       // image rows (1: a 1-D stream)
    parameter integer W = 8,       // image columns
    parameter integer CROP_T = 0,  // rows dropped above
    parameter integer CROP_B = 0,  //   and below
    parameter integer CROP_L = 0,  // columns dropped on the left
    parameter integer CROP_R = 0   //   and on the right
) (
    input  wire          clk,
    input  wire          rst,  // synchronous, active high: the next pixel is an image's first
    input  wire          in_valid,
    output wire          in_ready,
    input  wire [PB-1:0] in_data,
    output wire          out_valid,
    input  wire          out_ready,
    output wire [PB-1:0] out_data
);
    localparam integer RW = (H > 1) ? $clog2(H) : 1;
    localparam integer CW = (W > 1) ? $clog2(W) : 1;
    localparam integer R_LAST_I = H - 1, C_LAST_I = W - 1, R_END_I = H - CROP_B, C_END_I = W - CROP_R;
    localparam [RW-1:0] R_LAST = R_LAST_I[RW-1:0], R_TOP = CROP_T[RW-1:0], R_END = R_END_I[RW-1:0];
    localparam [CW-1:0] C_LAST = C_LAST_I[CW-1:0], C_LEFT = CROP_L[CW-1:0], C_END = C_END_I[CW-1:0];

    reg [RW-1:0] r;  // the input pixel's row and column
    reg [CW-1:0] c;
    wire cut_top, cut_bottom, cut_left, cut_right;
    generate
        if (CROP_T > 0) begin : g_top
            assign cut_top = r < R_TOP;
        end else begin : g_no_top
            assign cut_top = 1'b0;
        end
        if (CROP_B > 0) begin : g_bottom
            assign cut_bottom = r >= R_END;
        end else begin : g_no_bottom
            assign cut_bottom = 1'b0;
        end
        if (CROP_L > 0) begin : g_left
            assign cut_left = c < C_LEFT;
        end else begin : g_no_left
            assign cut_left = 1'b0;
        end
        if (CROP_R > 0) begin : g_right
            assign cut_right = c >= C_END;
        end else begin : g_no_right
            assign cut_right = 1'b0;
        end
    endgenerate
    wire keep = ~(cut_top | cut_bottom | cut_left | cut_right);

    assign out_valid = in_valid & keep;
    assign out_data = in_data;
    assign in_ready = ~keep | out_ready;

    always @(posedge clk) begin
        if (rst) begin
            r <= {RW{1'b0}};
            c <= {CW{1'b0}};
        end else if (in_valid & in_ready) begin
            if (c == C_LAST) begin
                c <= {CW{1'b0}};
                r <= (r == R_LAST) ? {RW{1'b0}} : r + 1'b1;
            end else begin
                c <= c + 1'b1;
            end
        end
    end
endmodule
