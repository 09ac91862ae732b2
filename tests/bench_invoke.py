#!/usr/bin/env python3
"""Invokes per second over loopback: picolambda's `LambdaClient` next to boto3's `invoke`.

Starts `picolambda serve --port P` (release build) on a free loopback port and, in the same run
and against that same endpoint, measures:

  (a) picolambda-std's `LambdaClient` (one keep-alive connection, signing included), driven by
      the Rust example `adapters/std/examples/bench_client.rs` (release build), which prints
      `invokes_per_sec=N` after a warm-up of COUNT/10 invokes;
  (b) boto3's `lambda.invoke` with `endpoint_url`, the serve credentials and region us-east-1,
      after a warm-up, N times (default 2000).

Both invoke `echo` with a small JSON payload, one keep-alive connection each.

CPU placement matters more than anything else on a small VM: a loopback round trip between two
processes on different CPUs costs two cross-CPU wake-ups (on the 2-vCPU machine this was written
on, ~55 us each, which caps any client at ~9,000 invokes/s), while on one CPU the hand-off is a
plain context switch. Left to the scheduler, runs flip between the two regimes (8k/s vs 50k/s for
the same binary). So each placement is measured on purpose, with the server and the clients
pinned (sched_setaffinity):

  same   server and client on the same CPU (cost-bound: client + server CPU per invoke)
  split  server on one CPU, client on another (bound by the machine's wake-up latency)
  free   no pinning (whatever the scheduler does; noisy)

Default: same,split. For each placement the two clients run in alternating rounds (default 3)
against the same serve process, and the medians are reported, with the client's own CPU time per
invoke (user + system), and a ceiling: one request signed once by `picolambda sign` and
replayed over a raw socket (no client work at all), which shows what the placement itself
allows. Prints a markdown table and the ratio per placement (target: picolambda
>= 20x boto3). Exits 1 if the endpoint or a client fails, or, with `--min-ratio X`, if the ratio
of any measured placement is below X.

    .venv/bin/python tests/bench_invoke.py [--serve target/release/picolambda]
        [--bench-client target/release/examples/bench_client] [--boto3-count 2000]
        [--picolambda-count 20000] [--rounds 3] [--placements same,split,free]
        [--min-ratio 20] [--with-local-load]

(`scripts/bench-invoke.sh` ensures the venv, builds both release binaries and runs this.)

`--with-local-load` also runs `cargo test --release -p picolambda-std --test local_load` and
reports its figure as an extra row. That test drives the local endpoint in its own process with
a minimal test client (the core's signed `InvokeHead` over a raw `TcpStream`, not `LambdaClient`),
so that row is for reference only and takes no part in the ratio.
"""

import argparse
import os
import platform
import re
import resource
import shutil
import signal
import socket
import statistics
import subprocess
import sys
import tempfile
import time

from peers import ChildServer

ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
TARGET = os.environ.get("CARGO_TARGET_DIR") or os.path.join(ROOT, "target")

# `picolambda serve`'s fixed local pair (used when the environment has no credentials; the
# serve child and both clients are given these explicitly).
ACCESS_KEY = "LOCALKEY"
SECRET_KEY = "localsecret"
REGION = "us-east-1"
FUNCTION = "echo"
# The same payload bench_client.rs sends.
PAYLOAD = b'{"hello":"world","n":42}'




def clean_env():
    """The caller's environment without AWS_* settings, plus the serve credentials and region."""
    env = {k: v for k, v in os.environ.items() if not k.startswith("AWS_")}
    env["AWS_SHARED_CREDENTIALS_FILE"] = os.devnull
    env["AWS_CONFIG_FILE"] = os.devnull
    env["AWS_ACCESS_KEY_ID"] = ACCESS_KEY
    env["AWS_SECRET_ACCESS_KEY"] = SECRET_KEY
    env["AWS_REGION"] = REGION
    return env


class Serve(ChildServer):
    """`picolambda serve` as a child process, optionally pinned to `cpus`."""

    name = "picolambda serve"

    def __init__(self, binary, logpath, cpus=None):
        super().__init__(logpath)
        self.binary = binary
        self.cpus = cpus

    def command(self, port):
        return [self.binary, "serve", "--port", str(port), "--region", REGION]

    def env(self):
        return clean_env()

    def preexec_fn(self):
        # Pinned before exec, so every thread it starts inherits the CPU set.
        return pin_to(self.cpus)

    def ready(self):
        return self.listening()

    def start(self, timeout=20.0):
        super().start(timeout)


def pin_to(cpus):
    """A preexec_fn pinning the child to `cpus` (None: no pinning)."""
    if cpus is None:
        return None
    return lambda: os.sched_setaffinity(0, cpus)


def picolambda_round(bench_client, url, count, cpus):
    """One run of bench_client: (invokes per second, connections opened, client CPU µs per
    invoke). The CPU time is the child's user + system time over all its invokes, warm-up (a
    tenth of `count`, run by bench_client) included."""
    before = resource.getrusage(resource.RUSAGE_CHILDREN)
    p = subprocess.run(
        [bench_client, url, str(count), FUNCTION],
        env=clean_env(),
        stdin=subprocess.DEVNULL,
        capture_output=True,
        timeout=600,
        preexec_fn=pin_to(cpus),
    )
    after = resource.getrusage(resource.RUSAGE_CHILDREN)
    cpu = (after.ru_utime - before.ru_utime) + (after.ru_stime - before.ru_stime)
    cpu_us = cpu * 1e6 / (count + max(count // 10, 1))
    out = p.stdout.decode("utf-8", "replace")
    if p.returncode != 0:
        raise RuntimeError(
            f"bench_client exited {p.returncode}: {out.strip()} {p.stderr.decode('utf-8', 'replace').strip()[-800:]}"
        )
    fields = dict(
        line.split("=", 1) for line in out.splitlines() if re.fullmatch(r"\w+=\S+", line.strip())
    )
    if "invokes_per_sec" not in fields:
        raise RuntimeError(f"bench_client printed no invokes_per_sec=N line: {out!r}")
    return float(fields["invokes_per_sec"]), int(fields.get("connections", "0")), cpu_us


def make_boto3_client(url):
    import boto3
    import botocore.config

    return boto3.session.Session(
        aws_access_key_id=ACCESS_KEY,
        aws_secret_access_key=SECRET_KEY,
        region_name=REGION,
    ).client(
        "lambda",
        endpoint_url=url,
        config=botocore.config.Config(retries={"max_attempts": 1, "mode": "standard"}),
    )


def boto3_round(client, count, warmup, cpus):
    """`count` invokes after `warmup`, with this thread pinned to `cpus` (None: not pinned):
    (invokes per second, this process's CPU µs per invoke)."""
    saved = os.sched_getaffinity(0)
    if cpus is not None:
        os.sched_setaffinity(0, cpus)
    try:
        return _boto3_round(client, count, warmup)
    finally:
        os.sched_setaffinity(0, saved)


def _boto3_round(client, count, warmup):
    def once():
        r = client.invoke(FunctionName=FUNCTION, Payload=PAYLOAD)
        body = r["Payload"].read()
        if r["StatusCode"] != 200 or body != PAYLOAD:
            raise RuntimeError(f"boto3 invoke: status {r['StatusCode']}, payload {body!r}")

    for _ in range(warmup):
        once()
    cpu0 = time.process_time()
    start = time.perf_counter()
    for _ in range(count):
        once()
    wall = time.perf_counter() - start
    cpu = time.process_time() - cpu0
    return count / wall, cpu * 1e6 / count


def replay_round(serve_binary, url, port, count, cpus):
    """The placement's ceiling: one request signed once by `picolambda sign` and replayed `count`
    times over a raw socket (no signing, no parsing beyond finding the echoed payload), with this
    thread pinned to `cpus`. Invokes per second."""
    signed = subprocess.run(
        [serve_binary, "sign", FUNCTION, "--endpoint", url, "--region", REGION,
         "--payload", PAYLOAD.decode()],
        env=clean_env(),
        stdin=subprocess.DEVNULL,
        capture_output=True,
        timeout=60,
        check=True,
    ).stdout
    if not signed.endswith(b"\r\n\r\n" + PAYLOAD):
        raise RuntimeError(f"picolambda sign printed an unexpected request: {signed[-200:]!r}")
    saved = os.sched_getaffinity(0)
    if cpus is not None:
        os.sched_setaffinity(0, cpus)
    try:
        with socket.create_connection(("127.0.0.1", port), timeout=10) as c:
            c.setsockopt(socket.IPPROTO_TCP, socket.TCP_NODELAY, 1)

            def once():
                c.sendall(signed)
                got = b""
                while not got.endswith(PAYLOAD):
                    chunk = c.recv(65536)
                    if not chunk:
                        raise RuntimeError(f"replay: connection closed after {got[:300]!r}")
                    got += chunk
                if not got.startswith(b"HTTP/1.1 200 "):
                    raise RuntimeError(f"replay: {got[:300]!r}")

            for _ in range(count // 10):
                once()
            start = time.perf_counter()
            for _ in range(count):
                once()
            return count / (time.perf_counter() - start)
    finally:
        os.sched_setaffinity(0, saved)


def local_load_figure():
    """Runs the Rust load test in release mode and returns its sequential invokes per second."""
    p = subprocess.run(
        [
            "cargo",
            "test",
            "--release",
            "-p",
            "picolambda-std",
            "--test",
            "local_load",
            "--",
            "--nocapture",
        ],
        cwd=ROOT,
        stdin=subprocess.DEVNULL,
        capture_output=True,
        timeout=1800,
    )
    out = p.stdout.decode("utf-8", "replace")
    if p.returncode != 0:
        raise RuntimeError(f"local_load failed:\n{out[-2000:]}\n{p.stderr.decode('utf-8', 'replace')[-2000:]}")
    m = re.search(r"sequential invokes: (\d+(?:\.\d+)?) per second", out)
    if not m:
        raise RuntimeError(f"local_load printed no 'N per second' figure:\n{out[-2000:]}")
    rss = re.search(r"RSS after warm-up (?:Some\()?(\d+)\)? KiB, at the end (?:Some\()?(\d+)\)? KiB", out)
    return float(m.group(1)), (rss.groups() if rss else None)


def fmt(x):
    return f"{x:,.0f}"


def placements_for(names, allowed):
    """{name: (server cpus, client cpus)} for the placements asked for and possible here."""
    cpus = sorted(allowed)
    out = {}
    for name in names:
        if name == "same":
            out[name] = ({cpus[0]}, {cpus[0]})
        elif name == "split":
            if len(cpus) < 2:
                raise RuntimeError("placement split needs two CPUs; this process may use one")
            out[name] = ({cpus[0]}, {cpus[1]})
        elif name == "free":
            out[name] = (None, None)
        else:
            raise RuntimeError(f"unknown placement {name!r} (same, split, free)")
    return out


PLACEMENT_TEXT = {
    "same": "server and client pinned to one CPU",
    "split": "server and client pinned to two different CPUs",
    "free": "no pinning",
}


def main():
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("--serve", default=os.path.join(TARGET, "release", "picolambda"))
    ap.add_argument(
        "--bench-client", default=os.path.join(TARGET, "release", "examples", "bench_client")
    )
    ap.add_argument("--boto3-count", type=int, default=2000)
    ap.add_argument("--boto3-warmup", type=int, default=200)
    ap.add_argument(
        "--picolambda-count",
        type=int,
        default=20000,
        help="invokes per picolambda round (warm-up is a tenth of it, in bench_client)",
    )
    ap.add_argument("--rounds", type=int, default=3)
    ap.add_argument("--placements", default="same,split")
    ap.add_argument("--min-ratio", type=float, default=None, help="exit 1 below this ratio")
    ap.add_argument("--with-local-load", action="store_true")
    args = ap.parse_args()

    for path, what in (
        (args.serve, "cargo build --release -p picolambda-cli"),
        (args.bench_client, "cargo build --release -p picolambda-std --example bench_client"),
    ):
        if not os.access(path, os.X_OK):
            print(f"bench: {path} is not an executable ({what})", file=sys.stderr)
            return 1
    try:
        placements = placements_for(
            [p for p in args.placements.split(",") if p], os.sched_getaffinity(0)
        )
    except RuntimeError as e:
        print(f"bench: {e}", file=sys.stderr)
        return 1

    def on_signal(signum, _frame):
        raise SystemExit(128 + signum)

    for sig in (signal.SIGTERM, signal.SIGHUP, signal.SIGINT):
        signal.signal(sig, on_signal)

    import boto3

    results = {}  # placement -> dict of lists
    tmp = tempfile.mkdtemp(prefix="picolambda-bench-")
    try:
        for name, (server_cpus, client_cpus) in placements.items():
            serve = Serve(args.serve, os.path.join(tmp, f"serve-{name}.log"), server_cpus)
            r = results[name] = {
                "pico": [], "boto": [], "pico_cpu": [], "boto_cpu": [], "conns": [], "replay": []
            }
            try:
                serve.start()
                print(
                    f"[{name}] picolambda serve at {serve.url}; {PLACEMENT_TEXT[name]}"
                    + (f" (server {sorted(server_cpus)}, client {sorted(client_cpus)})" if server_cpus else ""),
                    flush=True,
                )
                client = make_boto3_client(serve.url)
                for i in range(args.rounds):
                    warm = args.boto3_warmup if i == 0 else 20
                    b, bc = boto3_round(client, args.boto3_count, warm, client_cpus)
                    p, c, pc = picolambda_round(
                        args.bench_client, serve.url, args.picolambda_count, client_cpus
                    )
                    for k, v in (("pico", p), ("boto", b), ("pico_cpu", pc), ("boto_cpu", bc), ("conns", c)):
                        r[k].append(v)
                    print(
                        f"[{name}] round {i + 1}: picolambda {fmt(p)}/s, {pc:.1f} µs CPU/invoke "
                        f"({c} connection(s)); boto3 {fmt(b)}/s, {bc:.0f} µs CPU/invoke; "
                        f"ratio {p / b:.1f}x",
                        flush=True,
                    )
                client.close()
                r["replay"].append(
                    replay_round(args.serve, serve.url, serve.port, 5000, client_cpus)
                )
                print(f"[{name}] replay ceiling: {fmt(r['replay'][0])}/s", flush=True)
            except Exception:
                try:
                    with open(serve.logpath, "rb") as f:
                        print(f.read()[-2000:].decode("utf-8", "replace"))
                except OSError:
                    pass
                raise
            finally:
                serve.stop()
    except Exception as e:  # noqa: BLE001
        print(f"bench failed: {type(e).__name__}: {e}", flush=True)
        return 1
    finally:
        shutil.rmtree(tmp, ignore_errors=True)

    local_load = None
    if args.with_local_load:
        try:
            local_load = local_load_figure()
        except Exception as e:  # noqa: BLE001
            print(f"bench failed: {e}", flush=True)
            return 1

    print()
    print(
        f"Invoke `echo` ({len(PAYLOAD)}-byte JSON payload) over loopback against "
        f"`picolambda serve` (release), one keep-alive connection per client, "
        f"{args.picolambda_count:,} picolambda / {args.boto3_count:,} boto3 invokes per round, "
        f"median of {args.rounds} alternating rounds; {os.cpu_count()} CPU(s), "
        f"{platform.machine()}, Python {platform.python_version()}, boto3 {boto3.__version__}. "
        f"Client CPU: the client process's user + system time per invoke."
    )
    print()
    print("| placement | client | invokes/s (median) | client CPU per invoke | rounds (invokes/s) |")
    print("|---|---|---:|---:|---|")
    verdicts = {}
    for name, r in results.items():
        pm, bm = statistics.median(r["pico"]), statistics.median(r["boto"])
        pcm, bcm = statistics.median(r["pico_cpu"]), statistics.median(r["boto_cpu"])
        print(
            f"| {name} | picolambda `LambdaClient` | {fmt(pm)} | {pcm:.1f} µs "
            f"| {', '.join(fmt(x) for x in r['pico'])} |"
        )
        print(
            f"| {name} | boto3 `invoke` | {fmt(bm)} | {bcm:.0f} µs "
            f"| {', '.join(fmt(x) for x in r['boto'])} |"
        )
        print(
            f"| {name} | ceiling: one pre-signed request replayed over a raw socket (Python) "
            f"| {fmt(r['replay'][0])} | | 1 run of 5,000 |"
        )
        verdicts[name] = (
            pm / bm,
            [p / b for p, b in zip(r["pico"], r["boto"])],
            bcm / pcm,
            r["replay"][0] / bm,
        )
    if local_load is not None:
        figure, rss = local_load
        note = f"; RSS after warm-up {rss[0]} KiB, at the end {rss[1]} KiB" if rss else ""
        print(
            f"| free | reference: `local_load` test client and server in one process{note} "
            f"| {fmt(figure)} | | 1 run of 10,000 |"
        )
    print()
    target = 20.0
    worst = None
    for name, (ratio, per_round, cpu_ratio, ceiling_ratio) in verdicts.items():
        verdict = "met" if ratio >= target else "NOT met"
        print(
            f"ratio [{name}]: picolambda / boto3 = {ratio:.1f}x in invokes/s (rounds: "
            f"{', '.join(f'{x:.1f}x' for x in per_round)}), {cpu_ratio:.1f}x in client CPU per "
            f"invoke; target >= {target:.0f}x: {verdict} (the placement's ceiling allows at most "
            f"{ceiling_ratio:.1f}x)"
        )
        worst = ratio if worst is None else min(worst, ratio)
    for name, r in results.items():
        if set(r["conns"]) != {1}:
            print(f"note [{name}]: bench_client opened {r['conns']} connections per round (expected 1)")
    if args.min_ratio is not None and worst is not None and worst < args.min_ratio:
        return 1
    return 0


if __name__ == "__main__":
    sys.exit(main())
