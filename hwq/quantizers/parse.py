"""get_quantizer(): quantizers from objects, config dicts and strings such as "quantized_relu(6,0)".

Strings are parsed with `ast`, never evaluated: only a registered name called with literal
arguments (numbers, strings, True/False/None, lists, tuples) is accepted.
"""

from __future__ import annotations

import ast
import inspect
from collections.abc import Callable
from typing import Any

import keras

from hwq.quantizers.base import BaseQuantizer
from hwq.quantizers.registry import known_quantizers, quantizer_class
from hwq.quantizers.sigmoid_functions import activation_function, known_functions

EXAMPLE = "'quantized_bits(8,0,alpha=1)'"


def get_quantizer(identifier: Any) -> BaseQuantizer | Callable | None:
    """None, a quantizer object, a config dict, a string, or any callable -> a quantizer or callable.

    Strings that name no quantizer but a Keras activation ("relu", "linear", "softmax") give
    that activation function.
    """
    if identifier is None or isinstance(identifier, BaseQuantizer):
        return identifier
    if isinstance(identifier, dict):
        return _from_dict(identifier)
    if isinstance(identifier, str):
        return parse_quantizer(identifier)
    if callable(identifier):
        return identifier
    raise ValueError(f"cannot interpret {identifier!r} as a quantizer: expected None, a quantizer object, "
                     f"a config dict, a string such as {EXAMPLE}, or a callable; {_known()}")


def parse_quantizer(text: str) -> BaseQuantizer | Callable:
    """Parse "NAME(args)" (or a bare NAME) into a quantizer without evaluating any code."""
    try:
        node = ast.parse(text.strip(), mode="eval").body
    except SyntaxError as err:
        raise ValueError(f"cannot parse quantizer {text!r} ({err.msg}): expected NAME(arg, ..., key=value) "
                         f"with literal arguments, e.g. {EXAMPLE}; {_known()}") from None
    if isinstance(node, ast.Name):
        return _from_bare_name(node.id, text)
    if not (isinstance(node, ast.Call) and isinstance(node.func, ast.Name)):
        raise ValueError(f"cannot parse quantizer {text!r}: expected NAME(arg, ..., key=value), e.g. {EXAMPLE}; "
                         f"{_known()}")
    name = node.func.id
    cls = quantizer_class(name)
    if cls is None:
        if activation_function(name) is not None:
            raise ValueError(f"{name!r} in {text!r} is a function, not a quantizer class: expected the bare name "
                             f"{name!r}, without arguments")
        raise ValueError(f"unknown quantizer {name!r} in {text!r}; {_known()}")
    args = [_literal(a, text) for a in node.args]
    kwargs = {}
    for kw in node.keywords:
        if kw.arg is None:
            raise ValueError(f"cannot parse quantizer {text!r}: '**' arguments are not accepted; expected "
                             f"NAME(arg, ..., key=value) with literal arguments, e.g. {EXAMPLE}")
        kwargs[kw.arg] = _literal(kw.value, text)
    try:
        return cls(*args, **kwargs)
    except TypeError as err:
        raise ValueError(f"bad arguments in {text!r}: {err}; expected {name}{_signature(cls)}") from None


def _from_bare_name(name: str, text: str) -> BaseQuantizer | Callable:
    cls = quantizer_class(name)
    if cls is not None:
        return cls()
    # QKeras' own functions come before Keras' activations: its hard_sigmoid is clip(x/2 + 1/2, 0, 1),
    # not Keras' relu6(x + 3)/6
    function = activation_function(name)
    if function is not None:
        return function
    try:
        return keras.activations.get(name)
    except ValueError:
        raise ValueError(f"unknown quantizer or activation {text!r}; {_known()}, or a Keras activation "
                         "name such as 'relu', 'linear', 'softmax'") from None


def _from_dict(config: dict) -> BaseQuantizer | Callable:
    """Keras 3 ({"class_name", "config", "registered_name", ...}) or QKeras ({"class_name", "config"}) dicts.

    Looked up by class name, so configs written by QKeras ("qkeras>quantized_bits") load too.
    """
    name = config.get("class_name")
    cls = quantizer_class(name) if isinstance(name, str) else None
    if cls is not None:
        return cls.from_config(dict(config.get("config") or {}))
    try:
        obj = keras.saving.deserialize_keras_object(config)
    except Exception as err:  # Keras raises several types; all mean "not a known object"
        raise ValueError(f"cannot interpret config {config!r} as a quantizer ({err}); {_known()}") from None
    if not callable(obj):
        raise ValueError(f"config {config!r} is a {type(obj).__name__}, not a quantizer or activation")
    return obj


def _literal(node: ast.expr, text: str):
    try:
        return ast.literal_eval(node)
    except ValueError:
        raise ValueError(f"cannot parse quantizer {text!r}: argument {ast.unparse(node)!r} is not a literal "
                         "(numbers, strings, True/False/None, lists and tuples only)") from None


def _signature(cls: type) -> str:
    params = list(inspect.signature(cls.__init__).parameters.values())[1:]
    return "(" + ", ".join(p.name if p.default is p.empty else f"{p.name}={p.default!r}" for p in params) + ")"


def _known() -> str:
    return f"known quantizers: {', '.join(known_quantizers())}; functions: {', '.join(known_functions())}"
