"""qkeras.qtools.DnC: the newer divide-and-conquer area search (hwq.qtools.dnc)."""
