// hwq_upsample: every pixel of an image stream repeated UH x UW times (nearest-neighbour UpSampling);
// hand-written for hwq.
//
// Steps through the output grid, one pixel per clock at most. A position takes an input pixel only the first
// time it shows it (the first of its UH output rows, the first of its UW columns); the other columns repeat
// the pixel just shown, and the other rows replay the input row from a row buffer: a circular buffer of W
// pixels addressed by the input column (RAM, read one position ahead), written while the row first passes.
module hwq_upsample #(
    parameter integer PB = 8,  // bits per pixel
    parameter integer W = 8,   // image columns (the image's rows need no parameter)
    parameter integer UH = 1,  // times each row is shown
    parameter integer UW = 2   // times each pixel is shown within a row
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
    localparam integer CW = (W > 1) ? $clog2(W) : 1;
    localparam integer UHW = (UH > 1) ? $clog2(UH) : 1;
    localparam integer UWW = (UW > 1) ? $clog2(UW) : 1;
    localparam integer C_LAST_I = W - 1, RP_LAST_I = UH - 1, CP_LAST_I = UW - 1;
    localparam [CW-1:0] C_LAST = C_LAST_I[CW-1:0];
    localparam [UHW-1:0] RP_LAST = RP_LAST_I[UHW-1:0];
    localparam [UWW-1:0] CP_LAST = CP_LAST_I[UWW-1:0];

    // the output position: an input row shown for the rp-th time, input column c for the cp-th time (the
    // pattern repeats every UH output rows, so the input row itself needs no counter)
    reg [CW-1:0] c;
    reg [UHW-1:0] rp;
    reg [UWW-1:0] cp;
    wire first_row = rp == {UHW{1'b0}};
    wire first_col = cp == {UWW{1'b0}};
    wire take = first_row & first_col;  // the first time this input pixel is shown
    wire step = out_valid & out_ready;
    wire col_end = cp == CP_LAST;
    wire [CW-1:0] c_next = col_end ? ((c == C_LAST) ? {CW{1'b0}} : c + 1'b1) : c;  // the next position's

    reg [PB-1:0] shown;  // the pixel of the previous position: repeated along the row
    wire [PB-1:0] replay;  // the pixel of the current input row at column c, from the row buffer
    generate
        if (UH > 1) begin : g_row_buffer
            reg [PB-1:0] mem [0:W-1];
            reg [PB-1:0] q;  // mem[c], read one position ahead
            always @(posedge clk) begin
                if (step) begin
                    if (take) mem[c] <= in_data;
                    q <= (take && c_next == c) ? in_data : mem[c_next];
                end
            end
            assign replay = q;
        end else begin : g_no_row_buffer
            assign replay = shown;  // never read: every row is a first row
        end
    endgenerate

    assign out_data = take ? in_data : (first_col ? replay : shown);
    assign out_valid = take ? in_valid : 1'b1;
    assign in_ready = take & out_ready;

    always @(posedge clk) begin
        if (step) shown <= out_data;
        if (rst) begin
            c <= {CW{1'b0}};
            rp <= {UHW{1'b0}};
            cp <= {UWW{1'b0}};
        end else if (step) begin
            cp <= col_end ? {UWW{1'b0}} : cp + 1'b1;
            c <= c_next;
            if (col_end && c == C_LAST) begin  // an output row ends
                rp <= (rp == RP_LAST) ? {UHW{1'b0}} : rp + 1'b1;
            end
        end
    end
endmodule
