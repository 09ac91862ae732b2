//! Load through `LambdaClient` (sign, send, keep-alive, parse; the whole client side) against
//! the local endpoint: 10,000 sequential invokes over one kept-alive connection, then 10,000
//! more from 8 threads with a client each, with resident memory checked to stay flat after a
//! warm-up. `local_load.rs` covers the server side with a minimal client; this one measures the
//! real client. Run with `--nocapture` (and `--release` for meaningful rates) to see the figures.

mod scripted_common;

use std::time::{Duration, Instant};

use picolambda::retry::RetryConfig;
use picolambda_std::local::LocalLambda;
use picolambda_std::LambdaClient;
use scripted_common::{client_with, net, request, AK, SK};

const SEQUENTIAL: usize = 10_000;
const THREADS: usize = 8;
const PER_THREAD: usize = 1_250;
/// Growth of resident memory allowed between the end of the warm-up and the end of the run.
const RSS_BOUND_KIB: u64 = 8 * 1024;

/// `VmRSS` of this process (client and server both live in it), in KiB.
fn rss_kib() -> u64 {
    let status = std::fs::read_to_string("/proc/self/status").expect("/proc/self/status");
    status
        .lines()
        .find_map(|l| l.strip_prefix("VmRSS:"))
        .and_then(|v| v.trim().trim_end_matches("kB").trim().parse().ok())
        .expect("VmRSS in /proc/self/status")
}

fn new_client(url: &str) -> LambdaClient {
    // Standard retries: none should happen; a retry would show as an extra request below.
    client_with(
        url.to_owned(),
        net(Duration::from_secs(30)),
        RetryConfig::default(),
    )
}

/// `n` invokes of `echo` on `client`, each checked.
fn run(client: &mut LambdaClient, tag: usize, n: usize) {
    let echo = request("echo");
    for i in 0..n {
        let payload = format!("{{\"device\":\"sensor-{tag}\",\"reading\":{i}}}");
        let r = client.invoke(&echo, payload.as_bytes()).unwrap();
        assert_eq!(r.outcome.status(), 200, "{:?}", r.outcome);
        assert_eq!(r.payload, payload.as_bytes());
    }
}

/// `THREADS` threads with a client each, `per_thread` invokes apiece.
fn parallel(url: &str, per_thread: usize) {
    let threads: Vec<_> = (0..THREADS)
        .map(|t| {
            let url = url.to_owned();
            std::thread::spawn(move || {
                let mut client = new_client(&url);
                run(&mut client, t + 1, per_thread);
                assert_eq!(client.connections_opened(), 1);
            })
        })
        .collect();
    for t in threads {
        t.join().unwrap();
    }
}

#[test]
fn ten_thousand_invokes_on_one_connection_then_eight_clients_in_parallel() {
    let server = LocalLambda::new()
        .credentials(AK, SK)
        .function("echo", |inv| Ok(inv.payload().to_vec()))
        .start()
        .unwrap();
    let url = server.endpoint_url();
    let mut client = new_client(&url);

    // Warm-up: both shapes of load once, so that allocator arenas, thread stacks and buffers
    // exist before the first measurement.
    run(&mut client, 0, 1_000);
    parallel(&url, 100);
    let rss_start = rss_kib();

    let started = Instant::now();
    run(&mut client, 0, SEQUENTIAL);
    let sequential_rate = SEQUENTIAL as f64 / started.elapsed().as_secs_f64();
    assert_eq!(client.connections_opened(), 1, "one kept-alive connection");
    let rss_mid = rss_kib();

    let started = Instant::now();
    parallel(&url, PER_THREAD);
    let parallel_rate = (THREADS * PER_THREAD) as f64 / started.elapsed().as_secs_f64();
    let rss_end = rss_kib();

    println!(
        "load: {SEQUENTIAL} invokes, rss_start_kib={rss_start}, rss_end_kib={rss_mid}, \
         invokes_per_sec={sequential_rate:.0} (sequential, one LambdaClient, one connection)"
    );
    println!(
        "load: {} invokes, rss_start_kib={rss_mid}, rss_end_kib={rss_end}, \
         invokes_per_sec={parallel_rate:.0} ({THREADS} threads, a LambdaClient and a connection each)",
        THREADS * PER_THREAD
    );
    println!(
        "load: {} invokes, rss_start_kib={rss_start}, rss_end_kib={rss_end} (whole run after warm-up)",
        SEQUENTIAL + THREADS * PER_THREAD
    );
    assert!(
        rss_end.saturating_sub(rss_start) < RSS_BOUND_KIB,
        "resident memory grew by {} KiB over {} invokes",
        rss_end - rss_start,
        SEQUENTIAL + THREADS * PER_THREAD
    );

    let s = server.stats();
    let total = 1_000 + THREADS * 100 + SEQUENTIAL + THREADS * PER_THREAD;
    assert_eq!(s.requests as usize, total, "no request was sent twice");
    assert_eq!(s.invocations as usize, total);
    assert_eq!(
        s.connections as usize,
        1 + 2 * THREADS,
        "one connection per client"
    );
    drop(client);
    let started = Instant::now();
    server.shutdown();
    assert!(started.elapsed() < Duration::from_secs(5));
}
