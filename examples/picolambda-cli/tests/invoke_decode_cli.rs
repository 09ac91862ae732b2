//! `picolambda invoke` and `picolambda decode`: the JSON shapes and exit codes other tools rely on.

use std::io::Write;
use std::process::{Command, Output, Stdio};

use serde_json::Value;

fn picolambda(args: &[&str], stdin: &[u8]) -> Output {
    let mut cmd = Command::new(env!("CARGO_BIN_EXE_picolambda"));
    cmd.args(args)
        .stdin(Stdio::piped())
        .stdout(Stdio::piped())
        .stderr(Stdio::piped());
    // No AWS configuration: `invoke` must fall back to its in-process local endpoint.
    for var in [
        "AWS_ACCESS_KEY_ID",
        "AWS_SECRET_ACCESS_KEY",
        "AWS_SESSION_TOKEN",
        "AWS_PROFILE",
        "AWS_ENDPOINT_URL",
        "AWS_ENDPOINT_URL_LAMBDA",
        "AWS_REGION",
        "AWS_DEFAULT_REGION",
    ] {
        cmd.env_remove(var);
    }
    cmd.env(
        "AWS_SHARED_CREDENTIALS_FILE",
        "/nonexistent/picolambda-test",
    );
    let mut child = cmd.spawn().unwrap();
    let mut pipe = child.stdin.take().unwrap();
    let input = stdin.to_vec();
    let feeder = std::thread::spawn(move || {
        let _ = pipe.write_all(&input);
    });
    let out = child.wait_with_output().unwrap();
    feeder.join().unwrap();
    out
}

fn json(out: &Output) -> Value {
    serde_json::from_slice(&out.stdout).unwrap_or_else(|e| {
        panic!(
            "{e}: stdout {:?} stderr {:?}",
            String::from_utf8_lossy(&out.stdout),
            String::from_utf8_lossy(&out.stderr)
        )
    })
}

#[test]
fn invoke_works_out_of_the_box() {
    let out = picolambda(&["invoke", "echo", "--payload", "{\"hi\":1}"], b"");
    assert!(out.status.success(), "{out:?}");
    assert!(String::from_utf8_lossy(&out.stderr).contains("in-process local endpoint"));
    assert!(String::from_utf8_lossy(&out.stdout).contains("{\"hi\":1}"));
}

#[test]
fn invoke_json_shapes_and_exit_codes() {
    let out = picolambda(
        &[
            "invoke",
            "echo",
            "--payload",
            "{\"a\":2}",
            "--qualifier",
            "live",
            "--log-type",
            "Tail",
            "--output",
            "json",
        ],
        b"",
    );
    assert_eq!(out.status.code(), Some(0));
    let v = json(&out);
    assert_eq!(v["StatusCode"], 200);
    assert_eq!(v["ExecutedVersion"], "1");
    assert_eq!(v["Payload"], "{\"a\":2}");
    assert!(v["LogResult"].as_str().unwrap().contains("echo: 7 bytes"));
    assert!(v["RequestId"].is_string());
    assert!(v.get("FunctionError").is_none());

    let out = picolambda(&["invoke", "fail", "--output", "json"], b"");
    assert_eq!(
        out.status.code(),
        Some(0),
        "a function error is still exit 0"
    );
    assert_eq!(json(&out)["FunctionError"], "Unhandled");

    let out = picolambda(&["invoke", "missing", "--output", "json"], b"");
    assert_eq!(out.status.code(), Some(1));
    let v = json(&out);
    assert_eq!(v["Error"]["Code"], "ResourceNotFoundException");
    assert_eq!(v["Error"]["StatusCode"], 404);
    assert!(v["Error"]["Message"].as_str().unwrap().contains("missing"));

    for (t, status) in [("Event", 202), ("DryRun", 204)] {
        let out = picolambda(
            &["invoke", "echo", "--invocation-type", t, "--output", "json"],
            b"",
        );
        assert_eq!(out.status.code(), Some(0));
        let v = json(&out);
        assert_eq!(v["StatusCode"], status);
        assert_eq!(v["Payload"], "");
    }

    // Transport failure: nothing listens there.
    let out = picolambda(
        &[
            "invoke",
            "echo",
            "--endpoint",
            "http://127.0.0.1:1",
            "--output",
            "json",
        ],
        b"",
    );
    assert_eq!(out.status.code(), Some(2));
}

#[test]
fn invoke_streams_file_payloads_and_writes_outfile() {
    let dir = std::env::temp_dir().join(format!("picolambda-cli-{}", std::process::id()));
    std::fs::create_dir_all(&dir).unwrap();
    let input = dir.join("in.json");
    let output = dir.join("out.json");
    let payload = format!("{{\"data\":\"{}\"}}", "x".repeat(200_000));
    std::fs::write(&input, &payload).unwrap();
    let out = picolambda(
        &[
            "invoke",
            "echo",
            "--payload",
            &format!("file://{}", input.display()),
            "--outfile",
            output.to_str().unwrap(),
        ],
        b"",
    );
    assert!(out.status.success(), "{out:?}");
    assert_eq!(std::fs::read(&output).unwrap(), payload.as_bytes());
    assert!(!String::from_utf8_lossy(&out.stdout).contains("xxxx"));
    std::fs::remove_dir_all(&dir).unwrap();
}

const OK: &[u8] = b"HTTP/1.1 200 OK\r\nx-amzn-RequestId: req-1\r\nX-Amz-Executed-Version: 7\r\n\
X-Amz-Function-Error: Unhandled\r\nX-Amz-Log-Result: aGVsbG8gbG9n\r\nTransfer-Encoding: chunked\r\n\r\n\
5\r\n{\"a\":\r\n3\r\n 1}\r\n0\r\n\r\n";

#[test]
fn decode_prints_one_object_at_any_chunk_size() {
    let whole = picolambda(&["decode"], OK);
    assert_eq!(whole.status.code(), Some(0));
    let v = json(&whole);
    assert_eq!(
        v,
        serde_json::json!({"StatusCode": 200, "FunctionError": "Unhandled", "LogResult": "hello log",
            "ExecutedVersion": "7", "RequestId": "req-1", "Payload": "{\"a\": 1}"})
    );
    for chunk in ["1", "2", "7", "64"] {
        let out = picolambda(&["decode", "--chunk", chunk], OK);
        assert_eq!(json(&out), v, "--chunk {chunk}");
    }
}

#[test]
fn decode_service_errors_and_bad_input() {
    let err = b"HTTP/1.1 404 Not Found\r\nx-amzn-ErrorType: ResourceNotFoundException:http://internal.amazon.com/coral/com.amazonaws.lambda/\r\n\
Content-Length: 39\r\n\r\n{\"Type\":\"User\",\"message\":\"Not found x\"}";
    let out = picolambda(&["decode"], err);
    assert_eq!(out.status.code(), Some(1));
    assert_eq!(
        json(&out),
        serde_json::json!({"Error": {"Code": "ResourceNotFoundException", "Message": "Not found x", "StatusCode": 404}})
    );
    // An HTML 502 from a proxy: typed from the status, Code null.
    let html = b"HTTP/1.1 502 Bad Gateway\r\nContent-Length: 13\r\n\r\n<html>x</html";
    let out = picolambda(&["decode"], html);
    assert_eq!(out.status.code(), Some(1));
    assert_eq!(json(&out)["Error"]["Code"], Value::Null);
    assert_eq!(json(&out)["Error"]["StatusCode"], 502);
    // Truncated and malformed: a message on stderr, exit 2.
    for bad in [
        &b"HTTP/1.1 200 OK\r\nContent-Length: 10\r\n\r\nabc"[..],
        b"garbage\r\n\r\n",
    ] {
        let out = picolambda(&["decode"], bad);
        assert_eq!(out.status.code(), Some(2));
        assert!(out.stdout.is_empty());
        assert!(!out.stderr.is_empty());
    }
}
