//! `picolambda sign --jsonl` over botocore's 60 Invoke cases: the interface other tools rely on.

use std::io::Write;
use std::process::{Command, Stdio};

use base64::Engine as _;
use serde_json::Value;

fn run_jsonl(input: &str) -> Vec<Value> {
    let mut child = Command::new(env!("CARGO_BIN_EXE_picolambda"))
        .args(["sign", "--jsonl"])
        .stdin(Stdio::piped())
        .stdout(Stdio::piped())
        .spawn()
        .unwrap();
    // Feed stdin from another thread: the CLI answers as it reads, and a large answer would
    // otherwise fill the stdout pipe while we are still writing.
    let mut stdin = child.stdin.take().unwrap();
    let input = input.to_string();
    let feeder = std::thread::spawn(move || stdin.write_all(input.as_bytes()).unwrap());
    let out = child.wait_with_output().unwrap();
    feeder.join().unwrap();
    assert!(out.status.success());
    String::from_utf8(out.stdout)
        .unwrap()
        .lines()
        .map(|l| serde_json::from_str(l).unwrap())
        .collect()
}

#[test]
fn signs_botocore_cases_in_order() {
    let cases: Vec<Value> = std::fs::read_to_string(concat!(
        env!("CARGO_MANIFEST_DIR"),
        "/../../core/tests/data/invoke/invoke_public.jsonl"
    ))
    .unwrap()
    .lines()
    .map(|l| serde_json::from_str(l).unwrap())
    .collect();
    let input: String = cases.iter().map(|c| format!("{}\n", c["inputs"])).collect();
    let results = run_jsonl(&input);
    assert_eq!(results.len(), cases.len());
    for (case, result) in cases.iter().zip(&results) {
        let id = case["id"].as_str().unwrap();
        let o = &case["outputs"];
        // The keys, in the documented order.
        let keys: Vec<&String> = result.as_object().unwrap().keys().collect();
        assert_eq!(
            keys,
            ["request", "canonical_request", "string_to_sign"],
            "{id}"
        );
        assert_eq!(result["canonical_request"], o["canonical_request"], "{id}");
        assert_eq!(result["string_to_sign"], o["string_to_sign"], "{id}");
        let raw = base64::engine::general_purpose::STANDARD
            .decode(result["request"].as_str().unwrap())
            .unwrap();
        let split = raw.windows(4).position(|w| w == b"\r\n\r\n").unwrap() + 4;
        let (head, body) = raw.split_at(split);
        let payload = match case["inputs"]["payload_b64"].as_str() {
            Some(b) => base64::engine::general_purpose::STANDARD.decode(b).unwrap(),
            None => Vec::new(),
        };
        assert_eq!(body, payload.as_slice(), "{id}: body");
        let head = std::str::from_utf8(head).unwrap();
        assert!(
            head.contains(o["authorization"].as_str().unwrap()),
            "{id}: authorization"
        );
        assert!(head.starts_with(&format!(
            "POST {} HTTP/1.1\r\n",
            o["request_target"].as_str().unwrap()
        )));
    }
}

#[test]
fn reports_typed_errors_per_line() {
    let good = r#"{"region":"us-east-1","endpoint":null,"use_fips_endpoint":false,"use_dualstack_endpoint":false,"access_key":"AKID","secret_key":"s","session_token":null,"amz_date":"20150830T123600Z","function_name":"f","qualifier":null,"invocation_type":null,"log_type":null,"client_context":null,"client_context_b64":null,"payload_b64":null}"#;
    let mut v: Value = serde_json::from_str(good).unwrap();
    let mut lines = vec![good.to_string()];
    let mut expect = vec![None];
    for (field, value, kind) in [
        (
            "function_name",
            Value::from("a".repeat(65)),
            "FunctionNameTooLong",
        ),
        (
            "function_name",
            Value::from("f\r\nX-Evil: 1"),
            "InvalidFunctionName",
        ),
        ("qualifier", Value::from("a.b"), "InvalidQualifier"),
        (
            "client_context_b64",
            Value::from("A".repeat(3584)),
            "ClientContextTooLarge",
        ),
        ("region", Value::from("us east"), "InvalidRegion"),
        ("amz_date", Value::from("2015"), "Malformed"),
        (
            "invocation_type",
            Value::from("Sync"),
            "InvalidInvocationType",
        ),
        ("session_token", Value::from("a\nb"), "InvalidSessionToken"),
    ] {
        let saved = v[field].clone();
        v[field] = value;
        lines.push(v.to_string());
        expect.push(Some(kind));
        v[field] = saved;
    }
    lines.push("not json".into());
    expect.push(Some("InvalidInput"));
    let results = run_jsonl(&(lines.join("\n") + "\n"));
    assert_eq!(results.len(), expect.len());
    for (result, kind) in results.iter().zip(expect) {
        match kind {
            None => assert!(result.get("request").is_some(), "{result}"),
            Some(k) => {
                assert_eq!(result["error"]["kind"], k, "{result}");
                assert!(!result["error"]["message"].as_str().unwrap().is_empty());
            }
        }
    }
}
