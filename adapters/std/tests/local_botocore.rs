//! The local endpoint accepts what botocore (the reference SigV4 signer) sends, and botocore
//! understands what the endpoint answers: `tests/botocore_local_endpoint.py` runs boto3 against
//! a `LocalLambda` started here.
//!
//! Needs the project venv (`bash scripts/python-env.sh`, which `scripts/test.sh` runs first); a
//! missing venv fails the test, it is never skipped.

use std::io::Read;
use std::path::PathBuf;
use std::process::{Command, Stdio};
use std::time::{Duration, Instant};

use picolambda_std::local::{Function, FunctionError, LocalLambda};

const AK: &str = "AKIDBOTOCORELOCAL";
const SK: &str = "botocore/local+secret";
const TEMP_AK: &str = "ASIABOTOCORELOCAL";
const TEMP_SK: &str = "temporary-secret";
const TOKEN: &str = "FwoGZXIvYXdzEBYaDH//session+token==";

#[test]
fn botocore_invokes_are_accepted() {
    let root = PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("../..");
    let python = root.join(".venv/bin/python");
    assert!(
        python.exists(),
        "{} is missing: run `bash scripts/python-env.sh` (scripts/test.sh does it first)",
        python.display()
    );
    let script = root.join("tests/botocore_local_endpoint.py");

    let server = LocalLambda::new()
        .credentials(AK, SK)
        .temporary_credentials(TEMP_AK, TEMP_SK, TOKEN)
        .register(
            Function::new("echo", |inv| {
                inv.log(format!("echo {} bytes", inv.payload().len()));
                Ok(inv.payload().to_vec())
            })
            .publish_version(1)
            .alias("live", "1"),
        )
        .function("fail", |_| {
            Err(FunctionError::unhandled("ValueError", "bad input"))
        })
        .function("ctx", |inv| {
            Ok(inv.client_context().unwrap_or(b"null").to_vec())
        })
        .function("log", |inv| {
            let n = serde_json::from_slice::<serde_json::Value>(inv.payload())
                .ok()
                .and_then(|v| v["lines"].as_u64())
                .unwrap_or(3);
            for i in 0..n {
                inv.log(format!("log line {i}"));
            }
            Ok(format!("{{\"logged\":{n}}}").into_bytes())
        })
        .start()
        .unwrap();

    let mut child = Command::new(&python)
        .arg(&script)
        .args(["--endpoint", &server.endpoint_url()])
        .args(["--access-key", AK, "--secret-key", SK])
        .args(["--temp-access-key", TEMP_AK, "--temp-secret-key", TEMP_SK])
        .args(["--session-token", TOKEN])
        // botocore must use only what it is given, not the developer's AWS configuration.
        .env("AWS_CONFIG_FILE", "/dev/null")
        .env("AWS_SHARED_CREDENTIALS_FILE", "/dev/null")
        .env_remove("AWS_PROFILE")
        .env_remove("AWS_ENDPOINT_URL")
        .env_remove("AWS_ENDPOINT_URL_LAMBDA")
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .expect("start python");
    // Read both pipes on threads so a chatty child cannot block on a full pipe.
    let mut stdout = child.stdout.take().unwrap();
    let mut stderr = child.stderr.take().unwrap();
    let out = std::thread::spawn(move || {
        let mut s = String::new();
        let _ = stdout.read_to_string(&mut s);
        s
    });
    let err = std::thread::spawn(move || {
        let mut s = String::new();
        let _ = stderr.read_to_string(&mut s);
        s
    });
    let deadline = Instant::now() + Duration::from_secs(180);
    let status = loop {
        if let Some(status) = child.try_wait().unwrap() {
            break Some(status);
        }
        if Instant::now() > deadline {
            let _ = child.kill();
            let _ = child.wait();
            break None;
        }
        std::thread::sleep(Duration::from_millis(50));
    };
    let out = out.join().unwrap();
    let err = err.join().unwrap();
    println!("{out}");
    eprintln!("{err}");
    let status = status.expect("botocore script timed out after 180 s");
    let summary = out.lines().last().unwrap_or_default();
    let (passed, failed) = summary
        .split_once(" passed, ")
        .and_then(|(p, f)| {
            Some((
                p.parse::<u32>().ok()?,
                f.strip_suffix(" failed")?.parse::<u32>().ok()?,
            ))
        })
        .unwrap_or_else(|| panic!("no summary line in the script's output"));
    assert!(status.success(), "script failed: {summary}");
    assert_eq!(failed, 0, "{summary}");
    assert!(passed >= 30, "only {passed} checks ran");
    assert!(server.stats().invocations >= passed.into());
}
