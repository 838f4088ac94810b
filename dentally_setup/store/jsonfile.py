"""Reading the app's own small JSON files (config.json, progress.json) without trusting them.

These files are ours, but they live in the person's folders: a disk error, an editor, a
sync tool or malware can leave anything there. Whatever is there, reading must end in
either a dict or ``UnreadableFile``, never in some other exception: ``json.loads`` raises
``RecursionError`` on a deeply nested array, and an uncaught one would stop the app at
every start. A file over ``MAX_BYTES`` is refused before it is read (the real ones are a
few kilobytes), and so is anything that is not a regular file (a FIFO would block the read
for ever).
"""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

from dentally_setup.cappedread import NotAFile, TooBig, read_capped

# The largest progress file the app writes is a few kilobytes even for a group of fifty
# sites; a megabyte leaves room for anything real and still reads in milliseconds.
MAX_BYTES = 1_000_000
# The deepest file the app writes nests about seven levels (progress → pending_writes →
# site → payload → deposits → by_type). Checked after parsing because a value nested a few
# hundred levels deep parses but then breaks the recursive code that copies and checks it
# on the next save.
MAX_DEPTH = 32


class UnreadableFile(ValueError):
    """The file's content cannot be trusted; the reason is for the log."""


def _depth_ok(data: Any) -> bool:
    # Iterative, so that checking depth cannot itself run out of stack.
    stack: list[tuple[Any, int]] = [(data, 1)]
    while stack:
        value, depth = stack.pop()
        if depth > MAX_DEPTH:
            return False
        if isinstance(value, dict):
            stack.extend((v, depth + 1) for v in value.values())
        elif isinstance(value, list):
            stack.extend((v, depth + 1) for v in value)
    return True


def _read_bounded(path: Path) -> bytes:
    try:
        return read_capped(path, MAX_BYTES)  # FileNotFoundError passes: "nothing saved"
    except (NotAFile, TooBig) as exc:
        raise UnreadableFile(str(exc)) from None


def read_json_object(path: Path) -> dict[str, Any]:
    """The JSON object stored in *path*.

    Raises FileNotFoundError when there is no file, OSError when it cannot be opened
    (permissions, a lock: the file may be fine, so callers leave it where it is), and
    UnreadableFile for anything wrong with the content itself.
    """
    raw = _read_bounded(path)
    try:
        data = json.loads(raw.decode("utf-8"))
    except UnicodeDecodeError:
        raise UnreadableFile("not UTF-8 text") from None
    except RecursionError:
        raise UnreadableFile("nested too deeply to read") from None
    except ValueError as exc:  # JSONDecodeError, and integers too long to convert
        raise UnreadableFile(f"not valid JSON ({exc})") from None
    if not isinstance(data, dict):
        raise UnreadableFile("not a JSON object")
    if not _depth_ok(data):
        raise UnreadableFile(f"nested more than {MAX_DEPTH} levels deep")
    return data
