//! SigV4 verification, the way Lambda's front end does it: parse `Authorization`, check the time
//! window and the credential scope, look the key up, check the session token, then recompute the
//! signature with the core's signer over exactly the headers the client listed in
//! `SignedHeaders` and compare.
//!
//! ```text
//! Authorization = "AWS4-HMAC-SHA256" SP "Credential=" AK "/" YYYYMMDD "/" region "/" service
//!                 "/aws4_request" "," OWS "SignedHeaders=" name *(";" name) "," OWS
//!                 "Signature=" 64HEXDIG
//! ```

use picolambda::sigv4::{Credentials, PayloadHash, Scope, SignableRequest, Signer, ALGORITHM};
use picolambda::time::Timestamp;
use picolambda::{Emit, Sink};

use super::error::ApiError;
use super::http::Request;

/// How far `X-Amz-Date` may be from the server's clock: 5 minutes, as for every AWS service.
pub(crate) const MAX_SKEW_SECS: u64 = 5 * 60;

/// The signing name the credential scope must carry.
const SERVICE: &str = "lambda";

/// A key pair the endpoint accepts, with the session token it requires (temporary credentials).
#[derive(Clone)]
pub(crate) struct AcceptedKey {
    pub(crate) access_key_id: String,
    pub(crate) secret_access_key: String,
    pub(crate) session_token: Option<String>,
}

impl std::fmt::Debug for AcceptedKey {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("AcceptedKey")
            .field("access_key_id", &self.access_key_id)
            .field("secret_access_key", &"<redacted>")
            .field(
                "session_token",
                &self.session_token.as_ref().map(|_| "<redacted>"),
            )
            .finish()
    }
}

/// The parts of an `Authorization` header.
struct Authorization<'a> {
    access_key_id: &'a str,
    date: &'a str,
    region: &'a str,
    service: &'a str,
    terminator: &'a str,
    signed_headers: &'a str,
    signature: &'a str,
}

fn parse_authorization(value: &str) -> Result<Authorization<'_>, ApiError> {
    let (algorithm, params) = value.split_once(' ').unwrap_or((value, ""));
    if algorithm != ALGORITHM {
        return Err(ApiError::incomplete_signature(format!(
            "Unsupported AWS 'algorithm': '{algorithm}'. Authorization={value}"
        )));
    }
    let (mut credential, mut signed_headers, mut signature) = (None, None, None);
    for part in params.split(',') {
        let part = part.trim();
        if let Some(v) = part.strip_prefix("Credential=") {
            credential = Some(v);
        } else if let Some(v) = part.strip_prefix("SignedHeaders=") {
            signed_headers = Some(v);
        } else if let Some(v) = part.strip_prefix("Signature=") {
            signature = Some(v);
        }
    }
    let (Some(credential), Some(signed_headers), Some(signature)) =
        (credential, signed_headers, signature)
    else {
        // AWS lists every missing parameter, then echoes the header.
        let mut message = String::new();
        for (name, v) in [
            ("Credential", credential.is_some()),
            ("Signature", signature.is_some()),
            ("SignedHeaders", signed_headers.is_some()),
        ] {
            if !v {
                message.push_str(&format!(
                    "Authorization header requires '{name}' parameter. "
                ));
            }
        }
        message.push_str(&format!("Authorization={value}"));
        return Err(ApiError::incomplete_signature(message));
    };
    let parts: Vec<&str> = credential.split('/').collect();
    let [access_key_id, date, region, service, terminator] = parts.as_slice() else {
        return Err(ApiError::incomplete_signature(format!(
            "Credential must have exactly 5 slash-delimited elements, e.g. \
             keyid/date/region/service/term, got '{credential}'"
        )));
    };
    Ok(Authorization {
        access_key_id,
        date,
        region,
        service,
        terminator,
        signed_headers,
        signature,
    })
}

/// Collects bytes (for the canonical request and string to sign in the mismatch message).
struct VecSink(Vec<u8>);

impl Sink for VecSink {
    fn put(&mut self, bytes: &[u8]) {
        self.0.extend_from_slice(bytes);
    }
}

/// Compares without an early exit, so the time taken does not reveal how many leading
/// characters of a forged signature were right.
fn constant_time_eq(a: &[u8], b: &[u8]) -> bool {
    a.len() == b.len() && a.iter().zip(b).fold(0u8, |acc, (x, y)| acc | (x ^ y)) == 0
}

fn amz(t: Timestamp) -> String {
    t.to_amz_date()
        .map(|d| d.as_str().to_owned())
        .unwrap_or_default()
}

/// Decodes `%XX` escapes. `None` for a malformed escape or a result that is not UTF-8.
pub(crate) fn percent_decode(s: &str) -> Option<String> {
    let bytes = s.as_bytes();
    let mut out = Vec::with_capacity(bytes.len());
    let mut i = 0;
    while let Some(&b) = bytes.get(i) {
        if b == b'%' {
            let hex = bytes.get(i + 1..i + 3)?;
            let text = std::str::from_utf8(hex).ok()?;
            if !text.bytes().all(|c| c.is_ascii_hexdigit()) {
                return None;
            }
            out.push(u8::from_str_radix(text, 16).ok()?);
            i += 3;
        } else {
            out.push(b);
            i += 1;
        }
    }
    String::from_utf8(out).ok()
}

/// Splits and decodes a query string into (name, value) pairs; empty pieces are skipped.
pub(crate) fn parse_query(query: &str) -> Option<Vec<(String, String)>> {
    query
        .split('&')
        .filter(|p| !p.is_empty())
        .map(|p| {
            let (n, v) = p.split_once('=').unwrap_or((p, ""));
            Some((percent_decode(n)?, percent_decode(v)?))
        })
        .collect()
}

/// Verifies requests against the accepted keys. One per connection: it caches a [`Signer`] per
/// key, so the four-HMAC key derivation runs once per (key, day), not once per request.
pub(crate) struct Verifier<'c> {
    keys: &'c [AcceptedKey],
    region: &'c str,
    signers: Vec<(usize, Signer<'c>)>,
}

impl<'c> Verifier<'c> {
    pub(crate) fn new(keys: &'c [AcceptedKey], region: &'c str) -> Self {
        Self {
            keys,
            region,
            signers: Vec::new(),
        }
    }

    /// Checks the request's signature at server time `now`. `query` is the decoded query.
    pub(crate) fn verify(
        &mut self,
        request: &Request,
        query: &[(String, String)],
        now: Timestamp,
    ) -> Result<(), ApiError> {
        let Some(value) = request.header("authorization") else {
            return Err(ApiError::new(
                403,
                "MissingAuthenticationTokenException",
                "Missing Authentication Token",
            ));
        };
        let auth = parse_authorization(value)?;
        let Some(date_text) = request.header("x-amz-date") else {
            return Err(ApiError::incomplete_signature(format!(
                "Authorization header requires existence of either a 'X-Amz-Date' or a 'Date' \
                 header. Authorization={value}"
            )));
        };
        let request_time = Timestamp::parse_amz_date(date_text.as_bytes()).map_err(|_| {
            ApiError::incomplete_signature(format!(
                "Date must be in ISO-8601 'basic format'. Got '{date_text}'. See \
                 http://en.wikipedia.org/wiki/ISO_8601"
            ))
        })?;
        let amz_date = request_time.to_amz_date().map_err(|_| {
            ApiError::incomplete_signature(format!("Date out of range: '{date_text}'"))
        })?;

        // The time window, with AWS's exact wording: the client's clock-skew correction matches
        // on "Signature expired".
        let earliest = now.offset_by(-(MAX_SKEW_SECS as i64));
        let latest = now.offset_by(MAX_SKEW_SECS as i64);
        if request_time < earliest {
            return Err(ApiError::invalid_signature(format!(
                "Signature expired: {} is now earlier than {} ({} - 5 min.)",
                amz_date.as_str(),
                amz(earliest),
                amz(now)
            )));
        }
        if request_time > latest {
            return Err(ApiError::invalid_signature(format!(
                "Signature not yet current: {} is still later than {} ({} + 5 min.)",
                amz_date.as_str(),
                amz(latest),
                amz(now)
            )));
        }

        let date = amz_date.date();
        let date = std::str::from_utf8(&date).unwrap_or_default();
        if auth.date != date {
            return Err(ApiError::invalid_signature(format!(
                "Date in Credential scope does not match YYYYMMDD from ISO-8601 version of date \
                 from HTTP: '{}' != '{date}', from 'X-Amz-Date'.",
                auth.date
            )));
        }
        if auth.region != self.region {
            return Err(ApiError::invalid_signature(format!(
                "Credential should be scoped to a valid region, not '{}'. ",
                auth.region
            )));
        }
        if auth.service != SERVICE {
            return Err(ApiError::invalid_signature(format!(
                "Credential should be scoped to correct service: '{SERVICE}'. "
            )));
        }
        if auth.terminator != "aws4_request" {
            return Err(ApiError::invalid_signature(format!(
                "Credential should be scoped with a valid terminator: 'aws4_request', not '{}'. ",
                auth.terminator
            )));
        }

        let keys: &'c [AcceptedKey] = self.keys;
        let Some(index) = keys
            .iter()
            .position(|k| k.access_key_id == auth.access_key_id)
        else {
            return Err(ApiError::unrecognized_client());
        };
        let key = keys.get(index).ok_or_else(ApiError::unrecognized_client)?;
        // Temporary credentials need their token; permanent ones must not carry one. Either
        // way a mismatch is an unrecognized token, as AWS reports it.
        let sent_token = request.header("x-amz-security-token");
        if sent_token != key.session_token.as_deref() {
            return Err(ApiError::unrecognized_client());
        }

        let names: Vec<&str> = auth.signed_headers.split(';').collect();
        if !names.iter().any(|n| n.eq_ignore_ascii_case("host")) {
            return Err(ApiError::invalid_signature(
                "'Host' or ':authority' must be a 'SignedHeader' in the AWS Authorization.",
            ));
        }
        // Every value of every signed header, in arrival order (the core joins repeated names
        // with `,`). A listed header that was not sent is signed with an empty value, which is
        // what makes such a signature fail.
        let mut pairs: Vec<(&str, &str)> = Vec::new();
        for name in &names {
            let before = pairs.len();
            pairs.extend(request.headers_named(name).map(|v| (*name, v)));
            if pairs.len() == before {
                pairs.push((*name, ""));
            }
        }
        let headers: Vec<(&str, &dyn Emit)> =
            pairs.iter().map(|(n, v)| (*n, v as &dyn Emit)).collect();
        let query: Vec<(&str, &str)> = query
            .iter()
            .map(|(n, v)| (n.as_str(), v.as_str()))
            .collect();
        let path: &str = &request.path;
        // The hash of the body as received: a client-supplied X-Amz-Content-Sha256 is only a
        // signed header here, never trusted in place of the body.
        let payload = PayloadHash::of(&request.body);
        let signable = SignableRequest {
            method: &request.method,
            path: &path,
            double_encode_path: true,
            query: &query,
            headers: &headers,
            payload: &payload,
        };
        let scope = Scope {
            amz_date,
            region: self.region,
            service: SERVICE,
        };
        let signer = self.signer(index, key)?;
        let expected = signer.sign(&signable, &scope).map_err(|_| mismatch(None))?;
        if constant_time_eq(expected.as_hex(), auth.signature.as_bytes()) {
            return Ok(());
        }
        let mut creq = VecSink(Vec::new());
        signable.write_canonical_request(&mut creq);
        let mut sts = VecSink(Vec::new());
        scope.write_string_to_sign(expected.canonical_request_hash(), &mut sts);
        Err(mismatch(Some((creq.0, sts.0))))
    }

    fn signer(&mut self, index: usize, key: &'c AcceptedKey) -> Result<&mut Signer<'c>, ApiError> {
        let pos = match self.signers.iter().position(|(i, _)| *i == index) {
            Some(pos) => pos,
            None => {
                let credentials = Credentials::new(
                    &key.access_key_id,
                    &key.secret_access_key,
                    key.session_token.as_deref(),
                )
                .map_err(|_| ApiError::unrecognized_client())?;
                self.signers.push((index, Signer::new(credentials)));
                self.signers.len() - 1
            }
        };
        self.signers
            .get_mut(pos)
            .map(|(_, s)| s)
            .ok_or_else(ApiError::unrecognized_client)
    }
}

/// AWS's signature-mismatch message; like many AWS services, followed by the canonical request
/// and string to sign the server computed (the one thing a client author needs to find out why).
fn mismatch(detail: Option<(Vec<u8>, Vec<u8>)>) -> ApiError {
    let mut message = String::from(
        "The request signature we calculated does not match the signature you provided. Check \
         your AWS Secret Access Key and signing method. Consult the service documentation for \
         details.",
    );
    if let Some((creq, sts)) = detail {
        message.push_str(&format!(
            "\n\nThe Canonical String for this request should have been\n'{}'\n\nThe \
             String-to-Sign should have been\n'{}'\n",
            String::from_utf8_lossy(&creq),
            String::from_utf8_lossy(&sts)
        ));
    }
    ApiError::invalid_signature(message)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn decodes_percent_escapes() {
        assert_eq!(percent_decode("a%3Ab%2f").as_deref(), Some("a:b/"));
        assert_eq!(percent_decode("%24LATEST").as_deref(), Some("$LATEST"));
        assert_eq!(percent_decode("%2"), None);
        assert_eq!(percent_decode("%zz"), None);
        assert_eq!(percent_decode("%+1"), None);
        assert_eq!(percent_decode("%ff"), None);
        assert_eq!(
            parse_query("Qualifier=%24LATEST&&b"),
            Some(vec![
                ("Qualifier".into(), "$LATEST".into()),
                ("b".into(), String::new())
            ])
        );
    }

    #[test]
    fn parses_authorization() {
        let a = parse_authorization(
            "AWS4-HMAC-SHA256 Credential=AK/20150830/us-east-1/lambda/aws4_request, \
             SignedHeaders=host;x-amz-date, Signature=abc",
        )
        .ok()
        .unwrap();
        assert_eq!(
            (a.access_key_id, a.date, a.region, a.service, a.terminator),
            ("AK", "20150830", "us-east-1", "lambda", "aws4_request")
        );
        assert_eq!((a.signed_headers, a.signature), ("host;x-amz-date", "abc"));
        let e = parse_authorization("AWS4-HMAC-SHA256 Credential=AK/2015/x")
            .err()
            .unwrap();
        assert!(e
            .message
            .starts_with("Authorization header requires 'Signature' parameter. "));
        let e = parse_authorization(
            "AWS4-HMAC-SHA256 Credential=AK/x, SignedHeaders=host, Signature=0",
        )
        .err()
        .unwrap();
        assert!(e.message.starts_with("Credential must have exactly 5"));
        assert!(parse_authorization("Basic abc").is_err());
        assert!(parse_authorization("").is_err());
    }
}
