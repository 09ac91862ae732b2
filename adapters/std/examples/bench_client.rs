//! Invokes per second of `LambdaClient` over loopback, for `scripts/bench-invoke.sh`.
//!
//! `cargo run --release -p picolambda-std --example bench_client -- URL COUNT [FUNCTION]`
//! signs with AWS_ACCESS_KEY_ID/AWS_SECRET_ACCESS_KEY if set, else `picolambda serve`'s local
//! pair, and prints `invokes_per_sec=N` (after a warm-up of COUNT/10 invokes).

use std::time::Instant;

use picolambda::invoke::{FunctionName, InvokeRequest};
use picolambda_std::{ClientConfig, LambdaClient, OwnedCredentials};

fn main() {
    let mut args = std::env::args().skip(1);
    let url = args
        .next()
        .expect("usage: bench_client URL COUNT [FUNCTION]");
    let count: u32 = args.next().and_then(|c| c.parse().ok()).unwrap_or(2000);
    let function = args.next().unwrap_or_else(|| "echo".into());
    let credentials = picolambda_std::config::credentials_from_env().unwrap_or(OwnedCredentials {
        access_key_id: "LOCALKEY".into(),
        secret_access_key: "localsecret".into(),
        session_token: None,
    });
    let mut client = LambdaClient::new(ClientConfig {
        credentials,
        region: picolambda_std::config::default_region().unwrap_or_else(|| "us-east-1".into()),
        endpoint_url: Some(url),
        endpoint_options: Default::default(),
        net: Default::default(),
        retry: Default::default(),
    });
    let request = InvokeRequest::new(FunctionName::new(&function).expect("function name"));
    let payload = br#"{"hello":"world","n":42}"#;
    let run = |client: &mut LambdaClient, n: u32| {
        for _ in 0..n {
            let r = client.invoke(&request, payload).expect("invoke");
            assert_eq!(r.outcome.status(), 200, "{:?}", r.outcome);
        }
    };
    run(&mut client, (count / 10).max(1));
    let start = Instant::now();
    run(&mut client, count);
    let secs = start.elapsed().as_secs_f64();
    println!("invokes={count}");
    println!("connections={}", client.connections_opened());
    println!("invokes_per_sec={:.0}", f64::from(count) / secs);
}
