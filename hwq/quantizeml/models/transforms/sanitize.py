"""sanitize: every transform that makes a float model quantization ready, in QuantizeML's order."""

from __future__ import annotations

import keras

from hwq.quantizeml.models.transforms.align_rescaling import align_rescaling
from hwq.quantizeml.models.transforms.fold_batchnorms import fold_batchnorms
from hwq.quantizeml.models.transforms.invert_batchnorm_pooling import invert_batchnorm_pooling
from hwq.quantizeml.models.transforms.invert_relu_maxpool import invert_relu_maxpool
from hwq.quantizeml.models.transforms.remove_zeropadding2d import remove_zeropadding2d
from hwq.quantizeml.models.transforms.replace_lambda import replace_lambda

# Lambdas first, so that the layers they become take part in the next transforms; the ReLU moves after the max
# pooling before the BatchNormalization moves before it, so that the BatchNormalization meets its convolution.
STEPS = (replace_lambda, align_rescaling, invert_relu_maxpool, invert_batchnorm_pooling, fold_batchnorms,
         remove_zeropadding2d)


def sanitize(model: keras.Model) -> keras.Model:
    """The model made quantization ready: replace_lambda, align_rescaling, invert_relu_maxpool,
    invert_batchnorm_pooling, fold_batchnorms, remove_zeropadding2d, in that order."""
    for step in STEPS:
        model = step(model)
    return model
