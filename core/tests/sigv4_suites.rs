//! The AWS SigV4 test suites, read as data from `tests/data/sigv4/` (see the NOTICE files there).
//!
//! Both suites are run through the public signing API: every case's canonical request, string to
//! sign and signature must match byte for byte.
//!
//! Path encoding: the suites write request-line paths raw (`/example space/`, `/ሴ`). Their cases
//! with a `context.json` define the canonical URI as that path encoded once (their runner's
//! double-encoding flag is off), so they are signed with `double_encode_path: false`. The rule
//! Lambda needs, encoding the already-encoded path again, is what the two older-format cases
//! (`double-url-encode`, a Lambda Invoke, and `double-encode-path`) check, as do the 60 botocore
//! cases in `invoke_vectors.rs`.
//!
//! What does not apply, and why:
//! - `aws-signing-test-suite-v4/*/query-*`: presigned-URL (query-string) signing. Lambda `Invoke`
//!   requests are header-signed; picolambda has no presigning API.
//! - `aws-signing-test-suite-v4/double-encode-path`: its signed-request file was produced with other
//!   credentials and another date than its canonical request (`ANOTREAL`, 20150830 vs 20210511);
//!   only the canonical request is checked.
//! - `aws-sig-v4-test-suite/get-vanilla-with-session-token/*.sreq` carries the get-vanilla signature
//!   (a known defect, see its NOTICE); the `.authz` file is used instead, as for every case.

use std::fs;
use std::path::{Path, PathBuf};

use picolambda::sigv4::{normalize_path, Credentials, PayloadHash, Scope, SignableRequest, Signer};
use picolambda::time::Timestamp;
use picolambda::{Emit, Sink};

const AKID: &str = "AKIDEXAMPLE";
const SECRET: &str = "wJalrXUtnFEMI/K7MDENG+bPxRfiCYEXAMPLEKEY";

struct Buf(Vec<u8>);
impl Sink for Buf {
    fn put(&mut self, bytes: &[u8]) {
        self.0.extend_from_slice(bytes);
    }
}

fn data() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/data/sigv4")
}

/// A request parsed from a suite's `.req` / `request.txt` file.
struct RawRequest {
    method: String,
    path: String,
    query: Vec<(String, String)>,
    headers: Vec<(String, String)>,
    body: Vec<u8>,
}

fn percent_decode(s: &str) -> String {
    let b = s.as_bytes();
    let mut out = Vec::new();
    let mut i = 0;
    while i < b.len() {
        if b[i] == b'%' && i + 2 < b.len() {
            let hex = std::str::from_utf8(&b[i + 1..i + 3]).unwrap();
            out.push(u8::from_str_radix(hex, 16).unwrap());
            i += 3;
        } else {
            out.push(b[i]);
            i += 1;
        }
    }
    String::from_utf8(out).unwrap()
}

fn parse_request(text: &str) -> RawRequest {
    let text = text.replace("\r\n", "\n");
    let (head, body) = match text.find("\n\n") {
        Some(i) => (&text[..i], text.as_bytes()[i + 2..].to_vec()),
        None => (text.as_str(), Vec::new()),
    };
    let mut lines = head.split('\n');
    let request_line = lines.next().unwrap();
    let sp = request_line.find(' ').unwrap();
    let method = request_line[..sp].to_string();
    let end = request_line.rfind(" HTTP/").unwrap();
    let target = &request_line[sp + 1..end];
    let (path, query) = match target.find('?') {
        Some(i) => (&target[..i], &target[i + 1..]),
        None => (target, ""),
    };
    let query = query
        .split('&')
        .filter(|p| !p.is_empty())
        .map(|p| match p.find('=') {
            Some(i) => (percent_decode(&p[..i]), percent_decode(&p[i + 1..])),
            None => (percent_decode(p), String::new()),
        })
        .collect();
    let mut headers: Vec<(String, String)> = Vec::new();
    for line in lines {
        if line.is_empty() {
            continue;
        }
        if line.starts_with(' ') || line.starts_with('\t') {
            // Obsolete line folding: the suites join folded lines with one space.
            let last = headers.last_mut().unwrap();
            last.1.push(' ');
            last.1.push_str(line.trim());
        } else {
            let i = line.find(':').unwrap();
            headers.push((line[..i].to_string(), line[i + 1..].to_string()));
        }
    }
    RawRequest {
        method,
        path: path.to_string(),
        query,
        headers,
        body,
    }
}

struct Expected {
    creq: String,
    sts: Option<String>,
    signature: Option<String>,
}

#[allow(clippy::too_many_arguments)]
fn check(
    name: &str,
    req: &RawRequest,
    double_encode: bool,
    normalize: bool,
    region: &str,
    service: &str,
    amz_date: &str,
    token: Option<&str>,
    expected: &Expected,
) {
    let payload = PayloadHash::of(&req.body);
    // The double-encoding cases give the path exactly as sent; the others raw.
    let wire = if double_encode {
        req.path.clone()
    } else {
        wire_path(&req.path)
    };
    let mut normalized = vec![0u8; wire.len() + 1];
    let path: Vec<u8> = if normalize {
        let n = normalize_path(wire.as_bytes(), &mut normalized).unwrap();
        normalized[..n].to_vec()
    } else {
        wire.as_bytes().to_vec()
    };
    let path_str = std::str::from_utf8(&path).unwrap();
    let values: Vec<&str> = req.headers.iter().map(|(_, v)| v.as_str()).collect();
    let headers: Vec<(&str, &dyn Emit)> = req
        .headers
        .iter()
        .zip(values.iter())
        .map(|((n, _), v)| (n.as_str(), v as &dyn Emit))
        .collect();
    let query: Vec<(&str, &str)> = req
        .query
        .iter()
        .map(|(k, v)| (k.as_str(), v.as_str()))
        .collect();
    let signable = SignableRequest {
        method: &req.method,
        path: &path_str,
        double_encode_path: double_encode,
        query: &query,
        headers: &headers,
        payload: &payload,
    };
    let mut creq = Buf(Vec::new());
    signable.write_canonical_request(&mut creq);
    let creq = String::from_utf8(creq.0).unwrap();
    assert_eq!(creq, expected.creq, "{name}: canonical request");

    let scope = Scope {
        amz_date: Timestamp::parse_amz_date(amz_date.as_bytes())
            .unwrap()
            .to_amz_date()
            .unwrap(),
        region,
        service,
    };
    let mut signer = Signer::new(Credentials::new(AKID, SECRET, token).unwrap());
    let signature = signer.sign(&signable, &scope).unwrap();
    if let Some(sts) = &expected.sts {
        let mut out = Buf(Vec::new());
        scope.write_string_to_sign(signature.canonical_request_hash(), &mut out);
        assert_eq!(
            String::from_utf8(out.0).unwrap(),
            *sts,
            "{name}: string to sign"
        );
    }
    if let Some(sig) = &expected.signature {
        assert_eq!(
            std::str::from_utf8(signature.as_hex()).unwrap(),
            sig,
            "{name}: signature"
        );
    }
}

/// Expected-output files end with a newline that is not part of the value.
fn read(p: &Path) -> String {
    let text = fs::read_to_string(p).unwrap_or_else(|e| panic!("{}: {e}", p.display()));
    text.strip_suffix('\n').map(str::to_string).unwrap_or(text)
}

/// The suites write request-line paths raw (`/example space/`, `/ሴ`); on the wire they are
/// percent-encoded once, leaving existing escapes alone.
fn wire_path(raw: &str) -> String {
    let mut out = String::new();
    for b in raw.bytes() {
        if b.is_ascii_alphanumeric() || b"-._~/%".contains(&b) {
            out.push(b as char);
        } else {
            out.push_str(&format!("%{b:02X}"));
        }
    }
    out
}

fn case_dirs(root: &Path) -> Vec<PathBuf> {
    let mut out = Vec::new();
    let mut stack = vec![root.to_path_buf()];
    while let Some(dir) = stack.pop() {
        for entry in fs::read_dir(&dir).unwrap() {
            let p = entry.unwrap().path();
            if p.is_dir() {
                stack.push(p);
            }
        }
        if dir != root {
            out.push(dir);
        }
    }
    out.sort();
    out
}

#[test]
fn classic_suite() {
    let root = data().join("aws-sig-v4-test-suite");
    let mut ran = 0;
    for dir in case_dirs(&root) {
        let name = dir.file_name().unwrap().to_str().unwrap().to_string();
        let req_file = dir.join(format!("{name}.req"));
        if !req_file.exists() {
            // Grouping directories (normalize-path, post-sts-token) hold only notes.
            continue;
        }
        let req = parse_request(&read(&req_file));
        let amz_date = req
            .headers
            .iter()
            .find(|(n, _)| n.eq_ignore_ascii_case("x-amz-date"))
            .map(|(_, v)| v.clone())
            .unwrap();
        let creq = read(&dir.join(format!("{name}.creq")));
        // The session-token case keeps its token only in the .creq (see the suite's NOTICE).
        let token = creq
            .lines()
            .find_map(|l| l.strip_prefix("x-amz-security-token:"))
            .map(str::to_string);
        let mut req = req;
        if let Some(t) = &token {
            if !req
                .headers
                .iter()
                .any(|(n, _)| n.eq_ignore_ascii_case("x-amz-security-token"))
            {
                req.headers.push(("X-Amz-Security-Token".into(), t.clone()));
            }
        }
        let authz = read(&dir.join(format!("{name}.authz")));
        let signature = authz
            .rsplit("Signature=")
            .next()
            .unwrap()
            .trim()
            .to_string();
        let expected = Expected {
            creq,
            sts: Some(read(&dir.join(format!("{name}.sts")))),
            signature: Some(signature),
        };
        check(
            &name,
            &req,
            false,
            true,
            "us-east-1",
            "service",
            &amz_date,
            token.as_deref(),
            &expected,
        );
        ran += 1;
    }
    // 34 cases: 25 at the top level, 7 under normalize-path, 2 under post-sts-token.
    assert_eq!(ran, 34, "classic suite cases run");
}

#[test]
fn newer_suite_header_signing() {
    let root = data().join("aws-signing-test-suite-v4");
    let mut ran = 0;
    for dir in case_dirs(&root) {
        let name = dir.file_name().unwrap().to_str().unwrap().to_string();
        let mut req = parse_request(&read(&dir.join("request.txt")));
        let ctx_file = dir.join("context.json");
        if !ctx_file.exists() {
            continue; // the two older-format cases: checked in `lambda_double_url_encode_case`
        }
        let ctx: serde_json::Value = serde_json::from_str(&read(&ctx_file)).unwrap();
        let ts = ctx["timestamp"].as_str().unwrap();
        // "2015-08-30T12:36:00Z" -> "20150830T123600Z"
        let amz_date: String = ts.chars().filter(|c| *c != '-' && *c != ':').collect();
        req.headers.push(("X-Amz-Date".into(), amz_date.clone()));
        let token = ctx["credentials"]["token"].as_str();
        if let Some(t) = token {
            if !ctx["omit_session_token"].as_bool().unwrap_or(false) {
                req.headers.push(("X-Amz-Security-Token".into(), t.into()));
            }
        }
        if ctx["sign_body"].as_bool().unwrap_or(false) {
            let hash = PayloadHash::of(&req.body);
            req.headers
                .push(("X-Amz-Content-Sha256".into(), hex::encode(hash.sha256())));
        }
        let expected = Expected {
            creq: read(&dir.join("header-canonical-request.txt")),
            sts: Some(read(&dir.join("header-string-to-sign.txt"))),
            signature: Some(read(&dir.join("header-signature.txt")).trim().to_string()),
        };
        assert_eq!(ctx["credentials"]["access_key_id"], AKID);
        check(
            &name,
            &req,
            false,
            ctx["normalize"].as_bool().unwrap(),
            ctx["region"].as_str().unwrap(),
            ctx["service"].as_str().unwrap(),
            &amz_date,
            None,
            &expected,
        );
        ran += 1;
    }
    assert_eq!(ran, 38, "newer suite cases with context.json");
}

#[test]
fn lambda_double_url_encode_case() {
    let dir = data().join("aws-signing-test-suite-v4/double-url-encode");
    let mut req = parse_request(&read(&dir.join("request.txt")));
    // The request line already carries the X-Amz-Date header in this older format.
    let amz_date = req
        .headers
        .iter()
        .find(|(n, _)| n.eq_ignore_ascii_case("x-amz-date"))
        .map(|(_, v)| v.clone())
        .unwrap();
    let signed = read(&dir.join("header-signed-request.txt"));
    let signature = signed
        .split("Signature=")
        .nth(1)
        .unwrap()
        .lines()
        .next()
        .unwrap()
        .trim()
        .to_string();
    req.headers
        .retain(|(n, _)| !n.eq_ignore_ascii_case("authorization"));
    check(
        "double-url-encode",
        &req,
        true,
        false,
        "us-east-2",
        "lambda",
        &amz_date,
        None,
        &Expected {
            creq: read(&dir.join("header-canonical-request.txt")),
            sts: Some(read(&dir.join("header-string-to-sign.txt"))),
            signature: Some(signature),
        },
    );

    let dir = data().join("aws-signing-test-suite-v4/double-encode-path");
    let req = parse_request(&read(&dir.join("request.txt")));
    let mut req2 = RawRequest {
        headers: req
            .headers
            .iter()
            .filter(|(n, _)| n.eq_ignore_ascii_case("host"))
            .cloned()
            .collect(),
        ..req
    };
    req2.headers
        .push(("X-Amz-Date".into(), "20210511T154045Z".into()));
    check(
        "double-encode-path",
        &req2,
        true,
        false,
        "us-east-1",
        "service",
        "20210511T154045Z",
        None,
        &Expected {
            creq: read(&dir.join("header-canonical-request.txt")),
            sts: None,
            signature: None,
        },
    );
}
