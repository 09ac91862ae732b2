#!/usr/bin/env python3
"""Differential test: picolambda's signed Invoke requests, checked by botocore itself.

    python3 tests/botocore_diff.py [--bin PATH] [--cases N] [--seed S] [--verbose]

1. Generates N randomized Invoke inputs (seeded, so a run is reproducible): every FunctionName form,
   qualifiers, invocation and log types, client contexts (raw JSON and pre-encoded), payloads up to
   64 KiB, session tokens, regions of the aws / aws-cn / aws-us-gov partitions, FIPS and dual-stack,
   custom endpoints, dates from 1970 to 2099; about one case in ten is invalid on purpose.
2. Pipes them, one JSON object a line, to `picolambda sign --jsonl`.
3. Checks each answer independently with botocore (the version pinned in tests/requirements.txt):
   - botocore builds the same Invoke itself (its own endpoint resolution, serializer and signer, with
     the clock frozen at the case's date and the send intercepted), and the path, query, Host,
     x-amz-* headers, payload, canonical request, string to sign and Authorization must be equal;
   - the raw request the CLI wrote is parsed, rebuilt as an AWSRequest from the headers named in its
     SignedHeaders, and signed again by `botocore.auth.SigV4Auth`: canonical request, string to sign
     and signature must equal the CLI's;
   - invalid inputs must be answered with `{"error": …}`; where botocore (or the http.client it
     sends with) validates the same thing, it must reject the input too;
   - inputs the model's pattern allows but Lambda does not ("either:" cases, dotted names) may be
     rejected, or else must pass every check above.
A custom endpoint with FIPS or dual-stack is expected to behave as in botocore (flags ignored)
unless CUSTOM_ENDPOINT_WITH_FIPS_OR_DUALSTACK below says "reject".
Closes with the line `N passed, M failed`; exits non-zero on any failure or when the binary is
missing. Failing cases are also written in full to target/botocore_diff/failures.jsonl.

Runs under the project venv (.venv, made by scripts/python-env.sh); started with any other Python,
it creates the venv if needed and re-executes itself there.
"""

from __future__ import annotations

import os
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
VENV = ROOT / ".venv"


def _ensure_venv() -> None:
    """Re-exec under <repo>/.venv/bin/python, creating the venv first when needed."""
    if Path(sys.prefix).resolve() == VENV.resolve():
        return
    if os.environ.get("PICOLAMBDA_VENV_REEXEC") == "1":
        raise RuntimeError(f"re-exec did not land in {VENV}")
    import subprocess

    subprocess.run(["bash", str(ROOT / "scripts" / "python-env.sh")], check=True)
    env = dict(os.environ, PICOLAMBDA_VENV_REEXEC="1")
    py = str(VENV / "bin" / "python")
    os.execve(py, [py, str(Path(sys.argv[0]).resolve()), *sys.argv[1:]], env)


# Also when imported (by tests/botocore_vectors_selfcheck.py): the importing script is re-executed.
try:
    _ensure_venv()
except Exception as exc:  # noqa: BLE001 - report and fail, never skip
    print(f"{Path(sys.argv[0]).stem}: error: cannot set up the Python venv: {exc}", file=sys.stderr)
    print("0 passed, 1 failed")
    sys.exit(2)

# No AWS_* setting of the environment or of ~/.aws may steer botocore (endpoint URLs, FIPS, ...).
for _k in [k for k in os.environ if k.startswith("AWS_")]:
    del os.environ[_k]
os.environ["AWS_CONFIG_FILE"] = os.devnull
os.environ["AWS_SHARED_CREDENTIALS_FILE"] = os.devnull

import argparse  # noqa: E402
import base64  # noqa: E402
import datetime as dt  # noqa: E402
import hashlib  # noqa: E402
import http.client  # noqa: E402
import json  # noqa: E402
import random  # noqa: E402
import re  # noqa: E402
import subprocess  # noqa: E402
import string  # noqa: E402
from dataclasses import dataclass  # noqa: E402
from typing import Any, Optional  # noqa: E402
from unittest import mock  # noqa: E402
from urllib.parse import urlsplit  # noqa: E402

import botocore  # noqa: E402
import botocore.auth  # noqa: E402
import botocore.session  # noqa: E402
from botocore.awsrequest import AWSRequest, AWSResponse  # noqa: E402
from botocore.config import Config  # noqa: E402
from botocore.credentials import Credentials  # noqa: E402

INPUT_FIELDS = (
    "region",
    "endpoint",
    "use_fips_endpoint",
    "use_dualstack_endpoint",
    "access_key",
    "secret_key",
    "session_token",
    "amz_date",
    "function_name",
    "qualifier",
    "invocation_type",
    "log_type",
    "client_context",
    "client_context_b64",
    "payload_b64",
)
SIGV4_FMT = "%Y%m%dT%H%M%SZ"

# A custom endpoint together with use_fips_endpoint / use_dualstack_endpoint: botocore (args.py,
# "SDK_ENDPOINT cannot be combined with AWS_USE_FIPS") drops both flags and sends to the custom
# endpoint, while Lambda's endpoint ruleset itself answers "Invalid Configuration: FIPS and custom
# endpoint are not supported" (as SDKs that run the ruleset as written do). "botocore": expect
# botocore's request; "reject": expect an error answer.
CUSTOM_ENDPOINT_WITH_FIPS_OR_DUALSTACK = "botocore"
CLIENT_CONTEXT_MAX = 3583  # encoded bytes (the Invoke API limit)


# --------------------------------------------------------------------------------------------
# botocore's own request for the same inputs
# --------------------------------------------------------------------------------------------

_SESSION: Optional[botocore.session.Session] = None


class BotocoreRejected(Exception):
    """botocore (or the http.client it sends with) refuses these inputs."""


@dataclass
class BotoRequest:
    url: str
    host: str  # the value botocore signs (and the one http.client sends)
    path: str
    query: str
    headers: list  # [(name, value)] as botocore prepared them (no Host)
    body: bytes
    canonical_request: str
    string_to_sign: str
    authorization: str

    def amz_headers(self) -> dict:
        return {n.lower(): v for n, v in self.headers if n.lower().startswith("x-amz-")}


class _Raw:
    """Minimal urllib3-response stand-in: an empty, already-read body."""

    def stream(self, *args, **kwargs):
        return iter([b""])

    def read(self, *args, **kwargs):
        return b""

    def close(self):
        pass


def _text(v: Any) -> str:
    return v.decode("utf-8", "surrogateescape") if isinstance(v, (bytes, bytearray)) else str(v)


def client_context_header(inputs: dict) -> Optional[str]:
    """The X-Amz-Client-Context value botocore sends: it passes ClientContext as given, so raw
    JSON must be base64-encoded by the caller (which is what the CLI does for `client_context`)."""
    if inputs.get("client_context_b64") is not None:
        return inputs["client_context_b64"]
    if inputs.get("client_context") is not None:
        return base64.b64encode(inputs["client_context"].encode("utf-8")).decode("ascii")
    return None


def payload_bytes(inputs: dict) -> Optional[bytes]:
    p = inputs.get("payload_b64")
    return None if p is None else base64.b64decode(p, validate=True)


def botocore_request(inputs: dict) -> BotoRequest:
    """Build, serialize and sign the Invoke with a real botocore lambda client; capture the
    prepared request in `before-send` (returning a response there stops the send)."""
    global _SESSION
    if _SESSION is None:
        _SESSION = botocore.session.get_session()
    try:
        when = dt.datetime.strptime(inputs["amz_date"], SIGV4_FMT)
    except (ValueError, TypeError) as exc:
        raise BotocoreRejected(f"amz_date does not parse: {exc}") from exc
    params: dict = {"FunctionName": inputs["function_name"]}
    if inputs.get("qualifier") is not None:
        params["Qualifier"] = inputs["qualifier"]
    if inputs.get("invocation_type") is not None:
        params["InvocationType"] = inputs["invocation_type"]
    if inputs.get("log_type") is not None:
        params["LogType"] = inputs["log_type"]
    cc = client_context_header(inputs)
    if cc is not None:
        params["ClientContext"] = cc
    payload = payload_bytes(inputs)
    if payload is not None:
        params["Payload"] = payload

    captured: dict = {}

    def before_send(request, **_kw):
        captured["request"] = request
        return AWSResponse(request.url, 200, {}, _Raw())

    orig_cr = botocore.auth.SigV4Auth.canonical_request
    orig_sts = botocore.auth.SigV4Auth.string_to_sign

    def rec_cr(self, request):
        captured["canonical_request"] = orig_cr(self, request)
        return captured["canonical_request"]

    def rec_sts(self, request, canonical_request):
        captured["string_to_sign"] = orig_sts(self, request, canonical_request)
        return captured["string_to_sign"]

    try:
        cfg = Config(
            use_fips_endpoint=bool(inputs.get("use_fips_endpoint")),
            use_dualstack_endpoint=bool(inputs.get("use_dualstack_endpoint")),
            retries={"total_max_attempts": 1},
        )
        client = _SESSION.create_client(
            "lambda",
            region_name=inputs["region"],
            endpoint_url=inputs.get("endpoint"),
            aws_access_key_id=inputs["access_key"],
            aws_secret_access_key=inputs["secret_key"],
            aws_session_token=inputs.get("session_token"),
            config=cfg,
        )
        client.meta.events.register("before-send.lambda.Invoke", before_send)
        with mock.patch.object(botocore.auth, "get_current_datetime", return_value=when), \
                mock.patch.object(botocore.auth.SigV4Auth, "canonical_request", rec_cr), \
                mock.patch.object(botocore.auth.SigV4Auth, "string_to_sign", rec_sts):
            client.invoke(**params)
    except Exception as exc:  # noqa: BLE001 - any refusal by botocore is a verdict
        raise BotocoreRejected(f"{type(exc).__name__}: {exc}".replace("\n", " ")) from exc
    if "request" not in captured:
        raise RuntimeError("botocore did not reach before-send")

    req = captured["request"]
    url = req.url
    parts = urlsplit(url)
    headers = [(_text(k), _text(v)) for k, v in req.headers.items()]
    body = req.body or b""
    if hasattr(body, "read"):
        body = body.read()
    if isinstance(body, str):
        body = body.encode("utf-8")
    host = botocore.auth._host_from_url(url)

    # What http.client would refuse at send time (botocore itself does not look at these).
    if http.client._contains_disallowed_url_pchar_re.search(parts.path + "?" + parts.query):
        raise BotocoreRejected("http.client refuses a control character in the URL")
    for name, value in headers + [("Host", host)]:
        if http.client._is_illegal_header_value(value.encode("latin-1", "replace")):
            raise BotocoreRejected(f"http.client refuses the {name} header value")

    return BotoRequest(
        url=url,
        host=host,
        path=parts.path,
        query=parts.query,
        headers=headers,
        body=bytes(body),
        canonical_request=captured["canonical_request"],
        string_to_sign=captured["string_to_sign"],
        authorization=dict((k.lower(), v) for k, v in headers)["authorization"],
    )


# --------------------------------------------------------------------------------------------
# Parsing the raw request a signer wrote, and signing it again with botocore
# --------------------------------------------------------------------------------------------

_TOKEN = re.compile(rb"[!#$%&'*+\-.^_`|~0-9A-Za-z]+")
_AUTH = re.compile(
    r"AWS4-HMAC-SHA256 Credential=(?P<ak>[^/, ]+)/(?P<date>\d{8})/(?P<region>[^/, ]+)/"
    r"(?P<service>[^/, ]+)/aws4_request, SignedHeaders=(?P<signed>[a-z0-9\-;]+), "
    r"Signature=(?P<sig>[0-9a-f]{64})"
)


class ParseError(Exception):
    pass


@dataclass
class RawRequest:
    method: str
    target: str
    path: str
    query: str
    headers: list  # [(name, value)] in wire order
    body: bytes

    def get(self, name: str) -> list:
        return [v for n, v in self.headers if n.lower() == name.lower()]

    def one(self, name: str) -> str:
        vals = self.get(name)
        if len(vals) != 1:
            raise ParseError(f"expected exactly one {name} header, found {len(vals)}")
        return vals[0]


def parse_raw_request(raw: bytes) -> RawRequest:
    """Strict HTTP/1.1 request parse: CRLF line ends, `Name: value` headers, body by Content-Length."""
    end = raw.find(b"\r\n\r\n")
    if end < 0:
        raise ParseError("no CRLF CRLF ending the head")
    head, body = raw[:end], raw[end + 4:]
    lines = head.split(b"\r\n")
    m = re.fullmatch(rb"([A-Z]+) (\S+) HTTP/1\.1", lines[0])
    if not m:
        raise ParseError(f"bad request line {lines[0][:200]!r}")
    method, target = m.group(1).decode(), m.group(2).decode("latin-1")
    headers = []
    for line in lines[1:]:
        if b"\n" in line or b"\r" in line:
            raise ParseError(f"bare CR or LF in header line {line[:200]!r}")
        name, sep, value = line.partition(b":")
        if not sep or not _TOKEN.fullmatch(name):
            raise ParseError(f"bad header line {line[:200]!r}")
        if any(c < 0x20 and c != 0x09 or c == 0x7F for c in value):
            raise ParseError(f"control byte in header {name.decode()!r}")
        headers.append((name.decode(), value.strip(b" \t").decode("utf-8", "surrogateescape")))
    names = [n.lower() for n, _ in headers]
    dups = sorted({n for n in names if names.count(n) > 1})
    if dups:
        raise ParseError(f"duplicate headers {dups}")
    if "transfer-encoding" in names:
        raise ParseError("Transfer-Encoding sent (body must be framed by Content-Length)")
    cl = [v for n, v in headers if n.lower() == "content-length"]
    if len(cl) != 1 or not re.fullmatch(r"0|[1-9][0-9]*", cl[0]):
        raise ParseError(f"need one decimal Content-Length, got {cl}")
    if int(cl[0]) != len(body):
        raise ParseError(f"Content-Length {cl[0]} but {len(body)} body bytes follow the head")
    if not target.startswith("/"):
        raise ParseError(f"request target is not origin-form: {target[:200]!r}")
    path, _, query = target.partition("?")
    return RawRequest(method, target, path, query, headers, body)


@dataclass
class Resigned:
    access_key: str
    date: str
    region: str
    service: str
    signed_headers: list
    claimed_signature: str
    canonical_request: str
    string_to_sign: str
    signature: str
    botocore_signed_headers: str


def resign_with_botocore(req: RawRequest, scheme: str, inputs: dict) -> Resigned:
    """Rebuild an AWSRequest from the headers named in SignedHeaders and sign it with
    botocore.auth.SigV4Auth at the request's own X-Amz-Date."""
    m = _AUTH.fullmatch(req.one("Authorization"))
    if not m:
        raise ParseError(f"Authorization does not parse: {req.one('Authorization')[:300]!r}")
    signed = m.group("signed").split(";")
    amz_date = req.one("X-Amz-Date")
    headers = {}
    for name in signed:
        vals = req.get(name)
        if len(vals) != 1:
            raise ParseError(f"signed header {name!r} sent {len(vals)} times")
        headers[name] = vals[0]
    host = req.one("Host")
    aws_req = AWSRequest(
        method=req.method, url=f"{scheme}://{host}{req.target}", headers=headers, data=req.body
    )
    aws_req.context["timestamp"] = amz_date
    creds = Credentials(inputs["access_key"], inputs["secret_key"], inputs.get("session_token"))
    signer = botocore.auth.SigV4Auth(creds, "lambda", inputs["region"])
    creq = signer.canonical_request(aws_req)
    sts = signer.string_to_sign(aws_req, creq)
    sig = signer.signature(sts, aws_req)
    return Resigned(
        access_key=m.group("ak"),
        date=m.group("date"),
        region=m.group("region"),
        service=m.group("service"),
        signed_headers=signed,
        claimed_signature=m.group("sig"),
        canonical_request=creq,
        string_to_sign=sts,
        signature=sig,
        botocore_signed_headers=signer.signed_headers(signer.headers_to_sign(aws_req)),
    )


# --------------------------------------------------------------------------------------------
# Verifying one answer
# --------------------------------------------------------------------------------------------


@dataclass
class Problem:
    field: str
    ours: Any
    botocore: Any
    note: str = ""

    def render(self, limit: int = 400) -> str:
        def short(v):
            s = repr(v)
            return s if len(s) <= limit else s[:limit] + f"...<{len(s)} chars>"

        extra = f" ({self.note})" if self.note else ""
        diff = ""
        if isinstance(self.ours, str) and isinstance(self.botocore, str) and "\n" in self.ours:
            a, b = self.ours.split("\n"), self.botocore.split("\n")
            for i in range(max(len(a), len(b))):
                la = a[i] if i < len(a) else "<missing>"
                lb = b[i] if i < len(b) else "<missing>"
                if la != lb:
                    diff = f"\n        first differing line {i + 1}: ours {short(la)} / botocore {short(lb)}"
                    break
        return (f"{self.field}{extra}:\n        ours:     {short(self.ours)}\n"
                f"        expected: {short(self.botocore)}{diff}")


def verify_signed(inputs: dict, answer: dict, boto: Optional[BotoRequest] = None) -> list:
    """All checks for a valid case. Returns a list of Problems (empty: the request is right)."""
    problems: list = []

    def check(name, ours, theirs, note=""):
        if ours != theirs:
            problems.append(Problem(name, ours, theirs, note))

    if "error" in answer:
        return [Problem("answer", answer, "a signed request", "valid input was rejected")]
    for key in ("request", "canonical_request", "string_to_sign"):
        if not isinstance(answer.get(key), str):
            return [Problem("answer", answer, f"a string field {key!r}", "malformed answer line")]
    try:
        raw = base64.b64decode(answer["request"], validate=True)
    except ValueError as exc:
        return [Problem("request", answer["request"][:200], "base64", f"not base64: {exc}")]
    if boto is None:
        boto = botocore_request(inputs)
    try:
        req = parse_raw_request(raw)
    except ParseError as exc:
        return [Problem("raw request", raw[:2000], "a parseable HTTP/1.1 request", str(exc))]

    # Against botocore's own request for the same inputs.
    check("method", req.method, "POST")
    check("path", req.path, boto.path)
    check("query", req.query, boto.query)
    try:
        check("Host", req.one("Host"), boto.host)
    except ParseError as exc:
        problems.append(Problem("Host", req.get("Host"), boto.host, str(exc)))
    ours_amz = {n.lower(): v for n, v in req.headers if n.lower().startswith("x-amz-")}
    boto_amz = boto.amz_headers()
    for name in sorted(set(ours_amz) | set(boto_amz)):
        check(f"header {name}", ours_amz.get(name, "<not sent>"), boto_amz.get(name, "<not sent>"))
    expected_payload = payload_bytes(inputs) or b""
    check("body", req.body, boto.body)
    if req.body != expected_payload:
        problems.append(Problem("body vs input payload", req.body[:200], expected_payload[:200],
                                f"{len(req.body)} vs {len(expected_payload)} bytes"))
    check("canonical_request (CLI answer)", answer["canonical_request"], boto.canonical_request)
    check("string_to_sign (CLI answer)", answer["string_to_sign"], boto.string_to_sign)
    auth = req.get("Authorization")
    check("Authorization", auth[0] if len(auth) == 1 else auth, boto.authorization)

    # botocore reading the raw request and signing it again.
    scheme = urlsplit(boto.url).scheme
    try:
        rs = resign_with_botocore(req, scheme, inputs)
    except (ParseError, KeyError, ValueError) as exc:
        problems.append(Problem("re-sign", raw[:2000], "a request botocore can sign", str(exc)))
        return problems
    check("credential access key", rs.access_key, inputs["access_key"])
    check("credential date", rs.date, inputs["amz_date"][:8])
    check("credential region", rs.region, inputs["region"])
    check("credential service", rs.service, "lambda")
    check("SignedHeaders", ";".join(rs.signed_headers), rs.botocore_signed_headers,
          "botocore's list for the rebuilt request")
    sent = sorted({n.lower() for n, _ in req.headers
                   if n.lower() == "host" or n.lower().startswith("x-amz-")})
    check("SignedHeaders vs host + x-amz-* sent", ";".join(rs.signed_headers), ";".join(sent))
    check("canonical_request (botocore re-sign of raw)", answer["canonical_request"],
          rs.canonical_request)
    check("string_to_sign (botocore re-sign of raw)", answer["string_to_sign"], rs.string_to_sign)
    check("signature", rs.claimed_signature, rs.signature,
          "Authorization's Signature vs botocore signing the raw request")
    return problems


# --------------------------------------------------------------------------------------------
# Random inputs
# --------------------------------------------------------------------------------------------

REGIONS = {
    "aws": ["us-east-1", "us-east-2", "us-west-1", "us-west-2", "eu-west-1", "eu-west-2",
            "eu-central-1", "eu-north-1", "eu-south-1", "ap-southeast-1", "ap-southeast-2",
            "ap-northeast-1", "ap-south-1", "sa-east-1", "ca-central-1", "me-central-1",
            "il-central-1", "af-south-1"],
    "aws-cn": ["cn-north-1", "cn-northwest-1"],
    "aws-us-gov": ["us-gov-west-1", "us-gov-east-1"],
}
PARTITION_WEIGHTS = [("aws", 6), ("aws-cn", 2), ("aws-us-gov", 2)]
ENDPOINTS = ["http://127.0.0.1:4566", "http://localhost:9001", "https://example.internal:8443",
             "http://localhost:4566", "http://127.0.0.1:9001", "http://[::1]:4566"]
# Default ports: Host must then be written without the port (as botocore signs it).
# (and a trailing slash, which botocore drops).
ENDPOINTS_DEFAULT_PORT = ["http://127.0.0.1:80", "https://example.internal:443", "http://localhost",
                          "https://example.internal", "http://[::1]", "http://localhost:9001/"]
NAME_CHARS = string.ascii_letters + string.digits + "-_"
ALIAS_CHARS = NAME_CHARS
TRICKY_NAMES = ["function", "arn", "aws", "lambda", "-", "_", "123456789012", "LATEST", "a"]
FN_FORMS = ["plain", "name:alias", "name:version", "name:$LATEST", "arn", "arn:alias", "arn:version",
            "partial", "partial:alias", "partial:version", "function:name"]
FN_FORMS_UNQUALIFIED = {"plain", "arn", "partial", "function:name"}  # may take a Qualifier


def _rand_str(rng: random.Random, chars: str, lo: int, hi: int) -> str:
    return "".join(rng.choice(chars) for _ in range(rng.randint(lo, hi)))


def _rand_name(rng: random.Random) -> str:
    r = rng.random()
    if r < 0.05:
        return rng.choice(TRICKY_NAMES)
    if r < 0.20:
        return _rand_str(rng, NAME_CHARS, 64, 64)
    words = ["orders", "billing", "auth", "ingest", "image", "resize", "notify", "etl", "api",
             "sync", "worker", "test", "prod", "v2", "handler", "process", "my", "function"]
    if r < 0.55:
        name = rng.choice(words)
        for _ in range(rng.randint(0, 3)):
            name += rng.choice("-_") + rng.choice(words + [w.upper() for w in words])
        return name[:64]
    return _rand_str(rng, NAME_CHARS, 1, 64)


def _rand_alias(rng: random.Random, max_len: int = 128) -> str:
    r = rng.random()
    if r < 0.15:
        return _rand_str(rng, ALIAS_CHARS, max_len, max_len)
    return _rand_str(rng, ALIAS_CHARS, 1, min(max_len, rng.choice([4, 16, 40, 128])))


def _rand_version(rng: random.Random) -> str:
    return str(rng.choice([1, 2, 3, 7, 12, 42, 100, 1234, rng.randint(1, 10**9)]))


def _rand_function_name(rng: random.Random, form: str, region: str, partition: str) -> str:
    name = _rand_name(rng)
    account = "".join(rng.choice(string.digits) for _ in range(12))
    base = {
        "plain": name,
        "arn": f"arn:{partition}:lambda:{region}:{account}:function:{name}",
        "partial": f"{account}:function:{name}",
        "function:name": f"function:{name}",
    }
    stem, _, suffix = form.partition(":")
    if form in base:
        return base[form]
    prefix = base["plain" if stem == "name" else stem]
    room = 256 - len(prefix) - 1
    if suffix == "alias":
        max_alias = min(128, room)
        if prefix == "function":
            # `function:X` reads as the keyword `function:` and the name X (a regex engine tries
            # the optional group first, and so does the core): X must fit a name, 64 at most.
            max_alias = 64
        return f"{prefix}:{_rand_alias(rng, max_alias)}"
    if suffix == "version":
        return f"{prefix}:{_rand_version(rng)}"
    if suffix == "$LATEST":
        return f"{prefix}:{rng.choice(['$LATEST', '$LATEST', '$LATEST.PUBLISHED'])}"
    raise AssertionError(form)


def _rand_qualifier(rng: random.Random) -> str:
    r = rng.random()
    if r < 0.25:
        return "$LATEST"
    if r < 0.35:
        return "$LATEST.PUBLISHED"
    if r < 0.60:
        return _rand_version(rng)
    if r < 0.70:  # the model's pattern also allows '$' inside an alias-form qualifier
        return _rand_str(rng, ALIAS_CHARS + "$", 1, 20)
    return _rand_alias(rng)


def _rand_json(rng: random.Random, approx: int) -> str:
    texts = ["hello", "Ωμέγα", "العربية", "ß ẞ ﬁ", "tab\there", "quote\"d", "back\\slash",
             "emoji 🎉", "line\nbreak", "<tag>&amp;", "ünïcödé", "0"]
    obj: dict = {"id": rng.randint(0, 10**6), "message": rng.choice(texts)}
    size = len(json.dumps(obj, ensure_ascii=False).encode())
    while size < approx:
        key = _rand_str(rng, string.ascii_lowercase, 3, 10)
        value = rng.choice([rng.choice(texts), rng.randint(-10**9, 10**9), rng.random(), None, True,
                            [rng.randint(0, 9) for _ in range(rng.randint(0, 8))]])
        if key not in obj:
            size += len(json.dumps({key: value}, ensure_ascii=False).encode())  # about right
        obj[key] = value
    text = json.dumps(obj, ensure_ascii=rng.random() < 0.3, indent=rng.choice([None, None, 2]))
    return text


def _rand_payload(rng: random.Random) -> Optional[bytes]:
    r = rng.random()
    if r < 0.12:
        return None
    if r < 0.20:
        return b""
    if r < 0.50:
        return _rand_json(rng, rng.randint(2, 300)).encode()
    if r < 0.62:  # sizes around SHA-256 block boundaries
        n = rng.choice([1, 55, 56, 63, 64, 65, 119, 120, 127, 128, 129, 1023, 1024, 1025, 4096])
        return bytes(rng.getrandbits(8) for _ in range(n))
    if r < 0.75:
        return bytes(rng.getrandbits(8) for _ in range(rng.randint(1, 2048)))
    if r < 0.85:
        n = rng.choice([65536, 65535, rng.randint(2049, 65536)])
        return rng.randbytes(n)
    return _rand_json(rng, rng.randint(1000, 65000)).encode()[:65536]


def _rand_client_context(rng: random.Random) -> tuple:
    """(client_context, client_context_b64): absent, raw only, encoded only, or both."""
    r = rng.random()
    if r < 0.55:
        return None, None
    ctx = {
        "client": {"installation_id": f"{rng.getrandbits(128):032x}", "app_title": "Orders",
                   "app_version_name": "7.18.24", "app_package_name": "com.example.app"},
        "custom": {"k": rng.choice(["v", "Ωμέγα", "tab\there", "cr\r\nlf", "🎉"])},
        "env": {"platform": "Android", "locale": "en_US"},
    }
    if rng.random() < 0.2:  # near the 3,583-byte encoded limit (raw <= 2685 encodes to <= 3580)
        target = rng.choice([2685, 2684, 2683, 2600])
        text = json.dumps(ctx, ensure_ascii=False)
        pad = target - len(text.encode()) - len(', "pad": ""')
        ctx["pad"] = "x" * max(pad, 0)
    text = json.dumps(ctx, ensure_ascii=rng.random() < 0.5, indent=rng.choice([None, 2]))
    enc = base64.b64encode(text.encode()).decode()
    if len(enc) > CLIENT_CONTEXT_MAX:
        text = json.dumps({"custom": {"k": "v"}})
        enc = base64.b64encode(text.encode()).decode()
    r = rng.random()
    if r < 0.4:
        return text, None
    if r < 0.7:
        return None, enc
    return text, enc


def _rand_date(rng: random.Random) -> str:
    r = rng.random()
    if r < 0.08:
        return rng.choice(["19700101T000000Z", "20991231T235959Z", "20000229T120000Z",
                           "20150830T123600Z", "20240229T235959Z", "19991231T235959Z"])
    lo = int(dt.datetime(1970, 1, 1, tzinfo=dt.timezone.utc).timestamp())
    hi = int(dt.datetime(2099, 12, 31, 23, 59, 59, tzinfo=dt.timezone.utc).timestamp())
    return dt.datetime.fromtimestamp(rng.randint(lo, hi), dt.timezone.utc).strftime(SIGV4_FMT)


def _rand_credentials(rng: random.Random) -> tuple:
    upper = string.ascii_uppercase + string.digits
    b64 = string.ascii_letters + string.digits + "+/"
    temp = rng.random() < 0.45
    ak = ("ASIA" if temp else "AKIA") + "".join(rng.choice(upper) for _ in range(16))
    if rng.random() < 0.1:
        ak = "AKIDEXAMPLE"
    sk = "".join(rng.choice(b64) for _ in range(40))
    token = None
    if temp:
        token = "".join(rng.choice(b64) for _ in range(rng.choice([16, 356, 600, 1000]))) + "=="
    return ak, sk, token


def valid_case(rng: random.Random, form: str) -> dict:
    partition = rng.choices([p for p, _ in PARTITION_WEIGHTS], [w for _, w in PARTITION_WEIGHTS])[0]
    region = rng.choice(REGIONS[partition])
    r = rng.random()
    endpoint = None
    if r < 0.15:
        endpoint = rng.choice(ENDPOINTS)
    elif r < 0.20:
        endpoint = rng.choice(ENDPOINTS_DEFAULT_PORT)
    ak, sk, token = _rand_credentials(rng)
    fn = _rand_function_name(rng, form, region, partition)
    qualifier = None
    if form in FN_FORMS_UNQUALIFIED and rng.random() < 0.4:
        qualifier = _rand_qualifier(rng)
    cc, cc_b64 = _rand_client_context(rng)
    payload = _rand_payload(rng)
    return {
        "region": region,
        "endpoint": endpoint,
        "use_fips_endpoint": rng.random() < 0.25,
        "use_dualstack_endpoint": rng.random() < 0.25,
        "access_key": ak,
        "secret_key": sk,
        "session_token": token,
        "amz_date": _rand_date(rng),
        "function_name": fn,
        "qualifier": qualifier,
        "invocation_type": rng.choice([None, "RequestResponse", "Event", "DryRun"]),
        "log_type": rng.choice([None, "None", "Tail"]),
        "client_context": cc,
        "client_context_b64": cc_b64,
        "payload_b64": None if payload is None else base64.b64encode(payload).decode(),
    }


# Invalid inputs: (category, botocore_validates, mutate). botocore_validates is True where botocore
# (or http.client, which would refuse to send it) rejects the same input, False where only the
# service would, None where the harness cannot ask botocore (an unparseable date).
def _inv_name_65(rng, c):
    c["function_name"] = _rand_str(rng, NAME_CHARS, 65, 65)
    c["qualifier"] = None


def _inv_arn_name_65(rng, c):
    c["function_name"] = f"arn:aws:lambda:{c['region']}:123456789012:function:" + "n" * 65


def _inv_name_bad_char(rng, c):
    bad = rng.choice([" ", "/", "%", "?", "#", "é", "@", "!", "*", "+", "=", "&", "\\", "\t", "\"",
                      "{", "<"])
    name = _rand_str(rng, NAME_CHARS, 1, 30)
    i = rng.randint(0, len(name))
    c["function_name"] = name[:i] + bad + name[i:]
    c["qualifier"] = None


def _inv_name_empty(rng, c):
    c["function_name"] = ""
    c["qualifier"] = None


def _inv_name_crlf(rng, c):
    c["function_name"] = "my-function" + rng.choice(["\r\nX-Evil: 1", "\n", "\r", "\x00"])
    c["qualifier"] = None


def _inv_partial_name_65(rng, c):
    c["function_name"] = "123456789012:function:" + _rand_str(rng, NAME_CHARS, 65, 65)
    c["qualifier"] = None


def _inv_function_prefix_name_65(rng, c):
    c["function_name"] = "function:" + _rand_str(rng, NAME_CHARS, 65, 65)
    c["qualifier"] = None


def _inv_name_too_long(rng, c):  # whole value over 256 characters
    prefix = f"arn:aws:lambda:{c['region']}:123456789012:function:{'f' * 64}:"
    c["function_name"] = prefix + "a" * (257 - len(prefix) + rng.randint(0, 20))
    c["qualifier"] = None


def _inv_qualifier_crlf(rng, c):
    c["qualifier"] = "prod" + rng.choice(["\r\nX-Evil: 1", "\n", "\r"])


def _inv_token_crlf(rng, c):
    c["session_token"] = "FwoGZXIvYXdzE" + rng.choice(["\r\nX-Evil: 1", "\nX", "\rX", "\r\n\r\nGET / "])


def _inv_token_ctl(rng, c):
    c["session_token"] = "FwoGZXIvYXdzE" + rng.choice(["\x00", "\x1b[0m", "\x7f"]) + "x"


def _inv_cc_b64_crlf(rng, c):
    c["client_context"] = None
    c["client_context_b64"] = "eyJhIjoxfQ==" + rng.choice(["\r\nX-Evil: 1", "\nX", "\rX"])


def _inv_access_key_crlf(rng, c):
    c["access_key"] = "AKIA" + rng.choice(["\r\nX-Evil: 1", "\nX"]) + "EXAMPLE"


def _inv_cc_raw_too_big(rng, c):
    n = rng.choice([2686, 2687, 2700, 4000])  # 2686 raw bytes encode to 3584 > 3583
    c["client_context"] = json.dumps({"pad": "x" * (n - len('{"pad": ""}'))})
    c["client_context_b64"] = None


def _inv_cc_b64_too_big(rng, c):
    c["client_context"] = None
    raw = json.dumps({"pad": "y" * (rng.choice([2686, 3000]) - len('{"pad": ""}'))})
    c["client_context_b64"] = base64.b64encode(raw.encode()).decode()


def _inv_qualifier_bad(rng, c):
    c["qualifier"] = rng.choice(["a/b", "a b", "é", "v.1", "$LATEST.FOO", "a%2F", "q?x=1", "a#b",
                                 "a" * 129])
    if ":" in c["function_name"].split("function:")[-1]:
        c["function_name"] = "plainname"


def _inv_qualifier_empty(rng, c):
    c["qualifier"] = ""
    c["function_name"] = "plainname"


def _inv_region_bad(rng, c):
    c["region"] = rng.choice(["us_east_1", "us-east-1.evil.com", "us east 1", "-us-east-1",
                              "us-east-1\r\n", "us-east-1/", "a" * 64, "us-east-1:", ""])
    c["endpoint"] = None
    if c["function_name"].startswith("arn:"):
        c["function_name"] = "plainname"


def _inv_date_bad(rng, c):
    c["amz_date"] = rng.choice(["20151330T123600Z", "20150830T246000Z", "2015083T123600Z",
                                "20150830 123600Z", "20230229T000000Z", "20150830T123600",
                                "20150830T12:36:00Z"])


INVALID = [
    ("name-65-chars", False, _inv_name_65),
    ("arn-name-65-chars", False, _inv_arn_name_65),
    ("partial-arn-name-65-chars", False, _inv_partial_name_65),
    ("function-prefix-name-65-chars", False, _inv_function_prefix_name_65),
    ("name-bad-char", False, _inv_name_bad_char),
    ("name-empty", True, _inv_name_empty),
    ("name-crlf-or-nul", False, _inv_name_crlf),
    ("name-over-256", False, _inv_name_too_long),
    ("qualifier-crlf", False, _inv_qualifier_crlf),
    ("session-token-crlf", True, _inv_token_crlf),
    ("session-token-control", False, _inv_token_ctl),
    ("client-context-b64-crlf", True, _inv_cc_b64_crlf),
    ("access-key-crlf", True, _inv_access_key_crlf),
    ("client-context-raw-over-3583", False, _inv_cc_raw_too_big),
    ("client-context-b64-over-3583", False, _inv_cc_b64_too_big),
    ("qualifier-bad", False, _inv_qualifier_bad),
    ("qualifier-empty", True, _inv_qualifier_empty),
    ("region-bad", True, _inv_region_bad),
    ("amz-date-bad", None, _inv_date_bad),
]


# Inputs the model's pattern allows but Lambda itself does not (its names are [a-zA-Z0-9-_]): the
# answer may be an error, or else a request botocore agrees with in every check. "." and ".." are
# dot segments: botocore's canonical URI removes them (RFC 3986 5.2.4) while the path keeps them.
def _either_dot_segment(rng, c):
    c["function_name"] = rng.choice([".", ".."])
    c["qualifier"] = rng.choice([None, "$LATEST", "7"])


def _either_dotted_name(rng, c):
    name = rng.choice(["a.b", "v1.2.3", "my.function", "...", ".hidden", "trailing."])
    c["function_name"] = rng.choice([name, f"{name}:prod", f"123456789012:function:{name}",
                                     f"arn:aws:lambda:us-east-1:123456789012:function:{name}:3"])
    c["region"] = "us-east-1"
    c["qualifier"] = None


EITHER = [
    ("dot-segment-name", _either_dot_segment),
    ("dotted-name", _either_dotted_name),
]


@dataclass
class Case:
    index: int
    kind: str  # "valid:<form>", "invalid:<category>" or "either:<category>"
    inputs: dict
    botocore_validates: Optional[bool] = None


def generate(n: int, seed: int) -> list:
    rng = random.Random(seed)
    cases = []
    n_valid = n_invalid = n_either = 0
    for i in range(n):
        if i % 50 == 24:
            cat, mutate = EITHER[n_either % len(EITHER)]
            n_either += 1
            inputs = valid_case(rng, "plain")
            mutate(rng, inputs)
            cases.append(Case(i, f"either:{cat}", inputs))
        elif i % 10 == 9:
            cat, validates, mutate = INVALID[n_invalid % len(INVALID)]
            n_invalid += 1
            inputs = valid_case(rng, rng.choice(FN_FORMS))
            mutate(rng, inputs)
            cases.append(Case(i, f"invalid:{cat}", inputs, validates))
        else:
            form = FN_FORMS[n_valid % len(FN_FORMS)]
            n_valid += 1
            cases.append(Case(i, f"valid:{form}", valid_case(rng, form)))
    for c in cases:
        assert tuple(c.inputs) == INPUT_FIELDS, c.inputs.keys()
    return cases


# --------------------------------------------------------------------------------------------
# Running the CLI
# --------------------------------------------------------------------------------------------


def _cli_env() -> dict:
    env = {k: v for k, v in os.environ.items() if not k.startswith("AWS_")}
    env.pop("PICOLAMBDA_VENV_REEXEC", None)
    return env


def run_cli(binary: Path, cases: list, timeout: float = 600) -> list:
    """One `sign --jsonl` run over all cases; returns one answer (dict, or a failure str) per case.
    If the output stops early (a crash), the remaining cases are run one process each, so a crash is
    pinned to its case."""
    lines = "".join(json.dumps(c.inputs, ensure_ascii=False) + "\n" for c in cases)

    def run(text: str):
        p = subprocess.run([str(binary), "sign", "--jsonl"], input=text.encode("utf-8"),
                           capture_output=True, timeout=timeout, env=_cli_env())
        out = p.stdout.decode("utf-8", "replace").splitlines()
        return p.returncode, out, p.stderr.decode("utf-8", "replace")

    rc, out, err = run(lines)
    answers: list = []
    for line in out[: len(cases)]:
        try:
            answers.append(json.loads(line))
        except json.JSONDecodeError as exc:
            answers.append(f"answer line is not JSON ({exc}): {line[:300]!r}")
    if len(out) > len(cases):
        print(f"botocore_diff: warning: {len(out) - len(cases)} extra output lines", file=sys.stderr)
    if len(answers) < len(cases):
        print(f"botocore_diff: CLI answered {len(answers)} of {len(cases)} cases (exit {rc}); "
              f"stderr: {err.strip()[-500:]!r}; running the rest one by one", file=sys.stderr)
        for c in cases[len(answers):]:
            rc1, out1, err1 = run(json.dumps(c.inputs, ensure_ascii=False) + "\n")
            if out1:
                try:
                    answers.append(json.loads(out1[0]))
                except json.JSONDecodeError as exc:
                    answers.append(f"answer line is not JSON ({exc}): {out1[0][:300]!r}")
            else:
                answers.append(f"no answer (exit {rc1}); stderr: {err1.strip()[-500:]!r}")
    elif rc != 0:
        print(f"botocore_diff: warning: CLI exited {rc} after answering every case; "
              f"stderr: {err.strip()[-500:]!r}", file=sys.stderr)
    return answers


# --------------------------------------------------------------------------------------------
# Checking one case
# --------------------------------------------------------------------------------------------


def check_case(case: Case, answer: Any) -> list:
    if not isinstance(answer, dict):
        return [Problem("answer", answer, "one JSON object", "CLI gave no usable answer")]
    inp = case.inputs
    ruleset_error = inp["endpoint"] is not None and (
        inp["use_fips_endpoint"] or inp["use_dualstack_endpoint"])
    if case.kind.startswith("either:") and "error" in answer:
        return []
    if case.kind.startswith(("valid:", "either:")) and not (
            ruleset_error and CUSTOM_ENDPOINT_WITH_FIPS_OR_DUALSTACK == "reject"):
        try:
            boto = botocore_request(case.inputs)
        except BotocoreRejected as exc:
            return [Problem("harness", "valid input", str(exc),
                            "botocore refuses an input the generator thinks valid")]
        return verify_signed(case.inputs, answer, boto)
    # invalid
    problems = []
    try:
        botocore_request(case.inputs)
        boto_verdict = None
    except BotocoreRejected as exc:
        boto_verdict = str(exc)
    if case.botocore_validates is True and boto_verdict is None:
        problems.append(Problem("harness", "invalid input", "accepted by botocore",
                                "generator expected botocore to reject this"))
    err = answer.get("error")
    if not (isinstance(err, dict) and isinstance(err.get("kind"), str)
            and isinstance(err.get("message"), str)):
        shown: Any = answer
        if "request" in answer:
            try:
                shown = base64.b64decode(answer["request"])[:600]
            except ValueError:
                pass
        problems.append(Problem("answer", shown, {"error": {"kind": "...", "message": "..."}},
                                "invalid input was signed instead of rejected"
                                + (f"; botocore: {boto_verdict}" if boto_verdict else
                                   "; botocore would send it (only the service rejects it)")))
    return problems


def _short_inputs(inputs: dict) -> dict:
    out = dict(inputs)
    p = out.get("payload_b64")
    if p and len(p) > 120:
        raw = base64.b64decode(p)
        out["payload_b64"] = (f"<{len(raw)} bytes, sha256 {hashlib.sha256(raw).hexdigest()}: "
                              f"{p[:40]}...>")
    for k in ("client_context", "client_context_b64", "session_token"):
        v = out.get(k)
        if isinstance(v, str) and len(v) > 160:
            out[k] = v[:80] + f"...<{len(v)} chars>"
    return out


def main(argv=None) -> int:
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("--bin", default=str(ROOT / "target" / "debug" / "picolambda"),
                    help="picolambda binary (default: target/debug/picolambda)")
    ap.add_argument("--cases", type=int, default=300, help="number of cases (default 300)")
    ap.add_argument("--seed", type=int, default=20150830, help="generator seed (default 20150830)")
    ap.add_argument("--only", default=None, help="comma-separated case indexes to run")
    ap.add_argument("--dump-inputs", default=None, metavar="PATH",
                    help="also write the generated input lines to PATH")
    ap.add_argument("--verbose", action="store_true", help="one line per case")
    args = ap.parse_args(argv)

    binary = Path(args.bin)
    if not binary.is_absolute():
        binary = ROOT / binary
    cases = generate(args.cases, args.seed)
    if args.only:
        wanted = {int(x) for x in args.only.split(",")}
        cases = [c for c in cases if c.index in wanted]
    if args.dump_inputs:
        with open(args.dump_inputs, "w", encoding="utf-8") as f:
            for c in cases:
                f.write(json.dumps(c.inputs, ensure_ascii=False) + "\n")
    if not (binary.is_file() and os.access(binary, os.X_OK)):
        print(f"botocore_diff: error: binary not found or not executable: {binary} "
              f"(build it: cargo build -p picolambda-cli)", file=sys.stderr)
        print(f"0 passed, {len(cases)} failed")
        return 2

    print(f"botocore_diff: botocore {botocore.__version__}, {len(cases)} cases "
          f"(seed {args.seed}), binary {binary}", flush=True)
    answers = run_cli(binary, cases)

    fail_dir = ROOT / "target" / "botocore_diff"
    failures = []
    passed = failed = 0
    step = max(1, len(cases) // 5)
    for k, (case, answer) in enumerate(zip(cases, answers), 1):
        try:
            problems = check_case(case, answer)
        except Exception as exc:  # noqa: BLE001 - a harness crash is a failure, not a skip
            problems = [Problem("harness", "", "", f"exception: {type(exc).__name__}: {exc}")]
        if problems:
            failed += 1
            failures.append((case, answer, problems))
            print(f"FAIL case {case.index} [{case.kind}]")
            print("    input: " + json.dumps(_short_inputs(case.inputs), ensure_ascii=False))
            for p in problems:
                print("    - " + p.render())
        else:
            passed += 1
            if args.verbose:
                verdict = (answer.get("error", {}).get("kind", "error")
                           if "error" in answer else "signed, botocore agrees")
                print(f"ok   case {case.index} [{case.kind}]: {verdict}")
        if not args.verbose and k % step == 0 and k != len(cases):
            print(f"... {k}/{len(cases)} checked, {failed} failed so far", flush=True)

    path = fail_dir / "failures.jsonl"
    if not failures and path.exists():
        path.unlink()
    if failures:
        fail_dir.mkdir(parents=True, exist_ok=True)
        with open(path, "w", encoding="utf-8") as f:
            for case, answer, problems in failures:
                f.write(json.dumps({
                    "index": case.index, "kind": case.kind, "inputs": case.inputs,
                    "answer": answer,
                    "problems": [{"field": p.field, "ours": repr(p.ours), "botocore": repr(p.botocore),
                                  "note": p.note} for p in problems],
                }, ensure_ascii=False) + "\n")
        print(f"botocore_diff: failing cases written in full to {path}")
    print(f"{passed} passed, {failed} failed")
    return 1 if failed else 0


if __name__ == "__main__":
    sys.exit(main())
