"""QKeras' string helpers (its `safe_eval` module): reading literals out of strings such as "(4, 0, alpha=1)" and
calling a function named in a string from a dictionary of allowed ones, without evaluating any code.

Arguments are read as QKeras reads them: True/False, None, numbers, "[1 2 3]" (QKeras' space-separated list of
numbers), quoted strings without their quotes. Where QKeras would strip the first and last characters of an
unquoted word ("relu" -> "el"), hwq keeps the word (docs/qkeras-differences.md).
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from typing import Any

import keras


def Num(s: str) -> int | float | str:
    """An int, else a float, else a quoted string's text."""
    for convert in (int, float):
        try:
            return convert(s)
        except ValueError:
            pass
    return Str(s)


def Str(s: str) -> str:
    """A quoted string's text; an unquoted word as it is."""
    s = s.strip()
    return s[1:-1] if len(s) >= 2 and s[0] == s[-1] and s[0] in "'\"" else s


def IsNum(s: str) -> bool:
    return not isinstance(Num(s), str) if s.strip() else False


def IsBool(s: str) -> bool:
    return s.strip() in ("True", "False")


def IsNone(s: str) -> bool:
    return s.strip() == "None"


def Bool(s: str) -> bool:
    return "True" in s


def ListofNums(s: str) -> list[int | float | str]:
    """"[1 2 3]" (or "[1, 2, 3]") -> [1, 2, 3]."""
    return [Num(e) for e in _list_items(s)]


def IsListofNums(s: str) -> bool:
    """Whether s lists two or more numbers (as QKeras asks: one number alone is a number)."""
    items = _list_items(s)
    return len(items) > 1 and all(IsNum(e) for e in items)


def GetArg(s: str) -> Any:
    """One argument's value: a bool, a number, None, a list of numbers, or a string."""
    s = s.strip()
    if IsBool(s):
        return Bool(s)
    if IsNum(s):
        return Num(s)
    if IsNone(s):
        return None
    if IsListofNums(s):
        return ListofNums(s)
    return Str(s)


def GetParams(s: str) -> tuple[list[Any], dict[str, Any]]:
    """"(a, b, key=value)" -> ([a, b], {"key": value}), each read by GetArg; a positional argument after a
    keyword one is a SyntaxError, as in Python."""
    body = s.strip()
    if not (body.startswith("(") and body.endswith(")")):
        raise SyntaxError(f"expected '(arguments)', got {s!r}")
    args, kwargs = [], {}
    for item in _split_top_level(body[1:-1]):
        key, eq, value = item.partition("=")
        if eq and key.strip().isidentifier():
            kwargs[key.strip()] = GetArg(value)
        elif kwargs:
            raise SyntaxError(f"positional argument {item.strip()!r} follows a keyword argument in {s!r}")
        else:
            args.append(GetArg(item))
    return args, kwargs


def safe_eval(eval_str: str, op_dict: Mapping[str, Callable], *params: Any, **kwparams: Any) -> Any:
    """Call the function "NAME(arguments)" names: NAME looked up in op_dict, else a Keras activation; extra
    params and kwparams appended. A bare NAME of a class gives an instance, of a function the function."""
    name, paren, rest = eval_str.strip().partition("(")
    name = name.strip()
    args, kwargs = GetParams(paren + rest) if paren else ([], {})
    args += list(params)
    kwargs.update(kwparams)
    function = op_dict.get(name)
    if function is None:
        function = keras.activations.get(name)
    if paren or args or kwargs:
        return function(*args, **kwargs)
    return function() if isinstance(function, type) else function


def _list_items(s: str) -> list[str]:
    return s.replace("[", " ").replace("]", " ").replace(",", " ").split()


def _split_top_level(s: str) -> list[str]:
    """Split at the commas outside brackets, parentheses and quotes; empty text gives no items."""
    items, depth, quote, start = [], 0, "", 0
    for k, c in enumerate(s):
        if quote:
            quote = "" if c == quote else quote
        elif c in "'\"":
            quote = c
        elif c in "([{":
            depth += 1
        elif c in ")]}":
            depth -= 1
        elif c == "," and depth == 0:
            items.append(s[start:k])
            start = k + 1
    items.append(s[start:])
    return [item for item in items if item.strip()]


__all__ = ["Num", "Str", "IsNum", "IsBool", "IsNone", "Bool", "ListofNums", "IsListofNums", "GetArg", "GetParams",
           "safe_eval"]
