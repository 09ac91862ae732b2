#!/usr/bin/env python3
"""Flash and static RAM of an ELF32 firmware image, from its section headers (standard library only).

    elf-size.py FIRMWARE.elf            prints text=, rodata=, data=, bss=, flash_bytes=, ram_bytes=
    elf-size.py --flash FIRMWARE.elf    prints only the flash figure (a number)

flash_bytes = text + rodata + data: every allocated section with contents (SHT_PROGBITS), which is
what is written to flash (.data is stored there and copied to RAM at reset). ram_bytes = data + bss
(+ .uninit): the static RAM. The stack is not included. Same classification as `size -A`
(Berkeley `size` puts rodata under text).
"""
import sys

import elf32

SHT_PROGBITS, SHT_NOBITS = 1, 8
SHF_WRITE, SHF_ALLOC, SHF_EXECINSTR = 0x1, 0x2, 0x4


def sizes(path):
    _elf, _endian, headers = elf32.sections(path)
    out = {"text": 0, "rodata": 0, "data": 0, "bss": 0}
    for (_name, sh_type, flags, _addr, _off, size, *_rest) in headers:
        if not flags & SHF_ALLOC or size == 0:
            continue
        if sh_type == SHT_NOBITS:
            out["bss"] += size
        elif sh_type == SHT_PROGBITS:
            if flags & SHF_EXECINSTR:
                out["text"] += size
            elif flags & SHF_WRITE:
                out["data"] += size
            else:
                out["rodata"] += size
    out["flash_bytes"] = out["text"] + out["rodata"] + out["data"]
    out["ram_bytes"] = out["data"] + out["bss"]
    return out


def main(argv):
    if len(argv) == 3 and argv[1] == "--flash":
        print(sizes(argv[2])["flash_bytes"])
    elif len(argv) == 2:
        for k, v in sizes(argv[1]).items():
            print(f"{k}={v}")
    else:
        raise SystemExit(__doc__)


if __name__ == "__main__":
    main(sys.argv)
