//! Load on the local endpoint: 10,000 sequential invokes over one keep-alive connection and 8
//! clients in parallel, with the server's counters checked and resident memory watched.

mod local_common;

use std::time::{Duration, Instant};

use local_common::*;
use picolambda_std::local::LocalLambda;

/// Resident set size of this process (server and client both live in it), from
/// `/proc/self/statm`; `None` where that file does not exist.
fn rss_bytes() -> Option<u64> {
    let statm = std::fs::read_to_string("/proc/self/statm").ok()?;
    let pages: u64 = statm.split_whitespace().nth(1)?.parse().ok()?;
    Some(pages * 4096)
}

#[test]
fn ten_thousand_invokes_on_one_connection_then_eight_in_parallel() {
    let server = LocalLambda::new()
        .credentials(AK, SK)
        .function("echo", |inv| {
            inv.log("echo");
            Ok(inv.payload().to_vec())
        })
        .start()
        .unwrap();
    let url = server.endpoint_url();
    let payload = br#"{"device":"sensor-7","reading":21.5}"#;

    let mut c = Client::connect(server.addr());
    let mut rss_after_warmup = None;
    let started = Instant::now();
    for i in 0..10_000 {
        let r = c.roundtrip(&invoke_bytes(
            &url,
            &request("echo"),
            payload,
            Signing::default_now(),
        ));
        assert_eq!(r.status, 200);
        assert_eq!(r.body, payload);
        if i == 1_000 {
            rss_after_warmup = rss_bytes();
        }
    }
    let elapsed = started.elapsed();
    let rss_end = rss_bytes();
    println!(
        "10,000 sequential invokes: {:.0} per second (client signing included); RSS after \
         warm-up {:?} KiB, at the end {:?} KiB",
        10_000.0 / elapsed.as_secs_f64(),
        rss_after_warmup.map(|b| b / 1024),
        rss_end.map(|b| b / 1024),
    );
    if let (Some(a), Some(b)) = (rss_after_warmup, rss_end) {
        assert!(
            b.saturating_sub(a) < 8 * 1024 * 1024,
            "resident memory grew by {} KiB over 9,000 invokes",
            (b - a) / 1024
        );
    }
    let s = server.stats();
    assert_eq!(
        (s.connections, s.requests, s.invocations),
        (1, 10_000, 10_000)
    );

    let threads: Vec<_> = (0..8)
        .map(|t| {
            let url = url.clone();
            let addr = server.addr();
            std::thread::spawn(move || {
                let mut c = Client::connect(addr);
                for i in 0..500 {
                    let body = format!("{{\"t\":{t},\"i\":{i}}}");
                    let r = c.roundtrip(&invoke_bytes(
                        &url,
                        &request("echo"),
                        body.as_bytes(),
                        Signing::default_now(),
                    ));
                    assert_eq!(r.status, 200);
                    assert_eq!(r.body, body.as_bytes());
                }
            })
        })
        .collect();
    for t in threads {
        t.join().unwrap();
    }
    let s = server.stats();
    assert_eq!((s.connections, s.requests), (9, 14_000));
    let started = Instant::now();
    server.shutdown();
    assert!(started.elapsed() < Duration::from_secs(5));
}
