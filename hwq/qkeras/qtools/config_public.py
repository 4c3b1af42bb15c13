"""qkeras.qtools.config_public: the settings every QTools applies to cfg (hwq.qtools.config_public)."""

from hwq.qtools.config_public import config_settings

__all__ = ["config_settings"]
