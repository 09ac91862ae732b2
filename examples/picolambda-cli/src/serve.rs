//! `picolambda serve [--port P] [--region R]`: the local Lambda-compatible endpoint
//! (`picolambda_std::local`) on `127.0.0.1`, with three demo functions, until killed.
//!
//! Credentials: those in `AWS_ACCESS_KEY_ID`/`AWS_SECRET_ACCESS_KEY` (and `AWS_SESSION_TOKEN`)
//! when set, so a shell configured for `picolambda invoke` just works; otherwise the fixed local
//! pair [`LOCAL_ACCESS_KEY`]/[`LOCAL_SECRET_KEY`], printed at start-up.

use picolambda_std::local::{Function, FunctionError, LocalLambda};

use crate::args::Args;

/// The port `serve` listens on without `--port`.
pub(crate) const DEFAULT_PORT: u16 = 9001;
/// The access key accepted when the environment has no credentials.
pub(crate) const LOCAL_ACCESS_KEY: &str = "LOCALKEY";
/// The secret key accepted when the environment has no credentials (a local test value, not a
/// secret).
pub(crate) const LOCAL_SECRET_KEY: &str = "localsecret";

const USAGE: &str = "\
usage: picolambda serve [--port P] [--region R]

Runs a local Lambda-compatible endpoint on 127.0.0.1:P (default 9001) until killed.
Requests must be signed for region R (default: AWS_REGION, AWS_DEFAULT_REGION, else us-east-1)
with the credentials in AWS_ACCESS_KEY_ID/AWS_SECRET_ACCESS_KEY[/AWS_SESSION_TOKEN] if set,
else access key LOCALKEY and secret key localsecret.

functions:
  echo   returns its payload and logs a line; version 1, alias `live` -> 1
  fail   fails with an Unhandled function error
  log    logs {\"lines\": N} lines (default 5, at most 1000) and returns {\"logged\": N}
";

fn env_nonempty(name: &str) -> Option<String> {
    std::env::var(name).ok().filter(|v| !v.is_empty())
}

/// The demo functions (`echo`, `fail`, `log`) added to `builder`.
pub(crate) fn with_demo_functions(builder: LocalLambda) -> LocalLambda {
    builder
        .register(
            Function::new("echo", |inv| {
                inv.log(format!("echo: {} bytes", inv.payload().len()));
                Ok(inv.payload().to_vec())
            })
            .publish_version(1)
            .alias("live", "1"),
        )
        .function("fail", |inv| {
            inv.log("fail: about to fail, as designed");
            Err(FunctionError::unhandled(
                "DemoError",
                &format!(
                    "the demo function failed on purpose (payload was {} bytes)",
                    inv.payload().len()
                ),
            ))
        })
        .function("log", |inv| {
            let lines = serde_json::from_slice::<serde_json::Value>(inv.payload())
                .ok()
                .and_then(|v| v.get("lines").and_then(serde_json::Value::as_u64))
                .unwrap_or(5)
                .min(1000);
            for i in 1..=lines {
                inv.log(format!("log: line {i} of {lines}"));
            }
            Ok(serde_json::json!({ "logged": lines })
                .to_string()
                .into_bytes())
        })
}

/// Runs `serve` with the arguments after the subcommand; returns the exit code (only on error:
/// on success it serves until the process is killed).
pub(crate) fn run(rest: Vec<String>) -> i32 {
    let args = match Args::parse(rest, &["port", "region"], &["help"]) {
        Ok(a) => a,
        Err(e) => {
            eprintln!("picolambda serve: {e}\n\n{USAGE}");
            return 2;
        }
    };
    if args.flag("help") {
        print!("{USAGE}");
        return 0;
    }
    if !args.positionals.is_empty() {
        eprintln!(
            "picolambda serve: unexpected argument {:?}\n\n{USAGE}",
            args.positionals[0]
        );
        return 2;
    }
    let port = match args.value("port").map(str::parse::<u16>) {
        None => DEFAULT_PORT,
        Some(Ok(p)) => p,
        Some(Err(_)) => {
            eprintln!("picolambda serve: --port takes a number from 0 to 65535\n\n{USAGE}");
            return 2;
        }
    };
    let region = args
        .value("region")
        .map(str::to_owned)
        .or_else(|| env_nonempty("AWS_REGION"))
        .or_else(|| env_nonempty("AWS_DEFAULT_REGION"))
        .unwrap_or_else(|| "us-east-1".to_owned());

    let mut builder = LocalLambda::new()
        .port(port)
        .region(&region)
        .log_to_stderr(true);
    // Only the access key id is ever printed: a secret from the environment stays out of logs.
    let credentials_note = match (
        env_nonempty("AWS_ACCESS_KEY_ID"),
        env_nonempty("AWS_SECRET_ACCESS_KEY"),
    ) {
        (Some(ak), Some(sk)) => {
            let note = format!(
                "sign with the credentials from AWS_ACCESS_KEY_ID/AWS_SECRET_ACCESS_KEY \
                 (access key {ak})"
            );
            builder = match env_nonempty("AWS_SESSION_TOKEN") {
                Some(token) => builder.temporary_credentials(&ak, &sk, &token),
                None => builder.credentials(&ak, &sk),
            };
            note
        }
        _ => {
            builder = builder.credentials(LOCAL_ACCESS_KEY, LOCAL_SECRET_KEY);
            format!(
                "sign with AWS_ACCESS_KEY_ID={LOCAL_ACCESS_KEY} \
                 AWS_SECRET_ACCESS_KEY={LOCAL_SECRET_KEY}"
            )
        }
    };
    let server = match with_demo_functions(builder).start() {
        Ok(s) => s,
        Err(e) => {
            eprintln!("picolambda serve: cannot start on 127.0.0.1:{port}: {e}");
            return 1;
        }
    };
    eprintln!(
        "picolambda serve: Lambda endpoint at {} (region {region}); {credentials_note}; \
         functions echo (version 1, alias live), fail, log",
        server.endpoint_url()
    );
    // Serve until killed: SIGINT/SIGTERM end the process with their default action.
    loop {
        std::thread::park();
    }
}

#[cfg(test)]
mod tests {
    use std::io::{Read, Write};
    use std::time::{SystemTime, UNIX_EPOCH};

    use picolambda::endpoint::Endpoint;
    use picolambda::http::request::InvokeHead;
    use picolambda::invoke::{FunctionName, InvokeRequest};
    use picolambda::sigv4::{Credentials, PayloadHash, Signer};
    use picolambda::time::Timestamp;

    use super::*;

    /// Invokes `name` on a fresh connection with `Connection: close`; returns the raw response.
    fn invoke(url: &str, addr: std::net::SocketAddr, name: &str, payload: &[u8]) -> String {
        let endpoint = Endpoint::from_url(url, "us-east-1").unwrap();
        let creds = Credentials::new(LOCAL_ACCESS_KEY, LOCAL_SECRET_KEY, None).unwrap();
        let request = InvokeRequest::new(FunctionName::new(name).unwrap());
        let now = SystemTime::now()
            .duration_since(UNIX_EPOCH)
            .unwrap()
            .as_secs();
        let hash = PayloadHash::of(payload);
        let head = InvokeHead::new(
            &request,
            &endpoint,
            &creds,
            Timestamp::from_unix_secs(now),
            &hash,
        )
        .unwrap();
        let mut buf = vec![0u8; 4096];
        let n = head.write(&mut Signer::new(creds), &mut buf).unwrap();
        let mut bytes = buf[..n - 2].to_vec();
        bytes.extend_from_slice(b"Connection: close\r\n\r\n");
        bytes.extend_from_slice(payload);
        let mut stream = std::net::TcpStream::connect(addr).unwrap();
        stream.write_all(&bytes).unwrap();
        let mut response = String::new();
        stream.read_to_string(&mut response).unwrap();
        response
    }

    #[test]
    fn demo_functions_answer() {
        let server =
            with_demo_functions(LocalLambda::new().credentials(LOCAL_ACCESS_KEY, LOCAL_SECRET_KEY))
                .start()
                .unwrap();
        let (url, addr) = (server.endpoint_url(), server.addr());
        let r = invoke(&url, addr, "echo:live", br#"{"hi":1}"#);
        assert!(r.starts_with("HTTP/1.1 200 OK\r\n"), "{r}");
        assert!(r.contains("\r\nX-Amz-Executed-Version: 1\r\n"), "{r}");
        assert!(r.ends_with("\r\n\r\n{\"hi\":1}"), "{r}");
        let r = invoke(&url, addr, "fail", b"{}");
        assert!(r.contains("\r\nX-Amz-Function-Error: Unhandled\r\n"), "{r}");
        assert!(r.contains("\"errorType\":\"DemoError\""), "{r}");
        let r = invoke(&url, addr, "log", br#"{"lines":3}"#);
        assert!(r.ends_with("{\"logged\":3}"), "{r}");
    }
}
