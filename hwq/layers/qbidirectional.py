"""QBidirectional: Keras' Bidirectional over quantized recurrent layers, with QKeras' introspection helpers."""

from __future__ import annotations

import keras


@keras.saving.register_keras_serializable(package="hwq")
class QBidirectional(keras.layers.Bidirectional):
    def get_quantizers(self) -> list:
        return self.forward_layer.get_quantizers() + self.backward_layer.get_quantizers()

    @property
    def activation(self):
        return self.forward_layer.activation

    def get_quantization_config(self) -> dict:
        return {"layer": self.forward_layer.get_quantization_config(),
                "backward_layer": self.backward_layer.get_quantization_config()}
