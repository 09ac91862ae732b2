#!/usr/bin/env python3
"""Sanity check of the botocore verifier of tests/botocore_diff.py, on botocore's own requests.

    python3 tests/botocore_vectors_selfcheck.py [--vectors PATH] [--verbose]

For every case of invoke_public.jsonl (60 Invoke requests written by botocore 1.44.8 with a frozen
clock; default path core/tests/data/invoke/invoke_public.jsonl, the copy kept in the repo):
  reproduce   the verifier's botocore half, given the case's inputs, builds the same request botocore
              recorded (path, query, Host, x-amz-* headers, canonical request, string to sign,
              Authorization), so the capture and frozen clock work with this botocore;
  accept      the recorded raw request (raw_request_head + payload) passes every check of the
              verifier, against the recorded canonical request and string to sign;
  signature   the same request with one hex digit of its Signature changed is rejected, with a
              signature mismatch;
  body        the same request with one body byte changed (a signed header byte, X-Amz-Date, when
              the body is empty) is rejected, with a signature mismatch.
Closes with the line `N passed, M failed`; exits non-zero on any failure.
"""

from __future__ import annotations

import sys
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))

# First: outside the project venv this import re-executes this script under .venv/bin/python.
import botocore_diff as bd  # noqa: E402  isort:skip

import argparse  # noqa: E402
import base64  # noqa: E402
import json  # noqa: E402

import botocore  # noqa: E402


def _raw_request(case: dict) -> bytes:
    head = case["outputs"]["raw_request_head"].encode("utf-8")
    payload = bd.payload_bytes(case["inputs"]) or b""
    return head + payload


def _answer(raw: bytes, case: dict) -> dict:
    return {
        "request": base64.b64encode(raw).decode("ascii"),
        "canonical_request": case["outputs"]["canonical_request"],
        "string_to_sign": case["outputs"]["string_to_sign"],
    }


def _flip_hex(ch: int) -> int:
    return ord("0") if ch != ord("0") else ord("1")


def check_reproduce(case: dict) -> list:
    out = case["outputs"]
    boto = bd.botocore_request(case["inputs"])
    recorded_amz = {n.lower(): v for n, v in out["headers"] if n.lower().startswith("x-amz-")}
    problems = []
    for name, ours, theirs in [
        ("url", boto.url, out["url"]),
        ("Host", boto.host, out["host"]),
        ("path", boto.path, out["path"]),
        ("query", boto.query, out["query"]),
        ("x-amz-* headers", boto.amz_headers(), recorded_amz),
        ("body length", len(boto.body), case["inputs"]["payload_len"] or 0),
        ("canonical_request", boto.canonical_request, out["canonical_request"]),
        ("string_to_sign", boto.string_to_sign, out["string_to_sign"]),
        ("Authorization", boto.authorization, out["authorization"]),
    ]:
        if ours != theirs:
            problems.append(bd.Problem(name, ours, theirs, "verifier's botocore vs recorded"))
    return problems


def check_accept(case: dict) -> list:
    return bd.verify_signed(case["inputs"], _answer(_raw_request(case), case))


def _must_reject(case: dict, raw: bytes, what: str) -> list:
    problems = bd.verify_signed(case["inputs"], _answer(raw, case))
    if not any(p.field == "signature" for p in problems):
        return [bd.Problem(what, [p.field for p in problems], "a 'signature' problem",
                           "the verifier did not catch the change")]
    return []


def check_signature_flip(case: dict) -> list:
    raw = bytearray(_raw_request(case))
    at = raw.index(b"Signature=") + len(b"Signature=") + 17
    raw[at] = _flip_hex(raw[at])
    return _must_reject(case, bytes(raw), "signature byte changed")


def check_body_flip(case: dict) -> list:
    raw = bytearray(_raw_request(case))
    head_len = raw.index(b"\r\n\r\n") + 4
    if len(raw) > head_len:
        at = head_len + (len(raw) - head_len) // 2
        raw[at] ^= 0x01
        what = "body byte changed"
    else:  # empty body: change a signed header byte instead (a digit of X-Amz-Date's seconds)
        at = raw.index(b"X-Amz-Date: ") + len(b"X-Amz-Date: ") + 14
        raw[at] = ord("1") if raw[at] != ord("1") else ord("2")
        what = "X-Amz-Date byte changed (empty body)"
    return _must_reject(case, bytes(raw), what)


CHECKS = [
    ("reproduce", check_reproduce),
    ("accept", check_accept),
    ("signature", check_signature_flip),
    ("body", check_body_flip),
]


def main(argv=None) -> int:
    default = bd.ROOT / "core" / "tests" / "data" / "invoke" / "invoke_public.jsonl"
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("--vectors", default=str(default), help=f"default {default}")
    ap.add_argument("--verbose", action="store_true")
    args = ap.parse_args(argv)

    path = Path(args.vectors)
    try:
        text = path.read_text(encoding="utf-8")
        # split on "\n" only: str.splitlines() would also split at U+2028 inside JSON strings
        cases = [json.loads(line) for line in text.split("\n") if line.strip()]
    except (OSError, ValueError) as exc:
        print(f"botocore_vectors_selfcheck: error: cannot read {path}: {exc}", file=sys.stderr)
        print("0 passed, 1 failed")
        return 2
    print(f"botocore_vectors_selfcheck: botocore {botocore.__version__}, {len(cases)} vectors "
          f"from {path}", flush=True)
    passed = failed = 0
    for case in cases:
        for name, fn in CHECKS:
            try:
                problems = fn(case)
            except Exception as exc:  # noqa: BLE001 - a crash is a failure
                problems = [bd.Problem("harness", "", "", f"{type(exc).__name__}: {exc}")]
            if problems:
                failed += 1
                print(f"FAIL {case['id']} {name}")
                for p in problems:
                    print("    - " + p.render())
            else:
                passed += 1
                if args.verbose:
                    print(f"ok   {case['id']} {name}")
    print(f"{passed} passed, {failed} failed")
    return 1 if failed else 0


if __name__ == "__main__":
    sys.exit(main())
