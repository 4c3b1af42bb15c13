"""qkeras.bn_folding_utils: models with batchnorm-folded layers turned back into plain quantized layers
(hwq.utils.unfold), and folded layers' bias quantizers from their accumulator types (hwq.qtools.folded_bias)."""

from hwq.qtools.folded_bias import populate_bias_quantizer_from_accumulator
from hwq.utils.unfold import convert_folded_layer_to_unfolded, unfold_model

__all__ = ["convert_folded_layer_to_unfolded", "unfold_model", "populate_bias_quantizer_from_accumulator"]
