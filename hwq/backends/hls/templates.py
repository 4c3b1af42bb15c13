"""The Jinja environment for templates/hls: where the templates live and the helpers they may call."""

from __future__ import annotations

from functools import cache
from pathlib import Path

import jinja2

import hwq

INDENT = "    "


def template_dir() -> Path:
    """templates/hls inside an installed wheel (hwq/templates) or at the top of a source checkout."""
    pkg = Path(hwq.__file__).resolve().parent
    for base in (pkg / "templates", pkg.parent / "templates"):
        if (base / "hls").is_dir():
            return base / "hls"
    raise FileNotFoundError(f"HLS templates not found under {pkg / 'templates'} or {pkg.parent / 'templates'}")


@cache
def environment() -> jinja2.Environment:
    return jinja2.Environment(loader=jinja2.FileSystemLoader(str(template_dir())), undefined=jinja2.StrictUndefined,
                              trim_blocks=True, lstrip_blocks=True, keep_trailing_newline=True,
                              autoescape=False)


def loop_opener(flavour):
    """`loop(var, n, depth)`: the pragmas and `for` line that open a counted loop, as the flavour wants them."""

    def loop(var: str, n: int, depth: int = 1) -> str:
        pad = INDENT * depth
        lines = [pad + p for p in flavour.before_loop()]
        lines.append(f"{pad}for (int {var} = 0; {var} < {int(n)}; {var}++) {{")
        lines += [pad + INDENT + p for p in flavour.in_loop()]
        return "\n".join(lines)

    return loop


def render(name: str, **context) -> str:
    return environment().get_template(name).render(**context)
