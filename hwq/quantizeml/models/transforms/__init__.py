"""Float model transforms that make a Keras model quantization ready (QuantizeML's quantizeml.models.transforms).

Each takes a Keras 3 model (Sequential or functional) and returns a new model, or the source model itself when
it does not apply; the source model is never changed.
"""

from hwq.quantizeml.models.transforms.align_rescaling import align_rescaling
from hwq.quantizeml.models.transforms.fold_batchnorms import fold_batchnorms
from hwq.quantizeml.models.transforms.insert_layer import insert_layer
from hwq.quantizeml.models.transforms.insert_rescaling import insert_rescaling
from hwq.quantizeml.models.transforms.invert_batchnorm_pooling import invert_batchnorm_pooling
from hwq.quantizeml.models.transforms.invert_relu_maxpool import invert_relu_maxpool
from hwq.quantizeml.models.transforms.remove_zeropadding2d import remove_zeropadding2d
from hwq.quantizeml.models.transforms.replace_lambda import replace_lambda
from hwq.quantizeml.models.transforms.sanitize import sanitize

__all__ = ["align_rescaling", "fold_batchnorms", "insert_layer", "insert_rescaling", "invert_batchnorm_pooling",
           "invert_relu_maxpool", "remove_zeropadding2d", "replace_lambda", "sanitize"]
