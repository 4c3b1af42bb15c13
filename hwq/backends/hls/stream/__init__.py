"""io="stream" for the HLS backend: a dataflow design of one stage per node, driven by hwq.passes.schedule."""

from hwq.backends.hls.stream.program import build_stream_program
from hwq.backends.hls.stream.render import render_stream_project

__all__ = ["build_stream_program", "render_stream_project"]
