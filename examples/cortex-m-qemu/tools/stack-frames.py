#!/usr/bin/env python3
"""Static estimate of the deepest stack path from a function of a Thumb ELF.

    stack-frames.py FIRMWARE.elf FUNCTION_PREFIX     e.g. firmware::read_response

Reads each function's prologue from `llvm-objdump -d` (push, vpush, sub sp) for its frame size,
follows direct calls and tail calls (bl/b to a function symbol), and prints the deepest path.
Indirect calls (dyn Sink/Emit) are not followed and recursion is cut, so it is a lower bound; the
firmware's painted-stack figure (stack_peak_bytes) is the measurement. Its use is to say *where*
the stack goes.
"""
import re
import subprocess
import sys

HASH = re.compile(r"::h[0-9a-f]{16}")


def main(elf, root):
    text = subprocess.run(
        ["llvm-objdump", "-d", "--demangle", elf], capture_output=True, text=True, check=True
    ).stdout
    names = {
        int(m.group(1), 16): m.group(2)
        for m in re.finditer(r"^([0-9a-f]+) <(.*)>:$", text, re.M)
        if not m.group(2).startswith("$")
    }
    frame, calls, func = {}, {}, None
    for line in text.splitlines():
        m = re.match(r"^([0-9a-f]+) <(.*)>:$", line)
        if m:
            if not m.group(2).startswith("$"):
                func = m.group(2)
                frame[func], calls[func] = 0, set()
            continue
        m = re.match(r"^\s*[0-9a-f]+:\s+(?:[0-9a-f]{2} )+\s*(\S+)\s+(.*)$", line)
        if not m or func is None:
            continue
        op, args = m.groups()
        if op.startswith("push"):
            frame[func] += 4 * len(args.split(","))
        elif op.startswith("vpush"):
            frame[func] += 8 * len(re.findall(r"d\d+", args)) or 4 * len(args.split(","))
        elif re.match(r"sub(w|\.w)?$", op) and args.startswith("sp,"):
            n = re.search(r"#(0x[0-9a-f]+|\d+)", args)
            if n:
                frame[func] += int(n.group(1), 0)
        if op.startswith("b"):
            t = re.search(r"0x([0-9a-f]+)", args)
            callee = names.get(int(t.group(1), 16)) if t else None
            if callee and callee != func:
                calls[func].add(callee)
    memo = {}

    def deepest(f, path):
        if f in path:
            return 0, []
        if f in memo:
            return memo[f]
        best = (0, [])
        for c in calls.get(f, ()):
            d = deepest(c, path | {f})
            if d[0] > best[0]:
                best = d
        memo[f] = (frame.get(f, 0) + best[0], [f] + best[1])
        return memo[f]

    roots = [f for f in frame if HASH.sub("", f).startswith(root)]
    if not roots:
        raise SystemExit(f"no function starting with {root}")
    for r in roots:
        total, path = deepest(r, frozenset())
        print(f"deepest from {HASH.sub('', r)}: {total} bytes")
        for f in path:
            print(f"  {frame.get(f, 0):6d}  {HASH.sub('', f)[:140]}")


if __name__ == "__main__":
    if len(sys.argv) != 3:
        raise SystemExit(__doc__)
    main(sys.argv[1], sys.argv[2])
