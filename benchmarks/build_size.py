"""The built folder's size and its target, per platform (the one place the targets live:
benchmarks/run.py's table and the CI job's summary both use it).

    python benchmarks/build_size.py dist/DentallySetup     # Markdown, for $GITHUB_STEP_SUMMARY

The 300 MB target is for the Windows folder, the one reception PCs get, measured by the
Windows job of .github/workflows/platforms.yml. On Linux the libraries QtWebEngine links
against set a floor near 305 MB (docs/BENCHMARKS.md): the target there is to stay within 10%
of it, with no feature dropped for size. macOS is reported, with no target.
"""

from __future__ import annotations

import sys
from pathlib import Path

MB = 2**20
WINDOWS_TARGET_MB = 300.0
LINUX_FLOOR_MB = 305.0
LINUX_TARGET_MB = LINUX_FLOOR_MB * 1.10


def size_target(platform: str) -> tuple[float, str] | None:
    """(limit in MB, how the table shows it) for a sys.platform value, or None."""
    if platform == "win32":
        return WINDOWS_TARGET_MB, f"≤ {WINDOWS_TARGET_MB:.0f} MB"
    if platform.startswith("linux"):
        return LINUX_TARGET_MB, (f"≤ {LINUX_TARGET_MB:.1f} MB (floor {LINUX_FLOOR_MB:.0f} MB "
                                 "+ 10%)")
    return None


def folder_mb(folder: Path) -> float:
    return sum(p.stat().st_size for p in folder.rglob("*")
               if p.is_file() and not p.is_symlink()) / MB


def summary(folder: Path, platform: str = sys.platform, largest: int = 10) -> str:
    """The folder's size against its target, and its largest files, as Markdown."""
    size = folder_mb(folder)
    target = size_target(platform)
    if target is None:
        verdict = "no target on this platform (reported for information)"
    else:
        verdict = f"target {target[1]}: " + ("met" if size <= target[0] else "**missed**")
    files = sorted((p for p in folder.rglob("*") if p.is_file() and not p.is_symlink()),
                   key=lambda p: p.stat().st_size, reverse=True)
    rows = "\n".join(f"| `{p.relative_to(folder).as_posix()}` | {p.stat().st_size / MB:.1f} MB |"
                     for p in files[:largest])
    return (f"### Built folder `{folder.name}` ({platform})\n\n"
            f"**{size:.0f} MB** in {len(files)} files (MB = 2^20 bytes); {verdict}.\n\n"
            f"| largest files | size |\n|---|---|\n{rows}\n")


def main(argv: list[str]) -> int:
    if len(argv) != 1 or not Path(argv[0]).is_dir():
        print("usage: python benchmarks/build_size.py FOLDER (the built dist/DentallySetup)",
              file=sys.stderr)
        return 2
    print(summary(Path(argv[0])))
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
