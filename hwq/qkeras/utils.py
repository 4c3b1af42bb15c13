"""qkeras.utils: converting, saving and loading quantized models, and their statistics (hwq.utils)."""

from hwq.utils import (
    REGISTERED_LAYERS,
    clone_model,
    convert_to_folded_model,
    extract_model_operations,
    get_model_sparsity,
    get_quant_mode,
    load_qmodel,
    model_quantize,
    model_save_quantized_weights,
    print_model_sparsity,
    print_qstats,
    quantized_model_debug,
    quantized_model_dump,
    quantized_model_from_json,
)
from hwq.utils.quantize_helpers import get_config, quantize_activation

__all__ = ["model_quantize", "model_save_quantized_weights", "load_qmodel", "quantized_model_from_json",
           "print_qstats", "extract_model_operations", "get_model_sparsity", "get_quant_mode", "clone_model",
           "print_model_sparsity", "quantized_model_debug", "quantized_model_dump", "REGISTERED_LAYERS",
           "convert_to_folded_model", "quantize_activation", "get_config"]
