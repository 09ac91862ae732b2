#!/usr/bin/env python3
"""`picolambda invoke` against moto server, an independent Lambda endpoint that checks SigV4.

Starts `moto_server -H 127.0.0.1 -p PORT` itself on a free loopback port (and always stops it at
exit), selects moto's "simple" Lambda backend (no Docker: Invoke echoes the request body), and,
while moto's auth is still off, creates with boto3:

  - an IAM role (with an inline policy allowing lambda:Invoke, or its sessions get AccessDenied)
    and a function (dummy zip: the simple backend never runs it), a published version and an alias;
  - an IAM user, an access key and a policy allowing lambda:Invoke and lambda:InvokeFunction
    (moto checks the former);
  - temporary credentials from sts.assume_role (with auth on, moto swallows STS's form body).

Then it turns signature checking on (POST /moto-api/reset-auth, body `0`) and runs the CLI as a
subprocess with the user's keys in the environment, checking every case named in issue 4's "Prove
it" section. One line per check, then exactly `N passed, M failed`. Exit status: 0 when all
passed, 1 on any failure, and 1 as well when moto cannot be started or set up (never a skip).

    .venv/bin/python tests/moto_interop.py [--bin target/debug/picolambda] [--moto-server PATH]
        [--bench-client target/debug/examples/bench_client]

(`scripts/moto-interop.sh` ensures the venv, builds the CLI and runs this.)

What moto does not check, so these checks cannot prove it either: the time, the region, whether
the function, version or alias exists (the simple backend echoes for any name; `Qualifier` is
ignored), payload size. Those are covered by the tests against picolambda's own local endpoint.
"""

import argparse
import io
import json
import os
import shutil
import signal
import subprocess
import sys
import tempfile
import time
import urllib.error
import urllib.request
import zipfile

from peers import ChildServer

REGION = "us-east-1"
ACCOUNT = "123456789012"  # moto's default account
FUNCTION = "picolambda-interop"
ALIAS = "live"
# boto3 calls made while moto's auth is off need some key; moto does not check it then.
SETUP_KEY = ("testing", "testing")

ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))


# --------------------------------------------------------------------------------------------
# moto server process


class Moto(ChildServer):
    """A moto_server child process on a free loopback port."""

    name = "moto_server"
    poll_interval = 0.2

    def __init__(self, exe, logpath):
        super().__init__(logpath)
        self.exe = exe

    def command(self, port):
        return [self.exe, "-H", "127.0.0.1", "-p", str(port)]

    def ready(self):
        try:
            with urllib.request.urlopen(self.url + "/moto-api/reset-auth", timeout=2):
                pass
        except urllib.error.HTTPError:
            return True  # it answers (400 to a GET on reset-auth): it is up
        except (urllib.error.URLError, OSError):
            return False
        return True

    def start(self, timeout=90.0):
        super().start(timeout)

    def post(self, path, body, content_type):
        req = urllib.request.Request(
            self.url + path,
            data=body,
            method="POST",
            headers={"Content-Type": content_type},
        )
        with urllib.request.urlopen(req, timeout=30) as r:
            return r.status, r.read()




def find_moto_server(explicit):
    if explicit:
        return explicit
    beside = os.path.join(os.path.dirname(sys.executable), "moto_server")
    if os.access(beside, os.X_OK):
        return beside
    found = shutil.which("moto_server")
    if found:
        return found
    raise RuntimeError("moto_server not found (run scripts/python-env.sh, or pass --moto-server)")


# --------------------------------------------------------------------------------------------
# moto set-up with boto3 (auth off)


def dummy_zip():
    buf = io.BytesIO()
    with zipfile.ZipFile(buf, "w") as z:
        z.writestr("lambda_function.py", "def handler(event, context):\n    return event\n")
    return buf.getvalue()


def set_up(moto):
    """Creates everything while auth is off; returns the user's and the session's credentials."""
    import boto3

    status, body = moto.post(
        "/moto-api/config",
        json.dumps({"lambda": {"use_docker": False}}).encode(),
        "application/json",
    )
    # moto answers 201 with the whole configuration.
    try:
        use_docker = json.loads(body)["lambda"]["use_docker"]
    except (ValueError, KeyError, TypeError):
        use_docker = None
    if status // 100 != 2 or use_docker is not False:
        raise RuntimeError(f"/moto-api/config answered {status}: {body!r}")

    session = boto3.session.Session(
        aws_access_key_id=SETUP_KEY[0],
        aws_secret_access_key=SETUP_KEY[1],
        region_name=REGION,
    )

    def client(name):
        return session.client(name, endpoint_url=moto.url)

    iam, lam, sts = client("iam"), client("lambda"), client("sts")
    invoke_policy = json.dumps(
        {
            "Version": "2012-10-17",
            "Statement": [
                {
                    "Effect": "Allow",
                    "Action": ["lambda:Invoke", "lambda:InvokeFunction"],
                    "Resource": "*",
                }
            ],
        }
    )

    role = iam.create_role(
        RoleName="picolambda-interop-role",
        AssumeRolePolicyDocument=json.dumps(
            {
                "Version": "2012-10-17",
                "Statement": [
                    {
                        "Effect": "Allow",
                        "Principal": {
                            "Service": "lambda.amazonaws.com",
                            "AWS": f"arn:aws:iam::{ACCOUNT}:root",
                        },
                        "Action": "sts:AssumeRole",
                    }
                ],
            }
        ),
    )["Role"]
    # Without this, invokes signed with the role's session credentials get AccessDenied.
    iam.put_role_policy(
        RoleName=role["RoleName"], PolicyName="invoke", PolicyDocument=invoke_policy
    )

    fn = lam.create_function(
        FunctionName=FUNCTION,
        Runtime="python3.12",
        Role=role["Arn"],
        Handler="lambda_function.handler",
        Code={"ZipFile": dummy_zip()},
    )
    version = lam.publish_version(FunctionName=FUNCTION)["Version"]
    lam.create_alias(FunctionName=FUNCTION, Name=ALIAS, FunctionVersion=version)

    user = iam.create_user(UserName="picolambda-interop-user")["User"]
    policy = iam.create_policy(PolicyName="picolambda-invoke", PolicyDocument=invoke_policy)
    iam.attach_user_policy(UserName=user["UserName"], PolicyArn=policy["Policy"]["Arn"])
    key = iam.create_access_key(UserName=user["UserName"])["AccessKey"]

    temp = sts.assume_role(RoleArn=role["Arn"], RoleSessionName="picolambda-interop")[
        "Credentials"
    ]

    # Signature checking on from the next request.
    status, body = moto.post("/moto-api/reset-auth", b"0", "text/plain")
    if status != 200:
        raise RuntimeError(f"/moto-api/reset-auth answered {status}: {body!r}")

    return {
        "function_arn": fn["FunctionArn"],
        "version": version,
        "user": (key["AccessKeyId"], key["SecretAccessKey"], None),
        "temp": (temp["AccessKeyId"], temp["SecretAccessKey"], temp["SessionToken"]),
    }


# --------------------------------------------------------------------------------------------
# running the CLI


class Result:
    def __init__(self, code, out, err):
        self.code = code
        self.out = out
        self.err = err
        try:
            self.json = json.loads(out) if out.strip() else None
        except ValueError:
            self.json = None

    def describe(self):
        out = self.out if len(self.out) < 400 else self.out[:400] + f"… ({len(self.out)} chars)"
        return f"exit {self.code}, stdout {out.strip()!r}, stderr {self.err.strip()[-400:]!r}"


def base_env(creds):
    """The caller's environment without any AWS_* setting, plus `creds`."""
    env = {k: v for k, v in os.environ.items() if not k.startswith("AWS_")}
    # No shared credentials/config file can leak in either.
    env["AWS_SHARED_CREDENTIALS_FILE"] = os.devnull
    env["AWS_CONFIG_FILE"] = os.devnull
    ak, sk, token = creds
    env["AWS_ACCESS_KEY_ID"] = ak
    env["AWS_SECRET_ACCESS_KEY"] = sk
    if token is not None:
        env["AWS_SESSION_TOKEN"] = token
    return env


def run_cli(binary, moto, creds, function, *options, timeout=60):
    cmd = [
        binary,
        "invoke",
        function,
        "--region",
        REGION,
        "--endpoint",
        moto.url,
        "--output",
        "json",
        *options,
    ]
    try:
        p = subprocess.run(
            cmd,
            env=base_env(creds),
            stdin=subprocess.DEVNULL,
            capture_output=True,
            timeout=timeout,
        )
    except subprocess.TimeoutExpired as e:
        # moto sends `Connection: close`; a client that reuses the socket anyway can hang here.
        return Result(-1, (e.stdout or b"").decode("utf-8", "replace"), f"timed out after {timeout} s")
    return Result(
        p.returncode,
        p.stdout.decode("utf-8", "replace"),
        p.stderr.decode("utf-8", "replace"),
    )


def json_payload(size):
    """A JSON document of exactly `size` bytes (size >= 2)."""
    if size == 2:
        return b"{}"
    filler = size - len(b'{"d":""}')
    assert filler >= 0
    doc = b'{"d":"' + b"x" * filler + b'"}'
    assert len(doc) == size
    return doc


# --------------------------------------------------------------------------------------------
# checks


class Checks:
    def __init__(self):
        self.passed = 0
        self.failed = 0

    def record(self, name, ok, detail=""):
        if ok:
            self.passed += 1
            print(f"ok   {name}", flush=True)
        else:
            self.failed += 1
            print(f"FAIL {name}: {detail}", flush=True)

    def success(self, name, r, status, payload=None):
        """Exit 0, `StatusCode` == status, and (when given) `Payload` == payload."""
        j = r.json
        if r.code != 0 or not isinstance(j, dict) or j.get("StatusCode") != status:
            self.record(name, False, f"want exit 0 and StatusCode {status}; got {r.describe()}")
            return False
        if "Error" in j:
            self.record(name, False, f"unexpected Error: {r.describe()}")
            return False
        if payload is not None and j.get("Payload") != payload.decode():
            got = j.get("Payload")
            self.record(
                name,
                False,
                f"payload not echoed: sent {len(payload)} B, got "
                f"{len(got) if isinstance(got, str) else got!r}",
            )
            return False
        self.record(name, True)
        return True

    def service_error(self, name, r, status, code):
        """Exit 1 and `{"Error": {"Code": code, "Message": <non-empty>, "StatusCode": status}}`."""
        j = r.json
        err = j.get("Error") if isinstance(j, dict) else None
        ok = (
            r.code == 1
            and isinstance(err, dict)
            and err.get("StatusCode") == status
            and err.get("Code") == code
            and isinstance(err.get("Message"), str)
            and err.get("Message") != ""
            and set(j) == {"Error"}
        )
        self.record(
            name,
            ok,
            "" if ok else f"want exit 1 and Error {{Code {code}, StatusCode {status}}}; got {r.describe()}",
        )


def run_checks(binary, moto, setup, tmp, bench_client=None):
    c = Checks()
    user = setup["user"]
    temp = setup["temp"]
    arn = setup["function_arn"]
    version = setup["version"]
    small = json_payload(2)

    def cli(creds, function, *options):
        return run_cli(binary, moto, creds, function, *options)

    # Sanity: the ARN moto gave us is the one the forms below are built from.
    want_arn = f"arn:aws:lambda:{REGION}:{ACCOUNT}:function:{FUNCTION}"
    c.record(
        "moto set-up: function ARN is " + want_arn,
        arn == want_arn,
        f"moto returned {arn!r}",
    )

    # Invocation types.
    c.success(
        "RequestResponse (default): 200, 2 B payload echoed",
        cli(user, FUNCTION, "--payload", small.decode()),
        200,
        small,
    )
    c.success(
        "RequestResponse (explicit): 200, payload echoed",
        cli(user, FUNCTION, "--invocation-type", "RequestResponse", "--payload", small.decode()),
        200,
        small,
    )
    # moto echoes the payload on Event too (real Lambda sends an empty body): only the status is
    # checked.
    c.success(
        "Event: 202",
        cli(user, FUNCTION, "--invocation-type", "Event", "--payload", small.decode()),
        202,
    )
    # moto's 204 has no Content-Length: the client must not wait for a body.
    r = cli(user, FUNCTION, "--invocation-type", "DryRun", "--payload", small.decode())
    if c.success("DryRun: 204", r, 204):
        c.record(
            "DryRun: empty payload",
            r.json.get("Payload") == "",
            f"Payload {r.json.get('Payload')!r}",
        )

    # Every FunctionName form (moto's simple backend does not resolve names: what is proven is
    # that each form is encoded, signed and accepted by an independent SigV4 verifier).
    forms = [
        ("name", FUNCTION),
        ("name:alias", f"{FUNCTION}:{ALIAS}"),
        ("name:version", f"{FUNCTION}:{version}"),
        ("full ARN", arn),
        ("full ARN:alias", f"{arn}:{ALIAS}"),
        ("full ARN:version", f"{arn}:{version}"),
        ("partial ARN", f"{ACCOUNT}:function:{FUNCTION}"),
        ("partial ARN:alias", f"{ACCOUNT}:function:{FUNCTION}:{ALIAS}"),
    ]
    for label, name in forms:
        payload = json.dumps({"form": label}).encode()
        c.success(
            f"FunctionName {label} ({name}): 200, payload echoed",
            cli(user, name, "--payload", payload.decode()),
            200,
            payload,
        )
    # The Qualifier query parameter is part of the signed canonical query string.
    c.success(
        f"--qualifier {ALIAS}: 200, payload echoed",
        cli(user, FUNCTION, "--qualifier", ALIAS, "--payload", small.decode()),
        200,
        small,
    )
    c.success(
        f"--qualifier {version} with a partial ARN: 200",
        cli(user, f"{ACCOUNT}:function:{FUNCTION}", "--qualifier", version, "--payload", small.decode()),
        200,
        small,
    )

    # LogType=Tail: X-Amz-Log-Type is signed; moto's simple backend sends no X-Amz-Log-Result,
    # so there is no log to compare (the local endpoint's tests check the decoded tail).
    c.success(
        "--log-type Tail: 200, payload echoed",
        cli(user, FUNCTION, "--log-type", "Tail", "--payload", small.decode()),
        200,
        small,
    )
    c.success(
        "--client-context (signed X-Amz-Client-Context): 200",
        cli(user, FUNCTION, "--client-context", '{"custom":{"device":"sensor-7"}}', "--payload", small.decode()),
        200,
        small,
    )

    # Payload sizes. 0 B is not tested here: moto wrongly refuses an empty body without an
    # X-Amz-Content-Sha256 header (403 SignatureDoesNotMatch; boto3's own invoke with Payload=b""
    # is refused the same way), so 0 B is tested against picolambda's local endpoint by the
    # Rust tests instead. picolambda sends no X-Amz-Content-Sha256, so moto hashes the bodies
    # below itself: the echoed payloads are also covered by the signature.
    kib = json_payload(1024)
    c.success("payload 1 KiB (inline): 200, echoed", cli(user, FUNCTION, "--payload", kib.decode()), 200, kib)

    mib = json_payload(1024 * 1024)
    mib_path = os.path.join(tmp, "payload-1mib.json")
    out_path = os.path.join(tmp, "out-1mib.json")
    with open(mib_path, "wb") as f:
        f.write(mib)
    r = cli(user, FUNCTION, "--payload", f"file://{mib_path}", "--outfile", out_path)
    if c.success("payload 1 MiB (file://): 200, echoed", r, 200, mib):
        try:
            with open(out_path, "rb") as f:
                written = f.read()
        except OSError as e:
            written = repr(e).encode()
        c.record(
            "payload 1 MiB: --outfile holds the echoed bytes",
            written == mib,
            f"{len(written)} B written",
        )
    r = cli(user, FUNCTION, "--invocation-type", "Event", "--payload", f"file://{mib_path}")
    c.success("payload 1 MiB (file://), Event: 202", r, 202)

    # Temporary credentials from assume_role, with their session token.
    c.record("assume_role gave ASIA… credentials", temp[0].startswith("ASIA"), temp[0])
    c.success(
        "temporary credentials + session token: 200, payload echoed",
        cli(temp, FUNCTION, "--payload", small.decode()),
        200,
        small,
    )
    c.success(
        "temporary credentials, full ARN:alias, 1 KiB: 200, echoed",
        cli(temp, f"{arn}:{ALIAS}", "--payload", kib.decode()),
        200,
        kib,
    )
    c.success(
        "temporary credentials, Event: 202",
        cli(temp, FUNCTION, "--invocation-type", "Event", "--payload", small.decode()),
        202,
    )

    # Refusals: moto answers 403 with an XML body and no x-amzn-ErrorType.
    wrong_secret = (user[0], user[1][:-1] + ("A" if user[1][-1] != "A" else "B"), None)
    c.service_error(
        "wrong secret: exit 1, Error 403 SignatureDoesNotMatch",
        cli(wrong_secret, FUNCTION, "--payload", small.decode()),
        403,
        "SignatureDoesNotMatch",
    )
    c.service_error(
        "wrong secret, Event: exit 1, Error 403 SignatureDoesNotMatch (not retried into success)",
        cli(wrong_secret, FUNCTION, "--invocation-type", "Event", "--payload", small.decode()),
        403,
        "SignatureDoesNotMatch",
    )
    wrong_token = (temp[0], temp[1], temp[2][:-4] + "XXXX")
    c.service_error(
        "wrong session token: exit 1, Error 403 InvalidClientTokenId",
        cli(wrong_token, FUNCTION, "--payload", small.decode()),
        403,
        "InvalidClientTokenId",
    )
    c.service_error(
        "temporary key without its token: exit 1, Error 403 InvalidClientTokenId",
        cli((temp[0], temp[1], None), FUNCTION, "--payload", small.decode()),
        403,
        "InvalidClientTokenId",
    )
    c.service_error(
        "unknown access key: exit 1, Error 403 InvalidClientTokenId",
        cli(("AKIAUNKNOWNKEY000000", user[1], None), FUNCTION, "--payload", small.decode()),
        403,
        "InvalidClientTokenId",
    )
    wrong_temp_secret = (temp[0], temp[1][:-1] + ("A" if temp[1][-1] != "A" else "B"), temp[2])
    c.service_error(
        "temporary credentials, wrong secret: exit 1, Error 403 SignatureDoesNotMatch",
        cli(wrong_temp_secret, FUNCTION, "--payload", small.decode()),
        403,
        "SignatureDoesNotMatch",
    )

    # LambdaClient (the library, not the CLI) with one client for many invokes: moto answers
    # every request with `Connection: close`, so each invoke must open a new connection instead
    # of reusing (or hanging on) the closed one. bench_client runs COUNT/10 warm-up invokes
    # first, then COUNT, asserting status 200 on each.
    if bench_client is not None:
        count = 20
        env = base_env(user)
        env["AWS_REGION"] = REGION
        try:
            p = subprocess.run(
                [bench_client, moto.url, str(count), FUNCTION],
                env=env,
                stdin=subprocess.DEVNULL,
                capture_output=True,
                timeout=120,
            )
            out = p.stdout.decode("utf-8", "replace")
            fields = dict(l.split("=", 1) for l in out.split() if "=" in l)
            want = count + max(count // 10, 1)
            ok = p.returncode == 0 and fields.get("connections") == str(want)
            detail = (
                f"exit {p.returncode}, stdout {out.strip()!r}, "
                f"stderr {p.stderr.decode('utf-8', 'replace').strip()[-400:]!r}"
            )
        except subprocess.TimeoutExpired:
            ok, detail = False, "timed out after 120 s (a closed connection reused?)"
        c.record(
            f"LambdaClient, {count + max(count // 10, 1)} sequential invokes on one client: all 200, "
            f"one connection each (moto's Connection: close honoured)",
            ok,
            detail,
        )

    # And the good keys still work after the refusals (auth really is on, and stays on).
    c.success(
        "good keys after the refusals: 200",
        cli(user, FUNCTION, "--payload", small.decode()),
        200,
        small,
    )
    return c


# --------------------------------------------------------------------------------------------


def main():
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument(
        "--bin",
        default=os.path.join(ROOT, "target", "debug", "picolambda"),
        help="the picolambda binary (default: target/debug/picolambda)",
    )
    ap.add_argument("--moto-server", help="moto_server executable (default: beside this python)")
    ap.add_argument(
        "--bench-client",
        help="adapters/std's bench_client example binary: also checks LambdaClient over several "
        "invokes against moto's Connection: close (scripts/moto-interop.sh passes it)",
    )
    ap.add_argument("--keep-log", action="store_true", help="print moto's log at the end")
    args = ap.parse_args()

    tmp = tempfile.mkdtemp(prefix="picolambda-moto-")
    moto = Moto(None, os.path.join(tmp, "moto.log"))

    # Stop moto whatever ends this process: normal exit, exception, SIGTERM, SIGINT, SIGHUP.
    def on_signal(signum, _frame):
        raise SystemExit(128 + signum)

    for s in (signal.SIGTERM, signal.SIGHUP, signal.SIGINT):
        signal.signal(s, on_signal)

    checks = None
    setup_error = None
    try:
        if not os.access(args.bin, os.X_OK):
            raise RuntimeError(f"{args.bin} is not an executable (cargo build -p picolambda-cli)")
        moto.exe = find_moto_server(args.moto_server)
        t0 = time.monotonic()
        moto.start()
        print(f"moto server at {moto.url} (started in {time.monotonic() - t0:.1f} s)", flush=True)
        setup = set_up(moto)
        print(
            f"set up: function {setup['function_arn']} (version {setup['version']}, alias {ALIAS}), "
            f"IAM user key {setup['user'][0]}, session key {setup['temp'][0]}; auth on",
            flush=True,
        )
        if args.bench_client is not None and not os.access(args.bench_client, os.X_OK):
            raise RuntimeError(
                f"{args.bench_client} is not an executable "
                "(cargo build -p picolambda-std --example bench_client)"
            )
        checks = run_checks(args.bin, moto, setup, tmp, args.bench_client)
    except Exception as e:  # noqa: BLE001 - any set-up failure is a failed run, never a skip
        setup_error = f"{type(e).__name__}: {e}"
    except BaseException:
        # Interrupted (signal, Ctrl-C): stop moto and clean up, then let it end the run.
        moto.stop()
        shutil.rmtree(tmp, ignore_errors=True)
        raise
    finally:
        moto.stop()

    passed = checks.passed if checks else 0
    failed = checks.failed if checks else 0
    if setup_error is not None:
        print(f"FAIL moto interop could not run: {setup_error}", flush=True)
        failed += 1
        try:
            with open(moto.logpath, "rb") as f:
                tail = f.read()[-3000:].decode("utf-8", "replace")
            print("--- moto log (tail) ---\n" + tail, flush=True)
        except OSError:
            pass
    elif args.keep_log or failed:
        try:
            with open(moto.logpath, "rb") as f:
                tail = f.read()[-3000:].decode("utf-8", "replace")
            print("--- moto log (tail) ---\n" + tail, flush=True)
        except OSError:
            pass
    shutil.rmtree(tmp, ignore_errors=True)
    print(f"{passed} passed, {failed} failed", flush=True)
    return 0 if failed == 0 else 1


if __name__ == "__main__":
    sys.exit(main())
