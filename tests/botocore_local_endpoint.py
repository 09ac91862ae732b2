#!/usr/bin/env python3
"""Invokes a running picolambda local endpoint with boto3/botocore, the reference client.

Starts nothing itself: the caller (adapters/std/tests/local_botocore.rs) starts a LocalLambda
with these functions and passes its URL and credentials:

  echo    returns its payload and logs a line; version 1 published, alias `live` -> 1
  fail    an Unhandled function error {"errorType":"ValueError",...}
  ctx     returns the decoded client context
  log     logs N lines ({"lines": N}) and returns {"logged": N}

Every request here is signed by botocore, so a pass means the endpoint's SigV4 verification
accepts botocore's signatures in every FunctionName form, with qualifiers, log tails, each
invocation type, empty and large payloads, and session tokens; and that botocore parses the
endpoint's answers, errors included, as it parses Lambda's.

Prints one line per check and then `N passed, M failed`; exits 1 if anything failed.

  .venv/bin/python tests/botocore_local_endpoint.py --endpoint http://127.0.0.1:9001 \
      --access-key AK --secret-key SK [--temp-access-key AK2 --temp-secret-key SK2 --session-token T]
"""

import argparse
import base64
import json
import sys

import boto3
from botocore.config import Config
from botocore.exceptions import ClientError


def main():
    p = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    p.add_argument("--endpoint", required=True)
    p.add_argument("--access-key", required=True)
    p.add_argument("--secret-key", required=True)
    p.add_argument("--region", default="us-east-1")
    p.add_argument("--account", default="123456789012")
    p.add_argument("--temp-access-key")
    p.add_argument("--temp-secret-key")
    p.add_argument("--session-token")
    args = p.parse_args()

    # No retries: a rejected request must show up as the rejection, not be retried into a pass.
    config = Config(
        retries={"max_attempts": 1, "mode": "standard"},
        connect_timeout=5,
        read_timeout=60,
    )

    def client(access_key, secret_key, token=None):
        return boto3.session.Session().client(
            "lambda",
            endpoint_url=args.endpoint,
            region_name=args.region,
            aws_access_key_id=access_key,
            aws_secret_access_key=secret_key,
            aws_session_token=token,
            config=config,
        )

    lam = client(args.access_key, args.secret_key)
    results = []

    def check(name, fn):
        try:
            fn()
        except Exception as e:  # a failed check, whatever raised
            results.append((name, False))
            print(f"FAIL {name}: {e!r}")
        else:
            results.append((name, True))
            print(f"ok   {name}")

    def expect(cond, what):
        if not cond:
            raise AssertionError(what)

    def error_code(fn):
        try:
            fn()
        except ClientError as e:
            return e.response["Error"]["Code"], e.response["ResponseMetadata"]["HTTPStatusCode"]
        raise AssertionError("expected a service error")

    arn = f"arn:aws:lambda:{args.region}:{args.account}:function:echo"
    forms = [
        ("echo", "$LATEST"),
        ("echo:$LATEST", "$LATEST"),
        ("echo:live", "1"),
        ("echo:1", "1"),
        (f"{args.account}:function:echo", "$LATEST"),
        (f"{args.account}:function:echo:live", "1"),
        (f"{args.region}:{args.account}:function:echo", "$LATEST"),
        (arn, "$LATEST"),
        (f"{arn}:live", "1"),
        (f"{arn}:1", "1"),
    ]
    for name, version in forms:
        def invoke_form(name=name, version=version):
            payload = json.dumps({"form": name}).encode()
            r = lam.invoke(FunctionName=name, Payload=payload)
            expect(r["StatusCode"] == 200, r["StatusCode"])
            expect(r["ExecutedVersion"] == version, r.get("ExecutedVersion"))
            expect(r["Payload"].read() == payload, "payload not echoed")
            expect("FunctionError" not in r, r.get("FunctionError"))

        check(f"FunctionName={name}", invoke_form)

    for qualifier, version in [("live", "1"), ("1", "1"), ("$LATEST", "$LATEST")]:
        def invoke_qualified(qualifier=qualifier, version=version):
            r = lam.invoke(FunctionName="echo", Qualifier=qualifier, Payload=b"{}")
            expect(r["ExecutedVersion"] == version, r.get("ExecutedVersion"))

        check(f"Qualifier={qualifier}", invoke_qualified)
    check(
        "Qualifier on an ARN",
        lambda: expect(lam.invoke(FunctionName=arn, Qualifier="live")["ExecutedVersion"] == "1", "version"),
    )

    def log_tail():
        r = lam.invoke(FunctionName="log", LogType="Tail", Payload=json.dumps({"lines": 500}).encode())
        expect(json.loads(r["Payload"].read()) == {"logged": 500}, "payload")
        expect(len(r["LogResult"]) == 5464, len(r["LogResult"]))
        log = base64.b64decode(r["LogResult"])
        expect(len(log) == 4096, len(log))
        expect(b"REPORT RequestId: " in log, "no REPORT line")

    check("LogType=Tail (4 KB tail)", log_tail)

    def short_log():
        r = lam.invoke(FunctionName="echo", LogType="Tail", Payload=b"{}")
        log = base64.b64decode(r["LogResult"]).decode()
        expect(log.startswith("START RequestId: "), log)
        expect("echo 2 bytes" in log, log)

    check("LogType=Tail (short)", short_log)

    def event():
        r = lam.invoke(FunctionName="echo", InvocationType="Event", Payload=b'{"async":true}')
        expect(r["StatusCode"] == 202, r["StatusCode"])
        expect(r["Payload"].read() == b"", "Event body not empty")

    check("InvocationType=Event", event)

    def dry_run():
        r = lam.invoke(FunctionName="echo:live", InvocationType="DryRun")
        expect(r["StatusCode"] == 204, r["StatusCode"])

    check("InvocationType=DryRun", dry_run)

    def function_error():
        r = lam.invoke(FunctionName="fail", Payload=b"{}")
        expect(r["StatusCode"] == 200, r["StatusCode"])
        expect(r["FunctionError"] == "Unhandled", r.get("FunctionError"))
        body = json.loads(r["Payload"].read())
        expect(body["errorType"] == "ValueError", body)

    check("function error (Unhandled)", function_error)

    def not_found():
        code, status = error_code(lambda: lam.invoke(FunctionName="does-not-exist", Payload=b"{}"))
        expect((code, status) == ("ResourceNotFoundException", 404), (code, status))
        try:
            lam.invoke(FunctionName="echo:nope")
        except lam.exceptions.ResourceNotFoundException as e:
            msg = e.response["Error"]["Message"]
            expect(msg == f"Function not found: {arn}:nope", msg)
        else:
            raise AssertionError("no error")

    check("unknown function and qualifier -> ResourceNotFoundException", not_found)

    def empty_payload():
        r = lam.invoke(FunctionName="echo", Payload=b"")
        expect(r["StatusCode"] == 200, r["StatusCode"])
        expect(r["Payload"].read() == b"", "not empty")
        r = lam.invoke(FunctionName="echo")
        expect(r["StatusCode"] == 200, r["StatusCode"])

    check("empty payload", empty_payload)

    for size in [2, 1024, 1024 * 1024]:
        def sized(size=size):
            payload = b"{}" if size == 2 else b'"' + b"x" * (size - 2) + b'"'
            expect(len(payload) == size, len(payload))
            r = lam.invoke(FunctionName="echo", Payload=payload)
            expect(r["Payload"].read() == payload, "payload not echoed")

        check(f"payload of {size} bytes", sized)

    def unicode_payload():
        payload = json.dumps({"text": "h\u00e9llo \u2603 \U0001f600"}, ensure_ascii=False).encode()
        r = lam.invoke(FunctionName="echo", Payload=payload)
        expect(r["Payload"].read() == payload, "payload not echoed")

    check("UTF-8 payload", unicode_payload)

    def client_context():
        ctx = {"custom": {"device": "sensor-7"}, "env": {"locale": "en"}}
        encoded = base64.b64encode(json.dumps(ctx).encode()).decode()
        r = lam.invoke(FunctionName="ctx", ClientContext=encoded, Payload=b"{}")
        expect(json.loads(r["Payload"].read()) == ctx, "client context")

    check("ClientContext", client_context)

    def invalid_json():
        code, status = error_code(lambda: lam.invoke(FunctionName="echo", Payload=b"not json"))
        expect((code, status) == ("InvalidRequestContentException", 400), (code, status))

    check("invalid JSON payload -> InvalidRequestContentException", invalid_json)

    def wrong_secret():
        bad = client(args.access_key, args.secret_key + "x")
        code, status = error_code(lambda: bad.invoke(FunctionName="echo", Payload=b"{}"))
        expect((code, status) == ("InvalidSignatureException", 403), (code, status))

    check("wrong secret -> InvalidSignatureException", wrong_secret)

    def unknown_key():
        bad = client("AKIDNOTKNOWN", args.secret_key)
        code, status = error_code(lambda: bad.invoke(FunctionName="echo", Payload=b"{}"))
        expect((code, status) == ("UnrecognizedClientException", 403), (code, status))

    check("unknown key -> UnrecognizedClientException", unknown_key)

    if args.temp_access_key:
        temp = client(args.temp_access_key, args.temp_secret_key, args.session_token)

        def session_token():
            r = temp.invoke(FunctionName="echo:live", LogType="Tail", Payload=b'{"temp":1}')
            expect(r["ExecutedVersion"] == "1", r.get("ExecutedVersion"))
            expect(r["Payload"].read() == b'{"temp":1}', "payload")

        check("session token", session_token)

        def wrong_token():
            bad = client(args.temp_access_key, args.temp_secret_key, args.session_token + "x")
            code, status = error_code(lambda: bad.invoke(FunctionName="echo", Payload=b"{}"))
            expect((code, status) == ("UnrecognizedClientException", 403), (code, status))

        check("wrong session token -> UnrecognizedClientException", wrong_token)

        def missing_token():
            bad = client(args.temp_access_key, args.temp_secret_key)
            code, status = error_code(lambda: bad.invoke(FunctionName="echo", Payload=b"{}"))
            expect((code, status) == ("UnrecognizedClientException", 403), (code, status))

        check("missing session token -> UnrecognizedClientException", missing_token)

    def keep_alive_many():
        for i in range(50):
            r = lam.invoke(FunctionName="echo", Payload=json.dumps({"i": i}).encode())
            expect(json.loads(r["Payload"].read()) == {"i": i}, i)

    check("50 sequential invokes", keep_alive_many)

    passed = sum(1 for _, ok in results if ok)
    failed = len(results) - passed
    print(f"{passed} passed, {failed} failed")
    sys.exit(1 if failed else 0)


if __name__ == "__main__":
    main()
