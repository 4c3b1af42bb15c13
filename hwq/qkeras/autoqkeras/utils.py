"""qkeras.autoqkeras.utils: the summary and quantization-dictionary helpers (hwq.autoqkeras.summary)."""

from hwq.autoqkeras.summary import (
    Q_SEQUENCE_LAYERS,
    get_quantization_dictionary,
    print_qmodel_summary,
    save_quantization_dict,
)

__all__ = ["Q_SEQUENCE_LAYERS", "print_qmodel_summary", "get_quantization_dictionary", "save_quantization_dict"]
