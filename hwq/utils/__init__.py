"""QKeras' model utilities for hwq models: quantizing float models, exporting quantized weights,
loading, cloning, statistics, debugging dumps, the quantization-noise schedule, the batchnorm-folding skeleton
and the thermometer encoding of integer inputs."""

from hwq.utils.clone import clone_model
from hwq.utils.debug import REGISTERED_LAYERS, print_model_sparsity, quantized_model_debug, quantized_model_dump
from hwq.utils.fold import convert_to_folded_model
from hwq.utils.io import load_qmodel, quantized_model_from_json
from hwq.utils.noise import QNoiseScheduler
from hwq.utils.qstats import extract_model_operations, get_model_sparsity, get_quant_mode, print_qstats
from hwq.utils.quantize import model_quantize
from hwq.utils.quantized_weights import model_save_quantized_weights
from hwq.utils.thermometer import BinaryToThermometer

__all__ = ["model_quantize", "model_save_quantized_weights", "load_qmodel", "quantized_model_from_json",
           "print_qstats", "extract_model_operations", "get_model_sparsity", "get_quant_mode", "QNoiseScheduler",
           "clone_model", "print_model_sparsity", "quantized_model_debug", "quantized_model_dump",
           "REGISTERED_LAYERS", "convert_to_folded_model", "BinaryToThermometer"]
