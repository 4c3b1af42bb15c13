// hwq_window: the sliding window of a conv or a pool over a pixel stream; hand-written for hwq.
//
// The input is an image of H x W pixels (H = 1 for a 1-D stream), PB bits each (all channels), row-major.
// The window steps through the padded grid of PH x PW positions, one per clock at most:
//   - a position inside the image takes its input pixel; a padding position takes nothing and injects PAD
//     (zeros for a conv or a sum pool, the type's minimum for a max pool);
//   - a position where a window's last tap lands (row (KH-1)*DH + i*SH, column (KW-1)*DW + j*SW) offers that
//     window on out_data, and moves on only when it is taken: the tap in row a, column b of the window (before
//     dilation) is out_data[(a*KW + b)*PB +: PB], so the window reads as a (KH, KW, channels) value.
// Storage: a line buffer of (KH-1)*DH rows, each a circular buffer of PW pixels addressed by the column (one
// read and one write per clock: RAM that synthesis can map to LUTRAM or block RAM; the read is registered,
// one position ahead), chained so that buffer j holds the row j+1 above the current one; and window
// registers holding the (KW-1)*DW columns left of the current one, each KH pixels tall.
// Padding, strides and dilation are counters and constants; the pixel of the current position enters the
// window directly, so a window is offered in the clock its last pixel arrives.
module hwq_window #(
    parameter integer PB = 8,             // bits per pixel
    parameter integer H = 1,              // image rows (1: a 1-D stream)
    parameter integer W = 8,              // image columns
    parameter integer PAD_T = 0,          // padding rows above the image
    parameter integer PAD_B = 0,          //   below it
    parameter integer PAD_L = 0,          // padding columns left of it
    parameter integer PAD_R = 0,          //   right of it
    parameter integer KH = 1,             // window rows (taps)
    parameter integer KW = 1,             // window columns (taps)
    parameter integer SH = 1,             // strides
    parameter integer SW = 1,
    parameter integer DH = 1,             // dilation
    parameter integer DW = 1,
    parameter [PB-1:0] PAD = {PB{1'b0}}   // the pixel a padding position injects
) (
    input  wire               clk,
    input  wire               rst,        // synchronous, active high: the next position is an image's first
    input  wire               in_valid,
    output wire               in_ready,
    input  wire [PB-1:0]      in_data,
    output wire               out_valid,
    input  wire               out_ready,
    output wire [KH*KW*PB-1:0] out_data
);
    localparam integer PH = H + PAD_T + PAD_B;  // the padded grid
    localparam integer PW = W + PAD_L + PAD_R;
    localparam integer ROWS = (KH - 1) * DH;   // line buffers: the rows a window reaches above the current one
    localparam integer COLS = (KW - 1) * DW;   // window registers: the columns it reaches left of the current one
    localparam integer RW = $clog2(PH + SH);   // row counters, up to PH - 1 + SH
    localparam integer CW = $clog2(PW + SW);   // column counters, up to PW - 1 + SW
    localparam integer AW = (PW > 1) ? $clog2(PW) : 1;  // a line buffer's address: the column, c < PW
    localparam integer R_LAST_I = PH - 1, C_LAST_I = PW - 1, R_END_I = PAD_T + H, C_END_I = PAD_L + W;
    localparam [RW-1:0] R_LAST = R_LAST_I[RW-1:0], R_FIRST = ROWS[RW-1:0], R_STEP = SH[RW-1:0];
    localparam [RW-1:0] R_TOP = PAD_T[RW-1:0], R_END = R_END_I[RW-1:0];
    localparam [CW-1:0] C_LAST = C_LAST_I[CW-1:0], C_FIRST = COLS[CW-1:0], C_STEP = SW[CW-1:0];
    localparam [CW-1:0] C_LEFT = PAD_L[CW-1:0], C_END = C_END_I[CW-1:0];

    // --- where we are: position (r, c) of the padded grid; the next row and column that end a window
    reg  [RW-1:0] r, next_r;
    reg  [CW-1:0] c, next_c;
    wire row_hit = r == next_r;
    wire col_hit = c == next_c;
    wire emit = row_hit & col_hit;
    wire [CW-1:0] c_next = (c == C_LAST) ? {CW{1'b0}} : c + 1'b1;  // the next position's column

    wire pad_top, pad_bottom, pad_left, pad_right;  // the position lies in that padding band
    generate
        if (PAD_T > 0) begin : g_top
            assign pad_top = r < R_TOP;
        end else begin : g_no_top
            assign pad_top = 1'b0;
        end
        if (PAD_B > 0) begin : g_bottom
            assign pad_bottom = r >= R_END;
        end else begin : g_no_bottom
            assign pad_bottom = 1'b0;
        end
        if (PAD_L > 0) begin : g_left
            assign pad_left = c < C_LEFT;
        end else begin : g_no_left
            assign pad_left = 1'b0;
        end
        if (PAD_R > 0) begin : g_right
            assign pad_right = c >= C_END;
        end else begin : g_no_right
            assign pad_right = 1'b0;
        end
    endgenerate
    wire real_pixel = ~(pad_top | pad_bottom | pad_left | pad_right);

    // --- handshakes: a position needs its pixel (if real) and, if it ends a window, room for the window
    wire have = real_pixel ? in_valid : 1'b1;
    wire step = have & (~emit | out_ready);
    assign in_ready = real_pixel & (~emit | out_ready);
    assign out_valid = have & emit;

    always @(posedge clk) begin
        if (rst) begin
            r <= {RW{1'b0}};
            c <= {CW{1'b0}};
            next_r <= R_FIRST;
            next_c <= C_FIRST;
        end else if (step) begin
            c <= c_next;
            if (col_hit) next_c <= next_c + C_STEP;
            if (c == C_LAST) begin  // a row ends
                next_c <= C_FIRST;
                if (row_hit) next_r <= next_r + R_STEP;
                if (r == R_LAST) begin  // and the image
                    r <= {RW{1'b0}};
                    next_r <= R_FIRST;
                end else begin
                    r <= r + 1'b1;
                end
            end
        end
    end

    // --- the current column: rows[j] is the pixel j rows above the current position (rows[0]: the current one)
    wire [PB-1:0] pixel = real_pixel ? in_data : PAD;
    wire [(ROWS+1)*PB-1:0] rows;
    assign rows[PB-1:0] = pixel;
    genvar j, m, a, b;
    generate
        for (j = 0; j < ROWS; j = j + 1) begin : g_line
            reg [PB-1:0] mem [0:PW-1];  // row r-1-j, column by column (columns >= c: row r-2-j)
            reg [PB-1:0] q;             // mem[c], read one position ahead
            always @(posedge clk) begin
                if (step) begin
                    mem[c[AW-1:0]] <= rows[j*PB +: PB];  // the pixel one row below moves in
                    q <= (c_next == c) ? rows[j*PB +: PB] : mem[c_next[AW-1:0]];
                end
            end
            assign rows[(j+1)*PB +: PB] = q;
        end
    endgenerate

    // --- window registers: cols[m] is the column m positions left of the current one, KH taps tall
    wire [KH*PB-1:0] column;  // the window's rows at the current column, top (a = 0) first
    wire [(COLS+1)*KH*PB-1:0] cols;
    generate
        for (a = 0; a < KH; a = a + 1) begin : g_tap_row
            assign column[a*PB +: PB] = rows[(KH-1-a)*DH*PB +: PB];
        end
        assign cols[KH*PB-1:0] = column;
        for (m = 0; m < COLS; m = m + 1) begin : g_column
            reg [KH*PB-1:0] q;
            always @(posedge clk) begin
                if (step) q <= cols[m*KH*PB +: KH*PB];
            end
            assign cols[(m+1)*KH*PB +: KH*PB] = q;
        end
        for (a = 0; a < KH; a = a + 1) begin : g_out_row
            for (b = 0; b < KW; b = b + 1) begin : g_out_col
                assign out_data[(a*KW + b)*PB +: PB] = cols[((KW-1-b)*DW*KH + a)*PB +: PB];
            end
        end
    endgenerate
endmodule
