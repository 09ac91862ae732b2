use super::*;
use crate::endpoint::EndpointOptions;
use crate::invoke::{ClientContext, FunctionName, InvocationType, LogType, Qualifier};

fn fixture() -> (
    InvokeRequest<'static>,
    Endpoint<'static>,
    Credentials<'static>,
) {
    let request = InvokeRequest::new(FunctionName::new("billing:Vuf2xzDoqpI6zhU").unwrap())
        .with_invocation_type(InvocationType::RequestResponse);
    let endpoint = Endpoint::from_url("http://127.0.0.1:9001", "sa-east-1").unwrap();
    let creds = Credentials::new(
        "ASIAVWOAA7CKQCAOFLCM",
        "A4KF+VPYjyxyM28Uc+cn3RRj1y/958vIMYHGNbf6",
        None,
    )
    .unwrap();
    (request, endpoint, creds)
}

#[test]
fn buffer_too_small_reports_the_size_and_writes_nothing() {
    let (request, endpoint, creds) = fixture();
    let now = Timestamp::parse_amz_date(b"20170526T094822Z").unwrap();
    let payload = PayloadHash::of(b"{}");
    let head = InvokeHead::new(&request, &endpoint, &creds, now, &payload).unwrap();
    let mut signer = Signer::new(creds);
    let required = head.len(&mut signer).unwrap();
    for size in [0, 1, required / 2, required - 1] {
        let mut buf = std::vec![0xAAu8; size];
        assert_eq!(
            head.write(&mut signer, &mut buf),
            Err(RequestError::BufferTooSmall { required })
        );
        assert!(
            buf.iter().all(|&b| b == 0xAA),
            "buffer of {size} was touched"
        );
    }
    let mut buf = std::vec![0u8; required + 10];
    assert_eq!(head.write(&mut signer, &mut buf), Ok(required));
    let text = std::str::from_utf8(&buf[..required]).unwrap();
    assert!(text.starts_with(
        "POST /2015-03-31/functions/billing%3AVuf2xzDoqpI6zhU/invocations HTTP/1.1\r\nHost: 127.0.0.1:9001\r\n"
    ));
    assert!(text.ends_with("\r\n\r\n"));
    assert!(text.contains("\r\nContent-Length: 2\r\n"));
}

#[test]
fn writes_every_optional_header() {
    let (request, _, creds) = fixture();
    let request = request
        .with_qualifier(Qualifier::new("$LATEST").unwrap())
        .with_log_type(LogType::Tail)
        .with_client_context(ClientContext::json(b"{\"a\":1}").unwrap());
    let endpoint = Endpoint::aws("us-east-1", EndpointOptions::default()).unwrap();
    let creds = Credentials::new(creds.access_key_id(), "secret", Some("TOKEN/+=")).unwrap();
    let payload = PayloadHash::EMPTY;
    let head = InvokeHead::new(
        &request,
        &endpoint,
        &creds,
        Timestamp::from_unix_secs(0),
        &payload,
    )
    .unwrap();
    let mut signer = Signer::new(creds);
    let mut buf = [0u8; 2048];
    let n = head.write(&mut signer, &mut buf).unwrap();
    let text = std::str::from_utf8(&buf[..n]).unwrap();
    for needle in [
        "?Qualifier=%24LATEST HTTP/1.1\r\n",
        "Host: lambda.us-east-1.amazonaws.com\r\n",
        "X-Amz-Date: 19700101T000000Z\r\n",
        "X-Amz-Security-Token: TOKEN/+=\r\n",
        "X-Amz-Log-Type: Tail\r\n",
        "X-Amz-Client-Context: eyJhIjoxfQ==\r\n",
        "Content-Length: 0\r\n",
        "SignedHeaders=host;x-amz-client-context;x-amz-date;x-amz-invocation-type;x-amz-log-type;x-amz-security-token, Signature=",
    ] {
        assert!(text.contains(needle), "missing {needle:?} in {text}");
    }
    let mut creq = std::vec::Vec::new();
    struct V<'v>(&'v mut std::vec::Vec<u8>);
    impl Sink for V<'_> {
        fn put(&mut self, b: &[u8]) {
            self.0.extend_from_slice(b);
        }
    }
    head.write_canonical_request(&mut V(&mut creq));
    let creq = std::string::String::from_utf8(creq).unwrap();
    assert!(creq.starts_with(
        "POST\n/2015-03-31/functions/billing%253AVuf2xzDoqpI6zhU/invocations\nQualifier=%24LATEST\nhost:lambda.us-east-1.amazonaws.com\n"
    ), "{creq}");
}

#[test]
fn payload_limits_depend_on_invocation_type() {
    let (request, endpoint, creds) = fixture();
    let now = Timestamp::from_unix_secs(0);
    // A hash with a claimed length: limits are checked on the length alone.
    let mut big = crate::sigv4::PayloadHasher::new();
    big.update(&[0u8; 1024]);
    let small = big.finish();
    assert!(InvokeHead::new(&request, &endpoint, &creds, now, &small).is_ok());
    let event = request.with_invocation_type(InvocationType::Event);
    let mut hasher = crate::sigv4::PayloadHasher::new();
    let chunk = [0u8; 65536];
    for _ in 0..16 {
        hasher.update(&chunk);
    }
    hasher.update(b"x");
    let over_event = hasher.finish();
    assert_eq!(
        InvokeHead::new(&event, &endpoint, &creds, now, &over_event).unwrap_err(),
        RequestError::PayloadTooLarge {
            limit: crate::invoke::MAX_EVENT_PAYLOAD_LEN
        }
    );
    assert!(InvokeHead::new(&request, &endpoint, &creds, now, &over_event).is_ok());
    assert_eq!(
        InvokeHead::new(
            &request,
            &endpoint,
            &creds,
            Timestamp::from_unix_secs(u64::MAX),
            &small
        )
        .unwrap_err(),
        RequestError::Time(crate::time::TimeError::OutOfRange)
    );
}
