"""codebook: every value replaced by the nearest of a few centroids (QKeras' activation_compression clusters
activations into such a codebook; hwq.codebook.activation_compression returns its tables).

In hardware a compressed activation is the index → value table it is: a lookup table over the input type, filled
by running this quantizer as Keras runs it, whose entries are the centroids (on the narrowest fixed-point type that
holds them exactly). Ties go to the lower centroid, as the first of two equal distances does in k-means' predict.
"""

from __future__ import annotations

from typing import Any

import keras
import numpy as np
from keras import ops

from hwq.fixed import LookupTable
from hwq.fixed.kinds import fitting_fixed_type
from hwq.quantizers.base import BaseQuantizer

__all__ = ["codebook"]


# saved by Keras, but not one of QKeras' quantizer names: get_quantizer's strings stay QKeras'
@keras.saving.register_keras_serializable(package="hwq")
class codebook(BaseQuantizer):  # noqa: N801 (QKeras' quantizers are lowercase)
    """x -> the centroid nearest to x (float32 distances, as Keras computes them); centroids sorted ascending."""

    def __init__(self, centroids) -> None:
        super().__init__()
        values = np.asarray(centroids, dtype=np.float32).ravel()
        if values.size == 0 or not np.all(np.isfinite(values)):
            raise ValueError(f"codebook needs one or more finite centroids, got {centroids!r}")
        self.centroids = np.unique(values)

    def quantize(self, x, training: bool | None):
        table = ops.convert_to_tensor(self.centroids)
        nearest = ops.argmin(ops.abs(ops.expand_dims(x, -1) - table), axis=-1)  # the first of equal distances
        xq = ops.take(table, nearest)
        return x, xq

    def hw_kind(self) -> LookupTable:
        """A table over the input type whose entries are the centroids."""
        return LookupTable(fitting_fixed_type(self.centroids.astype(np.float64)), str(self))

    def max(self) -> float:
        return float(self.centroids[-1])

    def min(self) -> float:
        return float(self.centroids[0])

    def get_config(self) -> dict[str, Any]:
        return {"centroids": [float(c) for c in self.centroids]}

    def __str__(self) -> str:
        return f"codebook({[float(c) for c in self.centroids]})"
