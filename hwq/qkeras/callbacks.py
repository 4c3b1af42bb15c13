"""qkeras.callbacks: the quantization-noise schedule for training."""

from hwq.utils import QNoiseScheduler

__all__ = ["QNoiseScheduler"]
