"""QuantizeML's quantizeml.models on hwq.quantizeml: quantize a float Keras 3 model, calibrate it, check it,
dump its configuration, load and save it (docs/quantizeml.md, "Models and transforms")."""

from hwq.quantizeml.models import transforms
from hwq.quantizeml.models.calibrate import calibrate, calibration_required
from hwq.quantizeml.models.checks import check_quantization
from hwq.quantizeml.models.config import dump_config
from hwq.quantizeml.models.params import QuantizationParams, get_quantization_params, quantization
from hwq.quantizeml.models.quantize import quantize
from hwq.quantizeml.models.record import record_quantization_variables
from hwq.quantizeml.models.utils import apply_weights_to_model, load_model

__all__ = ["QuantizationParams", "get_quantization_params", "quantization", "quantize", "calibrate",
           "calibration_required", "dump_config", "check_quantization", "record_quantization_variables",
           "load_model", "apply_weights_to_model", "transforms"]
