"""The Jinja environment for templates/hls: where the templates live and the helpers they may call."""

from __future__ import annotations

from collections.abc import Callable
from functools import cache
from pathlib import Path

import jinja2

from hwq.backends.hls.flavour import Flavour
from hwq.resources import templates_dir

INDENT = "    "


def template_dir() -> Path:
    """templates/hls, installed or in a source checkout."""
    path = templates_dir() / "hls"
    if not path.is_dir():
        raise FileNotFoundError(f"HLS templates not found at {path}")
    return path


@cache
def environment() -> jinja2.Environment:
    return jinja2.Environment(loader=jinja2.FileSystemLoader(str(template_dir())), undefined=jinja2.StrictUndefined,
                              trim_blocks=True, lstrip_blocks=True, keep_trailing_newline=True,
                              autoescape=False)


def loop_opener(flavour: Flavour) -> Callable[..., str]:
    """`loop(var, n, depth)`: the pragmas and `for` line that open a counted loop, as the flavour wants them."""

    def loop(var: str, n: int, depth: int = 1) -> str:
        pad = INDENT * depth
        lines = [pad + p for p in flavour.before_loop()]
        lines.append(f"{pad}for (int {var} = 0; {var} < {int(n)}; {var}++) {{")
        lines += [pad + INDENT + p for p in flavour.in_loop()]
        return "\n".join(lines)

    return loop


def render(name: str, **context: object) -> str:
    return environment().get_template(name).render(**context)
