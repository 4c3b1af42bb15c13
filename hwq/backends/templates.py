"""The one Jinja environment of every backend, over templates/ (hls/, verilog/, report/)."""

from __future__ import annotations

from functools import cache

import jinja2

from hwq.resources import templates_dir


@cache
def environment() -> jinja2.Environment:
    root = templates_dir()
    if not root.is_dir():
        raise FileNotFoundError(f"hwq's templates not found at {root}")
    return jinja2.Environment(loader=jinja2.FileSystemLoader(str(root)), undefined=jinja2.StrictUndefined,
                              trim_blocks=True, lstrip_blocks=True, keep_trailing_newline=True, autoescape=False)


def render(name: str, **context: object) -> str:
    """Render templates/<name> (e.g. "hls/top.cpp.j2")."""
    return environment().get_template(name).render(**context)
