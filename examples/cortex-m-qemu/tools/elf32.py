"""The section headers of an ELF32 file (standard library only), for the other tools here."""
import struct


def sections(path):
    """The file's bytes, its `struct` byte-order prefix, and its section headers as tuples
    (name, type, flags, addr, offset, size, link, info, addralign, entsize)."""
    with open(path, "rb") as f:
        elf = f.read()
    if elf[:4] != b"\x7fELF" or elf[4] != 1:
        raise SystemExit(f"{path}: not an ELF32 file")
    endian = "<" if elf[5] == 1 else ">"
    shoff, = struct.unpack_from(endian + "I", elf, 0x20)
    shentsize, shnum = struct.unpack_from(endian + "HH", elf, 0x2E)
    headers = [
        struct.unpack_from(endian + "IIIIIIIIII", elf, shoff + i * shentsize) for i in range(shnum)
    ]
    return elf, endian, headers
