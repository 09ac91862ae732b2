#!/usr/bin/env python3
"""Lists the panic paths left in a firmware ELF, by the picolambda (or firmware) source line they
start from.

    panic-paths.py FIRMWARE.elf

Use on a release build made with `--features locate-panics` (a normal release build does not link
when a panic path is left: that is the point of the check). Needs `llvm-objdump` and
`llvm-symbolizer` (Debian package `llvm`), and the ELF's debug info (`debug = true` in the release
profile; it does not change flash).

How: every branch to a panicking function of `core` (`core::panicking::*`, slice and str index
failures, `unwrap`/`expect` failures, `copy_from_slice` length mismatch) is a panic site. The
site's inlining chain (llvm-symbolizer --inlining) names the first frame in picolambda's `core/`
or in this firmware. When the site is in a function that was not inlined (a `core::str` searcher,
a third-party decoder), its callers are followed until such a frame appears.
"""
import collections
import re
import subprocess
import sys

PANICKING = re.compile(
    r"^(core::panicking::|core::slice::index::slice_\w*fail|core::slice::index::slice_index_fail"
    r"|core::option::unwrap_failed|core::option::expect_failed|core::result::unwrap_failed"
    r"|core::str::slice_error_fail|core::slice::copy_from_slice_impl::len_mismatch_fail"
    r"|core::panicking)"
)
HASH = re.compile(r"::h[0-9a-f]{16}")


def disassemble(elf):
    text = subprocess.run(
        ["llvm-objdump", "-d", "--demangle", elf], capture_output=True, text=True, check=True
    ).stdout
    names, calls, func = {}, [], None
    # `$t`/`$d` are ARM mapping symbols (Thumb code / data follows), not functions.
    labels = [
        (int(m.group(1), 16), m.group(2))
        for m in re.finditer(r"^([0-9a-f]+) <(.*)>:$", text, re.M)
        if not m.group(2).startswith("$")
    ]
    names = dict(labels)
    for line in text.splitlines():
        m = re.match(r"^([0-9a-f]+) <(.*)>:$", line)
        if m:
            if not m.group(2).startswith("$"):
                func = m.group(2)
            continue
        m = re.match(r"^\s*([0-9a-f]+):\s+(?:[0-9a-f]{2} )+\s*(b\S*)\s+(.*)$", line)
        if m and func:
            t = re.search(r"0x([0-9a-f]+)", m.group(3))
            if t and int(t.group(1), 16) in names:
                calls.append((m.group(1), func, names[int(t.group(1), 16)]))
    return calls


def symbolize(elf, addresses):
    """address -> [(function, file:line)], innermost first."""
    if not addresses:
        return {}
    out = subprocess.run(
        ["llvm-symbolizer", "--inlining", "--demangle", "-e", elf]
        + ["0x" + a for a in addresses],
        capture_output=True,
        text=True,
        check=True,
    ).stdout
    result = {}
    for address, block in zip(addresses, out.strip().split("\n\n")):
        lines = block.splitlines()
        result[address] = [
            (HASH.sub("", lines[i]), lines[i + 1]) for i in range(0, len(lines) - 1, 2)
        ]
    return result


def ours(location):
    """picolambda's core/ or this firmware, as opposed to Rust's own `core` or a dependency."""
    if "/examples/cortex-m-qemu/" in location:
        return "firmware:" + location.split("/examples/cortex-m-qemu/", 1)[1]
    if "/rustc/" in location or "/.cargo/" in location or "/registry/" in location:
        return None
    m = re.search(r"/(core/src/.*)$", location)
    return "picolambda:" + m.group(1) if m else None


def short(location):
    for marker in ("/library/", "/index.crates.io-", "/registry/src/"):
        if marker in location:
            tail = location.split(marker, 1)[1]
            return tail.split("/", 1)[1] if marker.startswith("/index") else tail
    return location


def main(elf):
    calls = disassemble(elf)
    panicking = {callee for _, _, callee in calls if PANICKING.search(callee)}
    sites = [(a, f, c) for a, f, c in calls if c in panicking and f not in panicking]
    callers = collections.defaultdict(list)
    for a, f, c in calls:
        callers[c].append((a, f))
    wanted = {a for a, _, _ in calls}
    sym = symbolize(elf, sorted(wanted))
    found = collections.Counter()
    unresolved = collections.Counter()

    def trace(address, func, what, depth, seen):
        frames = sym.get(address, [])
        for name, loc in frames:
            mine = ours(loc)
            if not mine and re.match(r"^(picolambda|firmware|probe_)\w*::", name):
                # The function is ours but its line record points elsewhere (debug info of
                # merged or outlined code): report the function alone.
                mine = f"{name.split('::')[0]}:{name}:?"
            if mine:
                found[(mine.rsplit(":", 1)[0], name, what)] += 1
                return
        if depth > 8 or func in seen:
            unresolved[(HASH.sub("", func), what)] += 1
            return
        for a, f in callers.get(func, []):
            trace(a, f, what, depth + 1, seen | {func})

    for address, func, callee in sites:
        frames = sym.get(address, [])
        inner = frames[0] if frames else (HASH.sub("", func), "?")
        what = f"{HASH.sub('', callee)} via {inner[0]} ({short(inner[1])})"
        trace(address, func, what, 0, frozenset())

    if not found and not unresolved:
        print("no panic path found")
        return 0
    by_origin = collections.defaultdict(list)
    for (origin, name, what), n in found.items():
        by_origin[(origin, name)].append((what, n))
    for (origin, name), whats in sorted(by_origin.items()):
        print(f"{origin}  {name}")
        for what, n in sorted(whats):
            print(f"    -> {what}" + (f"  (x{n})" if n > 1 else ""))
    for (func, what), n in sorted(unresolved.items()):
        print(f"(no picolambda frame found) {func}\n    -> {what}")
    print(f"panic_origins={len(by_origin)}")
    return 1


if __name__ == "__main__":
    if len(sys.argv) != 2:
        raise SystemExit(__doc__)
    sys.exit(main(sys.argv[1]))
