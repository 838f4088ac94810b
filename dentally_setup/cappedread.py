"""Reading a small file from outside without trusting it: only a regular file, and only up
to a limit. Shared by the app's own JSON files (store/jsonfile.py) and the policy file of
`settings apply` (settings/policy_file.py), which say what went wrong in their own words."""

from __future__ import annotations

import stat
from pathlib import Path


class NotAFile(ValueError):
    """Not a regular file: a folder, a device, a pipe."""

    def __init__(self, is_dir: bool) -> None:
        super().__init__("a folder" if is_dir else "not a regular file")
        self.is_dir = is_dir


class TooBig(ValueError):
    """Over the limit; ``size`` is what stat() said, or None when it grew while read."""

    def __init__(self, size: int | None, limit: int) -> None:
        super().__init__(f"{size if size is not None else 'more than'} bytes, over the "
                         f"{limit}-byte limit")
        self.size = size


def read_capped(path: Path, limit: int) -> bytes:
    """The file's bytes. stat() comes first, since opening a FIFO for reading blocks until a
    writer appears and /dev/zero never ends. Raises NotAFile, TooBig, or OSError
    (FileNotFoundError included) for the caller to put in its own words."""
    info = path.stat()
    if not stat.S_ISREG(info.st_mode):
        raise NotAFile(stat.S_ISDIR(info.st_mode))
    if info.st_size > limit:
        raise TooBig(info.st_size, limit)
    with path.open("rb") as handle:
        raw = handle.read(limit + 1)  # one byte more: a file that grew since stat() is caught
    if len(raw) > limit:
        raise TooBig(None, limit)
    return raw
