"""Qt's ICU data cut down to English, for the Linux build (used by build_installer.spec).

libicudata.so.73 (30.5 MB) holds nothing but ICU's data archive (icudt73l.dat) behind one
symbol, icudt73_dat. Only Qt uses it (Chromium has its own ICU data, icudtl.dat), and Qt
asks ICU for little: code-page converters, collation, time-zone names and upper/lower case
(ICU_USED, checked against what the Qt libraries import). The app is in English, so the
archive is rebuilt without
  - the locale data of other languages (all trees): ICU falls back to its root data for
    them, as for any locale it has no data for;
  - the word-break dictionaries (Chinese, Japanese, Thai...) and the transliterators: used
    only by ICU's break iterators and transliterators, which Qt never calls;
and wrapped in a library of the same name and symbol with binutils' `as` and `ld` (strip
needs binutils already). tests/test_installer.py checks the result through ICU's API.
Anything unexpected (another ICU function imported, another archive layout, no binutils)
and the library ships untouched, with a warning.
"""

from __future__ import annotations

import re
import shutil
import struct
import subprocess
from pathlib import Path

ICU_USED = re.compile(r"(ucnv|UCNV|ucol|ucal)_\w+|u_strTo(Lower|Upper)")
LOCALE_ID = re.compile(r"[a-z]{2,3}(_[A-Z][a-z]{3})?(_([A-Z]{2}|\d{3}))?(_[A-Z0-9]+)*")


def icu_item_kept(item: str) -> bool:
    """item: a name in the archive, e.g. "icudt73l/coll/de.res"."""
    *tree, leaf = item.split("/")[1:]
    if tree == ["translit"] or (tree == ["brkitr"] and leaf.endswith(".dict")):
        return False
    stem, _, ext = leaf.rpartition(".")
    if ext == "res" and LOCALE_ID.fullmatch(stem):
        return stem == "en" or stem.startswith("en_")
    return True  # root, pool, converters, time-zone rules, collation tables...


def elf_dynamic_symbols(path: str | Path) -> tuple[list[tuple[str, int, int, int]],
                                                    list[tuple[int, int]]]:
    """A 64-bit little-endian ELF file's dynamic symbols [(name, section, value, size)]
    (section 0: imported) and its sections [(address, file offset)]."""
    with open(path, "rb") as f:
        head = f.read(64)
        if head[:4] != b"\x7fELF" or head[4:6] != b"\x02\x01":
            raise ValueError(f"{path}: not a 64-bit little-endian ELF file")
        (shoff,) = struct.unpack_from("<Q", head, 0x28)
        shentsize, shnum = struct.unpack_from("<HH", head, 0x3A)
        f.seek(shoff)
        raw = f.read(shentsize * shnum)
        secs = [struct.unpack_from("<IIQQQQIIQQ", raw, i * shentsize) for i in range(shnum)]

        def contents(sec: tuple[int, ...]) -> bytes:
            f.seek(sec[4])
            return f.read(sec[5])

        dynsym = next(s for s in secs if s[1] == 11)  # SHT_DYNSYM
        table, names = contents(dynsym), contents(secs[dynsym[6]])
    syms = []
    for off in range(0, len(table), 24):
        st_name, _, _, shndx, value, size = struct.unpack_from("<IBBHQQ", table, off)
        syms.append((names[st_name:names.index(b"\0", st_name)].decode(), shndx, value, size))
    return syms, [(s[3], s[4]) for s in secs]


def icu_archive_items(blob: bytes) -> tuple[bytes, list[tuple[bytes, bytes]]]:
    """ICU's common data archive: a header, a table of contents (count, then the offsets of
    each name and item from the table's start), the names, the items (16-byte aligned)."""
    (header,) = struct.unpack_from("<H", blob)
    if blob[2:4] != b"\xda\x27" or blob[12:16] != b"CmnD" or blob[8] != 0 or header % 16:
        raise ValueError("not a little-endian ICU common data archive")
    (count,) = struct.unpack_from("<I", blob, header)
    toc = [struct.unpack_from("<II", blob, header + 4 + 8 * i) for i in range(count)]
    ends = [data for _, data in toc[1:]] + [len(blob) - header]
    return blob[:header], [
        (blob[header + name:blob.index(b"\0", header + name)],
         blob[header + data:header + end])
        for (name, data), end in zip(toc, ends, strict=True)]


def icu_archive(header: bytes, items: list[tuple[bytes, bytes]]) -> bytes:
    """The archive back from icu_archive_items's parts (kept in their sorted order: ICU
    looks names up by binary search)."""
    pad = lambda n: -n % 16  # noqa: E731
    names = b"".join(name + b"\0" for name, _ in items)
    toc = bytearray(struct.pack("<I", len(items)))
    name_at = 4 + 8 * len(items)
    data_at = name_at + len(names) + pad(name_at + len(names))
    body = bytearray()
    for name, data in items:
        toc += struct.pack("<II", name_at, data_at + len(body))
        name_at += len(name) + 1
        body += data + b"\0" * pad(len(data))
    toc += names
    return header + bytes(toc) + b"\0" * pad(len(toc)) + bytes(body)


def english_icu_data(src: str, out_dir: Path, binaries: list[tuple[str, str, str]]) -> str:
    """A copy of libicudata.so.NN (src) with only the data the app can use; see above."""
    major = src.rsplit(".so.", 1)[1]
    imports = set()  # what Qt and PySide6 import (ICU's own libraries use each other)
    for e in binaries:
        dest = e[0].replace("\\", "/")
        if e[2] == "BINARY" and dest.startswith("PySide6/") and "/libicu" not in dest:
            imports |= {s[0] for s in elf_dynamic_symbols(e[1])[0] if not s[1]}
    unknown = sorted(n for n in imports if n.endswith(f"_{major}")
                     and not ICU_USED.fullmatch(n[:-len(major) - 1]))
    if unknown:
        raise ValueError("Qt uses ICU functions not checked here: " + ", ".join(unknown))
    assembler, linker = shutil.which("as"), shutil.which("ld")
    if assembler is None or linker is None:
        raise ValueError("binutils (as, ld) not found")
    syms, secs = elf_dynamic_symbols(src)
    symbol, section, value, size = next(
        s for s in syms if re.fullmatch(r"icudt\d+_dat", s[0]) and s[1])
    address, offset = secs[section]
    with open(src, "rb") as f:
        f.seek(offset + value - address)
        header, items = icu_archive_items(f.read(size))
    kept = [(name, data) for name, data in items if icu_item_kept(name.decode())]
    blob = icu_archive(header, kept)
    if icu_archive_items(blob) != (header, [(n, d + b"\0" * (-len(d) % 16)) for n, d in kept]):
        raise ValueError("the rebuilt ICU archive does not read back")
    out_dir.mkdir(parents=True, exist_ok=True)
    (out_dir / "icudata.dat").write_bytes(blob)
    (out_dir / "icudata.s").write_text(
        f'\t.section .rodata\n\t.globl {symbol}\n\t.type {symbol}, "object"\n'
        f'\t.balign 16\n{symbol}:\n\t.incbin "icudata.dat"\n'
        f'\t.size {symbol}, . - {symbol}\n', encoding="ascii")
    lib = out_dir / Path(src).name
    subprocess.run([assembler, "--noexecstack", "-o", "icudata.o", "icudata.s"],
                   cwd=out_dir, check=True)
    subprocess.run([linker, "-shared", "-soname", lib.name, "-z", "noexecstack",
                    "-o", str(lib), "icudata.o"], cwd=out_dir, check=True)
    if not any(s[0] == symbol and s[1] and s[3] == len(blob)
               for s in elf_dynamic_symbols(lib)[0]):
        raise ValueError(f"{lib} does not export {symbol}")
    print(f"build_installer.spec: ICU data {len(items)} -> {len(kept)} items, "
          f"{size / 2**20:.1f} -> {len(blob) / 2**20:.1f} MB")
    return str(lib)
