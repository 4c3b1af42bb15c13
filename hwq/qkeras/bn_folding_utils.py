"""qkeras.bn_folding_utils: models with batchnorm-folded layers turned back into plain quantized layers."""

from hwq.utils.unfold import convert_folded_layer_to_unfolded, unfold_model

__all__ = ["convert_folded_layer_to_unfolded", "unfold_model"]
