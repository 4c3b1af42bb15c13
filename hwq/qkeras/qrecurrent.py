"""qkeras.qrecurrent: the quantized recurrent layers and cells."""

from hwq.layers import QGRU, QLSTM, QBidirectional, QGRUCell, QLSTMCell, QSimpleRNN, QSimpleRNNCell

__all__ = ["QSimpleRNN", "QSimpleRNNCell", "QLSTM", "QLSTMCell", "QGRU", "QGRUCell", "QBidirectional"]
