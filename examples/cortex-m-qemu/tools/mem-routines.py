#!/usr/bin/env python3
"""Lists the memory routines of compiler-builtins an ELF32 firmware links (standard library only).

    mem-routines.py FIRMWARE.elf    prints the routines' names, comma-separated, or `none`

The routines are `memcpy`, `memmove`, `memset`, `memcmp`, `bcmp` and their `__aeabi_mem*` entry
points. Rust calls them for copies, fills and comparisons the compiler does not expand in place
(at opt-level "z", anything over about 16 bytes). Together they are about 1 KB of flash that an
image links only if something calls them, so footprint.sh reports which ones each probe links.
"""
import re
import struct
import sys

import elf32

SHT_SYMTAB = 2
ROUTINE = re.compile(
    r"^(memcpy|memmove|memset|memcmp|bcmp|__aeabi_mem\w+)$"
    r"|compiler_builtins3mem\d+(memcpy|memmove|memset|memcmp|bcmp)"
)


def routines(path):
    elf, endian, sections = elf32.sections(path)
    found = set()
    for (_name, sh_type, _flags, _addr, off, size, link, _info, _align, entsize) in sections:
        if sh_type != SHT_SYMTAB or entsize == 0:
            continue
        strtab_off = sections[link][4]
        for k in range(size // entsize):
            st_name, _value, st_size, _info, _other, shndx = struct.unpack_from(
                endian + "IIIBBH", elf, off + k * entsize
            )
            if shndx == 0 or st_name == 0:
                continue
            end = elf.index(b"\0", strtab_off + st_name)
            name = elf[strtab_off + st_name : end].decode("utf-8", "replace")
            m = ROUTINE.search(name)
            if m:
                found.add(m.group(1) or m.group(2))
    return sorted(found)


def main(argv):
    if len(argv) != 2:
        raise SystemExit(__doc__)
    print(",".join(routines(argv[1])) or "none")


if __name__ == "__main__":
    main(sys.argv)
