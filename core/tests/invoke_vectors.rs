//! The 60 botocore Invoke cases (`tests/data/invoke/invoke_public.jsonl`, botocore 1.44.8 with a
//! frozen clock): for each, picolambda must produce botocore's path, query, `Host`, every
//! `x-amz-*` header value, canonical request, string to sign, signature and `Authorization`.
//!
//! Format (one JSON object a line): `inputs` (region, endpoint, use_fips_endpoint,
//! use_dualstack_endpoint, access_key, secret_key, session_token, amz_date, function_name,
//! qualifier, invocation_type, log_type, client_context, client_context_b64, payload_b64) and
//! `outputs` (path, query, host, headers, signed_headers, canonical_request, string_to_sign,
//! signature, authorization, raw_request_head).

use base64ct::{Base64, Encoding};
use picolambda::endpoint::{Endpoint, EndpointOptions};
use picolambda::http::request::InvokeHead;
use picolambda::invoke::{
    ClientContext, FunctionName, InvocationType, InvokeRequest, LogType, Qualifier,
};
use picolambda::sigv4::{Credentials, PayloadHash, Signer};
use picolambda::time::Timestamp;
use picolambda::Sink;
use serde_json::Value;

struct Buf(Vec<u8>);
impl Sink for Buf {
    fn put(&mut self, bytes: &[u8]) {
        self.0.extend_from_slice(bytes);
    }
}

fn s(v: &Value) -> Option<&str> {
    v.as_str()
}

#[test]
fn botocore_invoke_cases() {
    let text = std::fs::read_to_string(concat!(
        env!("CARGO_MANIFEST_DIR"),
        "/tests/data/invoke/invoke_public.jsonl"
    ))
    .unwrap();
    let mut ran = 0;
    for line in text.lines().filter(|l| !l.trim().is_empty()) {
        let case: Value = serde_json::from_str(line).unwrap();
        let id = case["id"].as_str().unwrap();
        let i = &case["inputs"];
        let o = &case["outputs"];

        let mut request =
            InvokeRequest::new(FunctionName::new(s(&i["function_name"]).unwrap()).unwrap());
        if let Some(q) = s(&i["qualifier"]) {
            request = request.with_qualifier(Qualifier::new(q).unwrap());
        }
        if let Some(t) = s(&i["invocation_type"]) {
            request = request.with_invocation_type(InvocationType::parse(t).unwrap());
        }
        if let Some(t) = s(&i["log_type"]) {
            request = request.with_log_type(LogType::parse(t).unwrap());
        }
        // botocore sends ClientContext as given (already base64). Half the cases go through the
        // core's own encoder from the raw JSON instead: the header must come out the same.
        let raw_cc = s(&i["client_context"]).map(str::as_bytes);
        if let Some(b64) = s(&i["client_context_b64"]) {
            let cc = if ran % 2 == 0 {
                ClientContext::base64(b64).unwrap()
            } else {
                ClientContext::json(raw_cc.unwrap()).unwrap()
            };
            request = request.with_client_context(cc);
        }
        let payload = match s(&i["payload_b64"]) {
            Some(b) => Base64::decode_vec(b).unwrap(),
            None => Vec::new(),
        };
        let region = s(&i["region"]).unwrap();
        let endpoint = Endpoint::resolve(
            region,
            s(&i["endpoint"]),
            EndpointOptions {
                fips: i["use_fips_endpoint"].as_bool().unwrap(),
                dual_stack: i["use_dualstack_endpoint"].as_bool().unwrap(),
            },
        )
        .unwrap();
        let creds = Credentials::new(
            s(&i["access_key"]).unwrap(),
            s(&i["secret_key"]).unwrap(),
            s(&i["session_token"]),
        )
        .unwrap();
        let now = Timestamp::parse_amz_date(s(&i["amz_date"]).unwrap().as_bytes()).unwrap();
        let hash = PayloadHash::of(&payload);
        assert_eq!(
            hex::encode(hash.sha256()),
            o["payload_sha256"].as_str().unwrap(),
            "{id}"
        );
        let head = InvokeHead::new(&request, &endpoint, &creds, now, &hash).unwrap();

        let mut creq = Buf(Vec::new());
        head.write_canonical_request(&mut creq);
        assert_eq!(
            String::from_utf8(creq.0).unwrap(),
            o["canonical_request"].as_str().unwrap(),
            "{id}: canonical request"
        );
        let mut sts = Buf(Vec::new());
        head.write_string_to_sign(&mut sts);
        assert_eq!(
            String::from_utf8(sts.0).unwrap(),
            o["string_to_sign"].as_str().unwrap(),
            "{id}: string to sign"
        );

        let mut signer = Signer::new(creds);
        let mut buf = vec![0u8; 16 * 1024];
        let n = head.write(&mut signer, &mut buf).unwrap();
        let written = std::str::from_utf8(&buf[..n]).unwrap();
        let mut lines = written.split("\r\n");
        let request_line = lines.next().unwrap();
        let target = o["request_target"].as_str().unwrap();
        assert_eq!(
            request_line,
            format!("POST {target} HTTP/1.1"),
            "{id}: request line"
        );
        let ours: Vec<(String, String)> = lines
            .take_while(|l| !l.is_empty())
            .map(|l| {
                let (n, v) = l.split_once(": ").unwrap();
                (n.to_string(), v.to_string())
            })
            .collect();
        let find = |list: &[(String, String)], name: &str| {
            list.iter()
                .find(|(n, _)| n.eq_ignore_ascii_case(name))
                .map(|(_, v)| v.clone())
        };
        let theirs: Vec<(String, String)> = o["headers"]
            .as_array()
            .unwrap()
            .iter()
            .map(|h| {
                (
                    h[0].as_str().unwrap().to_string(),
                    h[1].as_str().unwrap().to_string(),
                )
            })
            .collect();
        // Every signed header botocore sent, plus Content-Length and Authorization, is ours too,
        // with the same value; and we send no other x-amz-* header.
        for name in o["signed_headers"]
            .as_array()
            .unwrap()
            .iter()
            .map(|v| v.as_str().unwrap())
            .chain(["content-length", "authorization"])
        {
            assert_eq!(
                find(&ours, name),
                find(&theirs, name),
                "{id}: header {name}"
            );
        }
        for (name, _) in &ours {
            if name.to_ascii_lowercase().starts_with("x-amz-") {
                assert!(find(&theirs, name).is_some(), "{id}: extra header {name}");
            }
        }
        assert_eq!(
            find(&ours, "host").unwrap(),
            o["host"].as_str().unwrap(),
            "{id}: host"
        );
        assert!(
            find(&ours, "authorization")
                .unwrap()
                .ends_with(&format!("Signature={}", o["signature"].as_str().unwrap())),
            "{id}: signature"
        );
        ran += 1;
    }
    assert_eq!(ran, 60);
}
