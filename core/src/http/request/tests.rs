use super::*;
use crate::endpoint::EndpointOptions;
use crate::invoke::{ClientContext, FunctionName, InvocationType, LogType, Qualifier};

/// A sink that collects what it is given.
struct V(std::vec::Vec<u8>);

impl Sink for V {
    fn put(&mut self, b: &[u8]) {
        self.0.extend_from_slice(b);
    }
}

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
fn bare_metal_head_writer_matches_the_host_one() {
    // `write_head_small` (what bare-metal targets use) against `write_head`, for every buffer
    // size around the head's length and the bound: same result, same bytes, and a buffer that
    // is too small left untouched.
    let (request, endpoint, creds) = fixture();
    let request = request.with_qualifier(Qualifier::new("$LATEST").unwrap());
    let now = Timestamp::parse_amz_date(b"20170526T094822Z").unwrap();
    let payload = PayloadHash::of(b"{}");
    let head = InvokeHead::new(&request, &endpoint, &creds, now, &payload).unwrap();
    let mut signer = Signer::new(creds);
    let host = HostValue::new(&endpoint);
    let required = head.len(&mut signer).unwrap();
    let key = head.key(&mut signer).unwrap();
    let date = head.date();
    let signature = head.sign(&head.signed_slots(&host, &date), key);
    // Bare-metal targets write the host from its parts, not from `HostValue`'s buffer.
    let header = crate::endpoint::HostHeaderOf(&endpoint);
    assert_eq!(
        head.sign(&head.signed_slots(&header, &date), key),
        signature
    );
    // And through the head writer's sink, as bare-metal targets hash it (their signature is
    // kept as its bytes, written as hex by the head writer).
    let signature_bytes = head.sign_small(&head.signed_slots(&header, &date), key);
    assert_eq!(crate::encode::hex32(&signature_bytes), signature);
    let bound = head.max_len(&host);
    assert!(required < bound);
    for size in (0..8)
        .chain(required - 4..required + 4)
        .chain(bound - 2..bound + 2)
    {
        let mut host_buf = std::vec![0xAAu8; size];
        let mut small_buf = std::vec![0xAAu8; size];
        let host_slots = head.signed_slots(&host, &date);
        let want = head.write_head(
            &host,
            &host_slots,
            &signature.as_slice(),
            key,
            &mut host_buf,
        );
        let got = head.write_head_small(
            &head.signed_slots(&header, &date),
            &crate::encode::Hex32(&signature_bytes),
            key,
            &mut small_buf,
        );
        assert_eq!(got, want, "size {size}");
        assert_eq!(small_buf, host_buf, "size {size}");
        match got {
            Ok(n) => assert_eq!(n, required),
            Err(e) => {
                assert_eq!(e, RequestError::BufferTooSmall { required });
                assert!(small_buf.iter().all(|&b| b == 0xAA), "size {size}");
            }
        }
    }
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
fn content_length_is_the_payload_length_up_to_the_limit() {
    // `emit_head` writes the length cast to `u32`, exact up to Lambda's limit, which `new`
    // checks; the former conversion, saturating at `u32::MAX`, is the reference.
    let (request, endpoint, creds) = fixture();
    let now = Timestamp::from_unix_secs(1_795_739_172);
    let mut hasher = crate::sigv4::PayloadHasher::new();
    let chunk = [0u8; 65536];
    for _ in 0..96 {
        hasher.update(&chunk);
    }
    let largest = hasher.finish();
    assert_eq!(largest.len(), crate::invoke::MAX_SYNC_PAYLOAD_LEN);
    for payload in [PayloadHash::EMPTY, PayloadHash::of(b"{}"), largest] {
        let head = InvokeHead::new(&request, &endpoint, &creds, now, &payload).unwrap();
        let mut out = std::vec![0u8; 2048];
        let n = head.write(&mut Signer::new(creds), &mut out).unwrap();
        let want = std::format!(
            "\r\nContent-Length: {}\r\n",
            u32::try_from(payload.len()).unwrap_or(u32::MAX)
        );
        assert!(std::str::from_utf8(&out[..n]).unwrap().contains(&want));
    }
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

/// The writers `InvokeHead::write` uses (`put_canonical_request`, the `Authorization` value in
/// `emit_head`, the `max_len` bound) against the generic SigV4 path over the same signable view,
/// for every combination of optional parts and awkward values.
#[test]
fn fast_writers_match_the_generic_sigv4_path() {
    use crate::invoke::{DurableExecutionName, TenantId};
    use std::{string::String, vec::Vec};
    let text = |v: V| String::from_utf8(v.0).unwrap();

    let names = [
        "f",
        "orders-ingest-handler",
        "my_function:prod",
        "arn:aws:lambda:us-west-2:123456789012:function:my-function:7",
        "123456789012:function:my-function",
    ];
    let qualifiers = [None, Some("$LATEST"), Some("prod-v2_x")];
    let types = [
        (None, None),
        (Some(InvocationType::RequestResponse), Some(LogType::Tail)),
        (Some(InvocationType::Event), Some(LogType::None)),
        (Some(InvocationType::DryRun), None),
    ];
    let contexts = [
        None,
        Some(ClientContext::json(b"{\"custom\": {\"k\": \"v v\"}}").unwrap()),
        Some(ClientContext::base64("eyJhIjoxfQ==").unwrap()),
    ];
    let tenants_durables = [
        (None, None),
        (Some("tenant-1"), Some("run-42")),
        (Some(" a  b c "), None),
    ];
    let tokens = [
        None,
        Some("IQoJb3JpZ2luX2VjEPT//////////wEaCXVzLWVhc3QtMSJH+/="),
    ];
    let endpoints = [
        Endpoint::aws("us-east-1", EndpointOptions::default()).unwrap(),
        Endpoint::aws(
            "cn-north-1",
            EndpointOptions {
                fips: true,
                dual_stack: true,
            },
        )
        .unwrap(),
        Endpoint::from_url("http://127.0.0.1:4566", "eu-west-3").unwrap(),
        Endpoint::from_url("https://localhost:8443/prefix/v1/", "us-gov-west-1").unwrap(),
        Endpoint::from_url("http://localhost/a-b.c_d~e/F9//Z", "eu-west-1").unwrap(),
        // A `Host` too long for `HostValue`'s buffer: written from its parts.
        Endpoint::from_url(
            "https://a-very-long-host-name-for-testing-the-fallback-path.example.internal:8443",
            "ap-southeast-2",
        )
        .unwrap(),
    ];
    let payloads = [PayloadHash::EMPTY, PayloadHash::of(&[7u8; 1000])];
    let now = Timestamp::parse_amz_date(b"20250601T123456Z").unwrap();

    let mut cases = 0;
    let mut check = |head: &InvokeHead<'_>, signer: &mut Signer<'_>| {
        let date = head.date();
        let mut generic = V(Vec::new());
        head.write_canonical_request(&mut generic);
        let host = HostValue::new(head.endpoint);
        let mut fast = V(Vec::new());
        head.put_canonical_request(&head.signed_slots(&host, &date), &mut fast);
        let generic = text(generic);
        assert_eq!(text(fast), generic);
        // The host written from its parts (as on bare-metal targets), not from the buffer.
        let header = crate::endpoint::HostHeaderOf(head.endpoint);
        let mut from_parts = V(Vec::new());
        head.put_canonical_request(&head.signed_slots(&header, &date), &mut from_parts);
        assert_eq!(text(from_parts), generic);
        // The bare-metal writer of the signed headers against the host one, in every form
        // (checked above through the whole canonical request and head on hosts only).
        for slots in [
            head.signed_slots(&host, &date),
            head.signed_slots(&header, &date),
        ] {
            for form in [
                HeaderForm::Canonical,
                HeaderForm::Wire,
                HeaderForm::SignedList,
            ] {
                let (mut host_form, mut small) = (V(Vec::new()), V(Vec::new()));
                InvokeHead::put_headers(&slots, form, &mut host_form);
                InvokeHead::put_headers_small(&slots, form, &mut small);
                assert_eq!(text(small), text(host_form), "{generic}");
            }
        }

        let required = head.len(signer).unwrap();
        assert!(head.max_len(&host) >= required, "{generic}");
        // Through the sizing pass, and in one pass.
        let mut exact = std::vec![0u8; required];
        let mut roomy = std::vec![0u8; head.max_len(&host)];
        assert_eq!(head.write(signer, &mut exact), Ok(required));
        assert_eq!(head.write(signer, &mut roomy), Ok(required));
        assert_eq!(exact[..], roomy[..required]);

        // The fast signature is the one the generic path (`Signer::sign`) makes.
        let scope = head.scope();
        let signature = head.with_signable(|s| signer.sign(s, &scope)).unwrap();
        let key = head.key(signer).unwrap();
        assert_eq!(
            &head.sign(&head.signed_slots(&host, &date), key),
            signature.as_hex()
        );
        // Bare-metal targets hash through the head writer's sink, the host from its parts.
        assert_eq!(
            &crate::encode::hex32(&head.sign_small(&head.signed_slots(&header, &date), key)),
            signature.as_hex()
        );
        let mut authorization = V(Vec::new());
        head.with_signable(|s| {
            s.write_authorization(head.access_key_id, &scope, &signature, &mut authorization)
        });
        let wanted = std::format!("\r\nAuthorization: {}\r\n\r\n", text(authorization));
        let written = std::str::from_utf8(&exact).unwrap();
        assert!(written.ends_with(&wanted), "{written}");
        // The request line as `emit_head` wrote it before `put_target`: the wire path
        // (`InvokePath`, which the generic path signs) and the qualifier.
        let mut line = V(b"POST ".to_vec());
        head.path().emit(&mut line);
        if let Some(q) = head.request.qualifier {
            line.put(b"?Qualifier=");
            crate::encode::percent_encode(q.as_str().as_bytes(), false, &mut line);
        }
        line.put(b" HTTP/1.1\r\n");
        assert!(written.starts_with(&text(line)), "{written}");
        cases += 1;
    };
    for (i, name) in names.iter().enumerate() {
        for (j, endpoint) in endpoints.iter().enumerate() {
            for token in tokens {
                let creds = Credentials::new("AKIDEXAMPLE", "secret", token).unwrap();
                let mut signer = Signer::new(creds);
                for qualifier in qualifiers {
                    for (invocation_type, log_type) in types {
                        for (k, context) in contexts.iter().enumerate() {
                            for (tenant, durable) in tenants_durables {
                                let request = InvokeRequest {
                                    function_name: FunctionName::new(name).unwrap(),
                                    qualifier: qualifier.map(|q| Qualifier::new(q).unwrap()),
                                    invocation_type,
                                    log_type,
                                    client_context: *context,
                                    tenant_id: tenant.map(|t| TenantId::new(t).unwrap()),
                                    durable_execution_name: durable
                                        .map(|d| DurableExecutionName::new(d).unwrap()),
                                };
                                let payload = &payloads[(i + j + k) % 2];
                                let head =
                                    InvokeHead::new(&request, endpoint, &creds, now, payload)
                                        .unwrap();
                                check(&head, &mut signer);
                            }
                        }
                    }
                }
            }
        }
    }
    assert_eq!(cases, 5 * 6 * 2 * 3 * 4 * 3 * 3);
}

#[test]
fn the_bare_metal_name_encoder_encodes_once_and_twice_as_the_shared_one() {
    use std::vec::Vec;
    // Every byte alone and between kept ones, then strings over bytes of every class (kept,
    // escaped, `/`, `%`, non-ASCII).
    let mut inputs: Vec<Vec<u8>> = (0..=255u8).map(|b| std::vec![b]).collect();
    inputs.extend((0..=255u8).map(|b| std::vec![b'a', b, b'Z']));
    let alphabet = b"a-~/%: $\xc3\x80";
    for n in 0..alphabet.len().pow(4) {
        let mut m = n;
        inputs.push(
            (0..4)
                .map(|_| {
                    let b = alphabet[m % alphabet.len()];
                    m /= alphabet.len();
                    b
                })
                .collect(),
        );
    }
    for bytes in &inputs {
        let mut once = V(Vec::new());
        crate::encode::percent_encode(bytes, false, &mut once);
        let mut twice = V(Vec::new());
        crate::encode::percent_encode(&once.0, true, &mut twice);
        for (again, want) in [(false, &once.0), (true, &twice.0)] {
            let mut small = V(Vec::new());
            percent_encode_name_small(bytes, again, &mut small);
            assert_eq!(&small.0, want, "{bytes:?} {again}");
        }
    }
}

#[test]
fn the_date_slot_writes_what_the_amz_date_slot_wrote() {
    // The `x-amz-date` slot holds the date's bytes (through `impl Emit for &[u8]`); it held the
    // `AmzDate` itself (through its own `Emit`). Both write the same bytes, from the first
    // second to the last one a four-digit year can carry.
    let (request, endpoint, creds) = fixture();
    for secs in [0, 951_782_400, 1_795_739_172, 253_402_300_799] {
        let now = Timestamp::from_unix_secs(secs);
        let head = InvokeHead::new(&request, &endpoint, &creds, now, &PayloadHash::EMPTY).unwrap();
        let date = head.date();
        let slots = head.signed_slots(&"host", &date);
        let (mut got, mut want) = (V(std::vec::Vec::new()), V(std::vec::Vec::new()));
        slots[2].unwrap().emit(&mut got);
        head.amz_date.emit(&mut want);
        assert_eq!(SIGNED_HEADER_NAMES[2], "x-amz-date");
        assert_eq!(got.0, want.0, "{secs}");
        assert_eq!(got.0, now.to_amz_date().unwrap().as_bytes());
    }
}

#[test]
fn the_bare_metal_name_table_spells_out_the_names() {
    let (text, ends) = &SIGNED_HEADER_TEXT;
    assert!(text.len() < 256);
    assert_eq!(text[..], SIGNED_HEADER_NAMES.concat().as_bytes()[..]);
    for (i, name) in SIGNED_HEADER_NAMES.iter().enumerate() {
        let (start, end) = (usize::from(ends[i]), usize::from(ends[i + 1]));
        assert_eq!(&text[start..end], name.as_bytes());
    }
}

#[test]
fn the_wire_name_writer_capitalises_every_word() {
    use std::vec::Vec;
    for name in SIGNED_HEADER_NAMES {
        assert!(name.len() < 32, "{name} does not fit the host's buffer");
        let mut host = V(Vec::new());
        put_wire_name(name, &mut host);
        let want: std::string::String = name
            .split('-')
            .map(|w| w[..1].to_ascii_uppercase() + &w[1..])
            .collect::<Vec<_>>()
            .join("-");
        assert_eq!(host.0, want.as_bytes());
    }
}

#[test]
fn agent_and_credential_spell_out_user_agent_and_algorithm() {
    assert_eq!(
        AGENT_AND_CREDENTIAL,
        std::format!(
            "\r\nUser-Agent: {USER_AGENT}\r\nAuthorization: {} Credential=",
            crate::sigv4::ALGORITHM
        )
    );
}

proptest::proptest! {
    /// `SizingWriter` against a `SliceWriter` and a `Counter` given the same pieces: the same
    /// bytes written, the same overflow, every byte counted, and while nothing overflowed the
    /// count is the length written.
    #[test]
    fn sizing_writer_writes_and_counts_like_a_slice_writer_and_a_counter(
        pieces in proptest::collection::vec(proptest::collection::vec(0u8..=255, 0..20), 0..12),
        size in 0usize..120,
    ) {
        let (mut a, mut b) = (std::vec![0xAAu8; size], std::vec![0xAAu8; size]);
        let mut sizing = SizingWriter::new(&mut a);
        let mut slice = SliceWriter::new(&mut b);
        let mut count = Counter(0);
        for piece in &pieces {
            sizing.put(piece);
            slice.put(piece);
            count.put(piece);
        }
        proptest::prop_assert_eq!(sizing.required, count.0);
        proptest::prop_assert_eq!(sizing.required > size, slice.overflowed);
        if !slice.overflowed {
            proptest::prop_assert_eq!(sizing.required, slice.pos);
        }
        proptest::prop_assert_eq!(a, b);
    }
}

proptest::proptest! {
    /// The canonical request writes the endpoint's path prefix as it is: every prefix
    /// `Endpoint::from_url` accepts is left unchanged by the canonical URI's encoding.
    #[test]
    fn path_prefixes_need_no_encoding_in_the_canonical_uri(
        path in "[a-zA-Z0-9._~/%?#@ -]{0,40}",
    ) {
        let url = std::format!("http://h/{path}");
        if let Ok(e) = Endpoint::from_url(&url, "us-east-1") {
            let mut encoded = V(std::vec::Vec::new());
            crate::encode::percent_encode(e.path_prefix().as_bytes(), true, &mut encoded);
            proptest::prop_assert_eq!(encoded.0, e.path_prefix().as_bytes());
        }
    }
}
