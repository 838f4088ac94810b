"""Strict readers for JSON fields: each names the field it refused, so data in the wrong
shape (a portal's answer, a saved progress file) gives a clear message instead of a KeyError
deep inside the GUI.

They raise ``ShapeError``, a ``ValueError`` of this layer: ``settings`` may not import the
portal client, which turns a ``ShapeError`` in an answer into its ``MalformedResponse``."""

from __future__ import annotations

from typing import Any


class ShapeError(ValueError):
    """JSON that is not in the expected shape; the message names the field."""

JSON = dict[str, Any]


def obj(data: Any, where: str) -> JSON:
    if not isinstance(data, dict):
        raise ShapeError(f"{where} should be an object")
    return data


def string(data: JSON, key: str, where: str) -> str:
    value = data.get(key)
    if not isinstance(value, str):
        raise ShapeError(f"{where}.{key} should be text")
    return value


def opt_string(data: JSON, key: str, where: str) -> str | None:
    value = data.get(key)
    if value is not None and not isinstance(value, str):
        raise ShapeError(f"{where}.{key} should be text or null")
    return value


def boolean(data: JSON, key: str, where: str) -> bool:
    value = data.get(key)
    if not isinstance(value, bool):
        raise ShapeError(f"{where}.{key} should be true or false")
    return value


def integer(data: JSON, key: str, where: str) -> int:
    value = data.get(key)
    if not isinstance(value, int) or isinstance(value, bool):
        raise ShapeError(f"{where}.{key} should be a whole number")
    return value


def opt_integer(data: JSON, key: str, where: str) -> int | None:
    value = data.get(key)
    if value is None:
        return None
    if not isinstance(value, int) or isinstance(value, bool):
        raise ShapeError(f"{where}.{key} should be a whole number or null")
    return value


def string_list(data: JSON, key: str, where: str) -> list[str]:
    value = data.get(key, [])
    if value is None:
        return []
    if not isinstance(value, list) or not all(isinstance(v, str) for v in value):
        raise ShapeError(f"{where}.{key} should be a list of text")
    return list(value)
