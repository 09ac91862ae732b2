//! Unit tests for the Invoke result and service errors.

use std::string::{String as StdString, ToString};
use std::vec::Vec;
use std::{format, vec};

use super::*;
use crate::http::response::ApiMisuse;

/// The model's list, written by `botocore` (see the file's header).
const MODEL_ERRORS: &str = include_str!("../../../tests/data/responses/botocore-invoke-errors.txt");

#[test]
fn every_modeled_invoke_error_has_a_variant() {
    let model: Vec<(&str, u16)> = MODEL_ERRORS
        .lines()
        .filter(|l| !l.starts_with('#') && !l.trim().is_empty())
        .map(|l| {
            let (name, status) = l.split_once(' ').unwrap();
            (name, status.parse().unwrap())
        })
        .collect();
    assert_eq!(model.len(), 45);
    assert_eq!(ServiceErrorKind::MODELED.len(), model.len());
    for (name, status) in &model {
        let kind = ServiceErrorKind::from_code(name);
        assert_ne!(kind, ServiceErrorKind::Unknown, "{name}");
        assert_eq!(kind.code(), Some(*name));
        assert!(
            ServiceErrorKind::MODELED.contains(&(kind, *status)),
            "{name} {status}"
        );
    }
    // And nothing the model does not list.
    for (kind, _) in ServiceErrorKind::MODELED {
        assert!(
            model.iter().any(|(n, _)| Some(*n) == kind.code()),
            "{kind:?}"
        );
    }
}

#[test]
fn auth_and_unknown_kinds() {
    use ServiceErrorKind as K;
    for (code, kind) in [
        ("InvalidSignatureException", K::InvalidSignatureException),
        (
            "UnrecognizedClientException",
            K::UnrecognizedClientException,
        ),
        ("AccessDeniedException", K::AccessDeniedException),
        ("AccessDenied", K::AccessDeniedException),
        ("ExpiredTokenException", K::ExpiredTokenException),
        ("SignatureDoesNotMatch", K::SignatureDoesNotMatch),
        ("InvalidClientTokenId", K::InvalidClientTokenId),
        ("resourcenotfoundexception", K::Unknown),
        ("", K::Unknown),
    ] {
        assert_eq!(K::from_code(code), kind, "{code}");
    }
    assert_eq!(K::Unknown.code(), None);
    // The packed code table: one length per kind, the lengths cover the text exactly, and every
    // kind's code maps back to it.
    assert_eq!(K::KINDS.len(), K::CODE_LENS.len());
    assert_eq!(
        K::CODE_LENS.iter().map(|&n| usize::from(n)).sum::<usize>(),
        K::CODE_TEXT.len()
    );
    assert_eq!(K::KINDS.len(), K::MODELED.len() + 6);
    // The stems `from_code` compares with: each code without its `Exception`, flagged.
    let mut stems = K::STEM_TEXT.as_slice();
    for (&kind, &len) in K::KINDS.iter().zip(&K::STEM_LENS) {
        let code = kind.code().unwrap();
        let (stem, rest) = stems.split_at(usize::from(len & 0x7f));
        stems = rest;
        let rebuilt = format!(
            "{}{}",
            std::str::from_utf8(stem).unwrap(),
            if len & 0x80 != 0 { "Exception" } else { "" }
        );
        assert_eq!(rebuilt, code);
        assert_eq!(code.ends_with("Exception"), len & 0x80 != 0, "{code}");
    }
    assert!(stems.is_empty());
    for &kind in K::KINDS {
        let code = kind.code().unwrap();
        assert_eq!(K::from_code(code), kind, "{code}");
        assert_eq!(format!("{kind:?}"), code);
        // Neither the stem alone (but for moto's two query spellings, tested above) nor the stem
        // with another suffix is the code.
        let stem = code.strip_suffix("Exception").unwrap_or(code);
        if stem != code && !matches!(stem, "AccessDenied" | "ExpiredToken") {
            assert_eq!(K::from_code(stem), K::Unknown, "{stem}");
        }
        assert_eq!(K::from_code(&format!("{stem}Exceptio")), K::Unknown);
        assert_eq!(K::from_code(&format!("{code}Exception")), K::Unknown);
    }
    assert_eq!(K::from_code("Exception"), K::Unknown);
    for (reason, name) in ThrottleReason::KNOWN {
        assert_eq!(ThrottleReason::from_name(name), reason);
        assert_eq!(format!("{reason:?}"), name);
    }
    assert_eq!(
        format!("{}", K::ResourceNotFoundException),
        "ResourceNotFoundException"
    );
}

#[test]
fn code_stripping() {
    for (raw, code) in [
        (
            "ResourceNotFoundException:http://internal.amazon.com/coral/com.amazonaws.lambda/",
            "ResourceNotFoundException",
        ),
        ("com.amazonaws.lambda#ServiceException", "ServiceException"),
        (
            "aws.protocoltests.restjson#FooError:http://internal.amazon.com/",
            "FooError",
        ),
        (" TooManyRequestsException ", "TooManyRequestsException"),
    ] {
        assert_eq!(error::strip_code(raw), code);
    }
}

fn from_body(status: u16, header: Option<&str>, body: &str) -> ServiceError {
    ServiceError::from_parts(status, header, body.as_bytes())
}

#[test]
fn json_error_bodies() {
    let e = from_body(
        404,
        Some("ResourceNotFoundException:http://x/"),
        r#"{"Message":"Function not found: arn","Type":"User"}"#,
    );
    assert_eq!(e.kind, ServiceErrorKind::ResourceNotFoundException);
    assert_eq!(e.code.as_deref(), Some("ResourceNotFoundException"));
    assert_eq!(e.message(), "Function not found: arn");

    let e = from_body(
        400,
        None,
        r#"{"__type":"com.amazonaws.lambda#InvalidRequestContentException","message":"bad \"json\" \\ \u00e9\n"}"#,
    );
    assert_eq!(e.kind, ServiceErrorKind::InvalidRequestContentException);
    assert_eq!(e.message(), "bad \"json\" \\ \u{e9}\n");

    let e = from_body(
        400,
        None,
        r#"{"code":"InvalidParameterValueException","Message":"m"}"#,
    );
    assert_eq!(e.kind, ServiceErrorKind::InvalidParameterValueException);
    let e = from_body(
        400,
        None,
        r#"  {"Code":"KMSDisabledException","nested":{"a":[1,{"b":null}],"c":true},"n":1.5e3,"message":"x"}"#,
    );
    assert_eq!(e.kind, ServiceErrorKind::KMSDisabledException);
    assert_eq!(e.message(), "x");

    // The header wins over the body.
    let e = from_body(
        429,
        Some("TooManyRequestsException"),
        r#"{"__type":"Other","Reason":"CallerRateLimitExceeded","message":"Rate Exceeded."}"#,
    );
    assert_eq!(e.kind, ServiceErrorKind::TooManyRequestsException);
    assert_eq!(e.reason, Some(ThrottleReason::CallerRateLimitExceeded));
    assert!(e.is_retryable());

    let e = from_body(429, None, r#"{"Reason":"SomethingNew"}"#);
    assert_eq!(e.reason, Some(ThrottleReason::Other));

    // Unknown code kept raw.
    let e = from_body(418, Some("TeapotException"), "");
    assert_eq!(
        (e.kind, e.code.as_deref()),
        (ServiceErrorKind::Unknown, Some("TeapotException"))
    );
    assert!(!e.is_retryable());
}

#[test]
fn unusable_bodies_still_give_a_typed_error() {
    for body in [
        "<html><body>502 Bad Gateway</body></html>",
        "{not json",
        "{\"message\": 5}",
        "{\"message\": \"unterminated",
        "\u{0}\u{1}binary",
        "",
        "[1,2,3]",
        "{\"message\":\"a\",\"message\":\"b\"}",
    ] {
        let e = from_body(502, None, body);
        assert_eq!(
            (e.status, e.kind, e.code),
            (502, ServiceErrorKind::Unknown, None),
            "{body}"
        );
        let e = from_body(502, Some("ServiceException"), body);
        assert_eq!(e.kind, ServiceErrorKind::ServiceException);
    }
    // A bad escape keeps what came before it.
    let e = from_body(400, None, r#"{"message":"ok so far \x nope"}"#);
    assert!(e.message.is_none() || e.message().starts_with("ok so far"));
}

#[test]
fn xml_error_bodies() {
    let body = "<?xml version=\"1.0\" encoding=\"utf-8\"?>\n<ErrorResponse><Errors><Error><Code>SignatureDoesNotMatch</Code><Message>It&apos;s &lt;wrong&gt; &amp; &#65;&#x42; &bogus; &</Message><Type>Sender</Type></Error></Errors></ErrorResponse>";
    let e = from_body(403, None, body);
    assert_eq!(e.kind, ServiceErrorKind::SignatureDoesNotMatch);
    assert_eq!(e.message(), "It's <wrong> & AB &bogus; &");
    let e = from_body(403, None, "<Error><Code>AccessDenied</Code></Error>");
    assert_eq!(e.kind, ServiceErrorKind::AccessDeniedException);
    assert_eq!(e.code.as_deref(), Some("AccessDenied"));
    assert_eq!(e.message, None);
    let e = from_body(403, None, "<Code>never closed");
    assert_eq!(e.kind, ServiceErrorKind::Unknown);
}

#[test]
fn long_messages_are_cut_at_a_char_boundary() {
    let long: StdString = "é".repeat(MESSAGE_CAPACITY); // 2 bytes each
    let e = from_body(400, None, &format!("{{\"message\":\"{long}\"}}"));
    assert!(e.message_truncated);
    assert_eq!(e.message().len(), MESSAGE_CAPACITY);
    let e = from_body(400, None, &format!("{{\"message\":\"a{long}\"}}"));
    assert_eq!(e.message().len(), MESSAGE_CAPACITY - 1);
    let e = from_body(400, None, &format!("<Message>{long}</Message>"));
    assert!(e.message_truncated);
    let code = "C".repeat(ERROR_CODE_CAPACITY + 1);
    let e = from_body(400, Some(&code), "");
    assert_eq!((e.kind, e.code), (ServiceErrorKind::Unknown, None));
}

// --- the reader ---------------------------------------------------------------------------------

fn read(wire: &[u8], log: &mut [u8]) -> Result<(InvokeOutcome, Vec<u8>), ReadError<Infallible>> {
    let mut payload = Vec::new();
    let mut sink = |c: &[u8]| -> Result<(), Infallible> {
        payload.extend_from_slice(c);
        Ok(())
    };
    let mut reader = InvokeResponseReader::new(log);
    let p = reader.handle_input(wire, &mut sink)?;
    let outcome = match p.outcome {
        Some(o) => o,
        None => reader.handle_eof(&mut sink)?,
    };
    drop(reader);
    Ok((outcome, payload))
}

fn success(o: InvokeOutcome) -> InvokeSuccess {
    match o {
        InvokeOutcome::Success(s) => s,
        other => panic!("{other:?}"),
    }
}

#[test]
fn success_metadata() {
    let wire = b"HTTP/1.1 200 OK\r\nDate: Wed, 27 Nov 2024 10:15:42 GMT\r\nContent-Length: 2\r\nx-amzn-RequestId: r-1\r\nX-Amz-Executed-Version: 7\r\nX-Amz-Function-Error: Handled\r\n\r\n{}";
    let (o, payload) = read(wire, &mut []).unwrap();
    let s = success(o);
    assert_eq!(s.status, 200);
    assert_eq!(s.function_error, Some(FunctionError::Handled));
    assert_eq!(s.executed_version.as_deref(), Some("7"));
    assert_eq!(s.meta.request_id.as_deref(), Some("r-1"));
    assert_eq!(
        s.meta.date.as_deref(),
        Some("Wed, 27 Nov 2024 10:15:42 GMT")
    );
    assert!(s.meta.reusable);
    assert_eq!((s.payload_len, payload), (2, b"{}".to_vec()));
    assert_eq!(s.log_result, None);
}

#[test]
fn function_error_values() {
    for (v, want) in [
        ("Unhandled", FunctionError::Unhandled),
        ("Handled", FunctionError::Handled),
        (
            "Custom",
            FunctionError::Other(heapless::String::try_from("Custom").unwrap()),
        ),
    ] {
        let wire =
            format!("HTTP/1.1 200 OK\r\nX-Amz-Function-Error: {v}\r\nContent-Length: 0\r\n\r\n");
        let s = success(read(wire.as_bytes(), &mut []).unwrap().0);
        assert_eq!(s.function_error.as_ref(), Some(&want));
        assert_eq!(want.as_str(), v);
    }
}

/// The reader's former test for the two words (`Handled`, `Unhandled`), which `outcome_into` now
/// asks the shared table lookup for.
fn function_error_word_before(value: &[u8]) -> Option<usize> {
    if value == b"Handled" {
        Some(0)
    } else if value == b"Unhandled" {
        Some(1)
    } else {
        None
    }
}

/// Both words, their prefixes and extensions, each with one character changed, and the pieces
/// the table is made of: the lookup answers as the comparisons did, and the reader builds the
/// matching `FunctionError`.
#[test]
fn function_error_words_match_the_former_comparisons() {
    let mut probes: Vec<Vec<u8>> = vec![
        b"".to_vec(),
        b"andled".to_vec(),
        b"H".to_vec(),
        b"Unh".to_vec(),
        b"HUnh".to_vec(),
        b"HandledUnhandled".to_vec(),
        b"Handledandled".to_vec(),
    ];
    for word in [&b"Handled"[..], b"Unhandled"] {
        for end in 0..=word.len() {
            for tail in [&b""[..], b"d", b"andled", b"x"] {
                let probe = [&word[..end], tail].concat();
                for at in 0..probe.len() {
                    for flip in [0x20, 0x01] {
                        let mut changed = probe.clone();
                        changed[at] ^= flip;
                        probes.push(changed);
                    }
                }
                probes.push(probe);
            }
        }
    }
    for probe in &probes {
        let want = function_error_word_before(probe);
        assert_eq!(
            error::function_error_word(probe),
            want,
            "{:?}",
            probe.escape_ascii().to_string()
        );
        let Ok(value) = core::str::from_utf8(probe) else {
            continue;
        };
        if value.is_empty() || !value.bytes().all(|b| (0x21..0x7f).contains(&b)) {
            continue;
        }
        let wire = format!(
            "HTTP/1.1 200 OK\r\nX-Amz-Function-Error: {value}\r\nContent-Length: 0\r\n\r\n"
        );
        let got = success(read(wire.as_bytes(), &mut []).unwrap().0).function_error;
        let expected = match want {
            Some(0) => FunctionError::Handled,
            Some(_) => FunctionError::Unhandled,
            None => FunctionError::Other(heapless::String::try_from(value).unwrap()),
        };
        assert_eq!(got, Some(expected), "{value}");
    }
}

proptest::proptest! {
    /// Strings of the words' own letters (so that near misses are common).
    #[test]
    fn function_error_words_match_the_former_comparisons_on_strings(
        value in proptest::collection::vec(proptest::sample::select(b"HUandlehx".to_vec()), 0..12),
    ) {
        proptest::prop_assert_eq!(
            error::function_error_word(&value),
            function_error_word_before(&value)
        );
    }
}

fn log_wire(b64: &str) -> StdString {
    format!("HTTP/1.1 200 OK\r\nX-Amz-Log-Result: {b64}\r\nContent-Length: 0\r\n\r\n")
}

#[test]
fn log_result_decoding() {
    let mut log = [0u8; 16];
    let s = success(
        read(log_wire("aGVsbG8gd29ybGQ=").as_bytes(), &mut log)
            .unwrap()
            .0,
    );
    assert_eq!(s.log_result, Some(LogResult::Decoded { len: 11 }));
    assert_eq!(&log[..11], b"hello world");

    let mut small = [0u8; 4];
    let s = success(
        read(log_wire("aGVsbG8gd29ybGQ=").as_bytes(), &mut small)
            .unwrap()
            .0,
    );
    assert_eq!(
        s.log_result,
        Some(LogResult::BufferTooSmall { required: 11 })
    );

    let s = success(read(log_wire("").as_bytes(), &mut small).unwrap().0);
    assert_eq!(s.log_result, Some(LogResult::Decoded { len: 0 }));

    for bad in [
        "aGVsbG8",
        "aGVsbG8=aGVs",
        "aGV$bG8=",
        "aGVsbG8gd29ybGQ=AAAA",
        "aGVsbG8g d29y",
    ] {
        let e = read(log_wire(bad).as_bytes(), &mut log).unwrap_err();
        assert_eq!(
            e,
            ReadError::Header {
                header: LambdaHeader::LogResult,
                problem: HeaderProblem::InvalidBase64
            },
            "{bad}"
        );
    }
}

#[test]
fn log_decoder_any_split() {
    let text: Vec<u8> = (0..200u8).collect();
    let mut b64 = vec![0u8; 400];
    use base64ct::{Base64, Encoding};
    let enc = Base64::encode(&text, &mut b64).unwrap().as_bytes().to_vec();
    for n in 1..=9 {
        let mut out = [0u8; 256];
        let mut d = LogDecoder::default();
        for piece in enc.chunks(n) {
            d.feed(piece, &mut out).unwrap();
        }
        assert_eq!(
            d.finish(out.len()),
            Ok(LogResult::Decoded { len: 200 }),
            "pieces of {n}"
        );
        assert_eq!(&out[..200], &text[..]);
    }
}

#[test]
fn header_problems() {
    let cases: &[(&str, LambdaHeader, HeaderProblem)] = &[
        (
            "x-amzn-RequestId: a\r\nx-amzn-requestid: b",
            LambdaHeader::RequestId,
            HeaderProblem::Repeated,
        ),
        ("Date: \u{e9}", LambdaHeader::Date, HeaderProblem::NotAscii),
        (
            "X-Amz-Executed-Version: ",
            LambdaHeader::ExecutedVersion,
            HeaderProblem::TooLong,
        ),
    ];
    for (line, header, problem) in cases {
        let line = if line.ends_with(": ") {
            format!("{line}{}", "9".repeat(65))
        } else {
            (*line).into()
        };
        let wire = format!("HTTP/1.1 200 OK\r\n{line}\r\nContent-Length: 0\r\n\r\n");
        let e = read(wire.as_bytes(), &mut []).unwrap_err();
        assert_eq!(
            e,
            ReadError::Header {
                header: *header,
                problem: *problem
            },
            "{line}"
        );
        assert!(e.is_peer_error());
    }
    // A long x-amzn-ErrorType tail after ':' does not count.
    let wire = format!(
        "HTTP/1.1 404 Not Found\r\nx-amzn-ErrorType: ResourceNotFoundException:{}\r\nContent-Length: 0\r\n\r\n",
        "u".repeat(1000)
    );
    let (o, _) = read(wire.as_bytes(), &mut []).unwrap();
    let InvokeOutcome::ServiceError(e) = o else {
        panic!()
    };
    assert_eq!(e.kind, ServiceErrorKind::ResourceNotFoundException);
}

#[test]
fn service_error_with_meta_and_truncated_body() {
    let body = format!("{{\"message\":\"{}\"}}", "m".repeat(2000));
    let wire = format!(
        "HTTP/1.1 429 Too Many Requests\r\nRetry-After: 12\r\nx-amzn-RequestId: r\r\nx-amzn-ErrorType: TooManyRequestsException\r\nContent-Length: {}\r\n\r\n{body}",
        body.len()
    );
    let (o, payload) = read(wire.as_bytes(), &mut []).unwrap();
    assert!(payload.is_empty(), "error bodies do not go to the sink");
    assert_eq!(o.status(), 429);
    let InvokeOutcome::ServiceError(e) = o else {
        panic!()
    };
    assert_eq!(e.kind, ServiceErrorKind::TooManyRequestsException);
    assert!(e.body_truncated);
    assert_eq!(e.message, None);
    assert_eq!(e.meta.retry_after_seconds(), Some(12));
    assert_eq!(e.meta.request_id.as_deref(), Some("r"));
    assert!(e.meta.reusable);
}

/// The reader passes an absent `x-amzn-ErrorType` to the decoder as an empty value: the error is
/// the one `from_parts` gives with no header, and with a blank one.
#[test]
fn reader_errors_match_from_parts_with_and_without_the_header() {
    let bodies = [
        "",
        "{\"__type\":\"ns#ServiceException\",\"message\":\"m\"}",
        "{\"code\":\"  \"}",
        "<Error><Code>AccessDenied</Code><Message>no</Message></Error>",
        "<html>502</html>",
    ];
    for body in bodies {
        for header in [
            None,
            Some(""),
            Some(" : "),
            Some("TooManyRequestsException:x"),
        ] {
            let field = header.map_or(StdString::new(), |h| format!("x-amzn-ErrorType: {h}\r\n"));
            let wire = format!(
                "HTTP/1.1 500 Oops\r\n{field}Content-Length: {}\r\n\r\n{body}",
                body.len()
            );
            let (o, _) = read(wire.as_bytes(), &mut []).unwrap();
            let InvokeOutcome::ServiceError(mut e) = o else {
                panic!()
            };
            e.meta = ResponseMeta::default();
            let want = ServiceError::from_parts(500, header, body.as_bytes());
            assert_eq!(e, want, "{header:?} {body}");
            if header.is_none() {
                assert_eq!(e, ServiceError::from_parts(500, Some(""), body.as_bytes()));
            }
        }
    }
}

/// `push_ascii` against the way it pushed before (each byte encoded as a UTF-8 `char`), for every
/// byte, into room and into a full string.
#[test]
fn push_ascii_matches_encoding_each_char() {
    fn reference(
        out: &mut heapless::string::StringView,
        fragment: &[u8],
    ) -> Result<(), HeaderProblem> {
        if !fragment
            .iter()
            .all(|b| (0x20..0x7f).contains(b) || *b == b'\t')
        {
            return Err(HeaderProblem::NotAscii);
        }
        if out.capacity() - out.len() < fragment.len() {
            return Err(HeaderProblem::TooLong);
        }
        for &b in fragment {
            out.push_str(char::from(b).encode_utf8(&mut [0; 4]))
                .map_err(|_| HeaderProblem::TooLong)?;
        }
        Ok(())
    }
    for b in 0..=255u8 {
        for kept in ["", "abc"] {
            for fragment in [&[b][..], &[b, b'x'], &[b'x', b]] {
                let (mut ours, mut theirs) = (String::<4>::new(), String::<4>::new());
                ours.push_str(kept).unwrap();
                theirs.push_str(kept).unwrap();
                let got = push_ascii(ours.as_mut_view(), fragment);
                let want = reference(theirs.as_mut_view(), fragment);
                assert_eq!((got, ours), (want, theirs), "{b} {kept:?} {fragment:?}");
            }
        }
    }
}

/// `x-amzn-ErrorType` values with and without `:` (at the start, twice, after a `#`, with a
/// non-ASCII tail), read in pieces of every size up to 7: the reader keeps what comes before the
/// first `:` (64 characters fit whatever follows; 65 do not), and the error names the code
/// `from_parts` finds in the whole value.
#[test]
fn error_type_is_cut_at_its_first_colon_in_any_pieces() {
    let long = "L".repeat(64);
    let values = [
        StdString::from("Code"),
        StdString::from("Code:http://x"),
        StdString::from(":Code"),
        StdString::from("Code::x"),
        StdString::from("ns#Code:x:y"),
        StdString::from("Code:\u{e9}\u{1f600}"),
        format!("{long}:{long}"),
        long.clone(),
    ];
    for value in &values {
        let wire = format!(
            "HTTP/1.1 404 Not Found\r\nx-amzn-ErrorType: {value}\r\nContent-Length: 0\r\n\r\n"
        );
        let want = ServiceError::from_parts(404, Some(value), b"");
        for piece in 1..=7 {
            let mut reader = InvokeResponseReader::new(&mut []);
            let mut outcome = None;
            for chunk in wire.as_bytes().chunks(piece) {
                reader
                    .handle_input_into(chunk, &mut Discard, &mut outcome)
                    .unwrap();
            }
            let Some(InvokeOutcome::ServiceError(e)) = outcome else {
                panic!("{value} {piece}")
            };
            assert_eq!(
                (e.kind, e.code),
                (want.kind, want.code.clone()),
                "{value} {piece}"
            );
        }
    }
    let wire = format!("HTTP/1.1 404 Not Found\r\nx-amzn-ErrorType: {long}L:x\r\n\r\n");
    for piece in 1..=7 {
        let mut reader = InvokeResponseReader::new(&mut []);
        let mut outcome = None;
        let got = wire.as_bytes().chunks(piece).try_for_each(|c| {
            reader
                .handle_input_into(c, &mut Discard, &mut outcome)
                .map(drop)
        });
        assert_eq!(
            got,
            Err(ReadError::Header {
                header: LambdaHeader::ErrorType,
                problem: HeaderProblem::TooLong
            }),
            "{piece}"
        );
    }
}

/// An error body is kept up to the buffer's capacity, whatever the pieces it arrives in: the error
/// is the one its kept start gives, flagged truncated when there was more.
#[test]
fn error_body_is_kept_up_to_capacity_in_any_pieces() {
    // The message is whole from 26 bytes on; more than 28 bytes do not fit.
    let full = "<Message>m&amp;m</Message>, and more";
    for len in 0..=full.len() {
        let body = &full[..len];
        let wire = format!("HTTP/1.1 500 Oops\r\nContent-Length: {len}\r\n\r\n{body}");
        for piece in 1..=7 {
            let mut reader = InvokeResponseReader::<'_, 28>::with_limits(&mut [], Limits::DEFAULT);
            let mut outcome = None;
            for chunk in wire.as_bytes().chunks(piece) {
                reader
                    .handle_input_into(chunk, &mut Discard, &mut outcome)
                    .unwrap();
            }
            if outcome.is_none() {
                reader.handle_eof_into(&mut Discard, &mut outcome).unwrap();
            }
            let Some(InvokeOutcome::ServiceError(e)) = outcome else {
                panic!()
            };
            let kept = &body.as_bytes()[..len.min(28)];
            let want = ServiceError::from_parts(500, None, kept);
            assert_eq!(e.message, want.message, "{len} {piece}");
            assert_eq!(e.message.is_some(), len >= 26, "{len} {piece}");
            assert_eq!(e.body_truncated, len > 28, "{len} {piece}");
        }
    }
}

/// Firmware's byte-at-a-time [`keep_error_body_small`] keeps what the hosts' slice copy
/// [`keep_error_body`] keeps, and flags the same cut, chunk after chunk: every split of bodies up
/// to 12 bytes into chunks (empty ones included) at capacities 0 to 9.
#[test]
fn error_body_is_kept_alike_a_byte_at_a_time() {
    fn compare<const E: usize>(chunks: &[&[u8]]) {
        let (mut fast, mut fast_cut) = (heapless::Vec::<u8, E>::new(), false);
        let (mut small, mut small_cut) = (heapless::Vec::<u8, E>::new(), false);
        for chunk in chunks {
            keep_error_body(&mut fast, &mut fast_cut, chunk);
            keep_error_body_small(&mut small, &mut small_cut, chunk);
            assert_eq!(fast, small, "{E} {chunks:?}");
            assert_eq!(fast_cut, small_cut, "{E} {chunks:?}");
        }
    }
    let body: Vec<u8> = (1..=12u8).collect();
    for len in 0..=body.len() {
        // Each bit of `cuts` ends a chunk after that byte; bit `len` adds an empty last chunk.
        for cuts in 0..1u32 << (len + 1) {
            let mut chunks: Vec<&[u8]> = Vec::new();
            let mut start = 0;
            for end in 0..=len {
                if cuts & (1 << end) != 0 {
                    chunks.push(&body[start..end]);
                    start = end;
                }
            }
            chunks.push(&body[start..len]);
            compare::<0>(&chunks);
            compare::<1>(&chunks);
            compare::<2>(&chunks);
            compare::<3>(&chunks);
            compare::<5>(&chunks);
            compare::<7>(&chunks);
            compare::<9>(&chunks);
        }
    }
}

#[test]
fn retry_after_forms() {
    let meta = |v: &str| ResponseMeta {
        retry_after: Some(heapless::String::try_from(v).unwrap()),
        ..Default::default()
    };
    assert_eq!(meta("120").retry_after_seconds(), Some(120));
    assert_eq!(
        meta("Wed, 21 Oct 2015 07:28:00 GMT").retry_after_seconds(),
        None
    );
    assert_eq!(meta("-1").retry_after_seconds(), None);
    assert_eq!(meta("99999999999").retry_after_seconds(), None);
    assert_eq!(ResponseMeta::default().retry_after_seconds(), None);
}

#[test]
fn body_buffer_sink_reports_required_size_before_writing() {
    let wire = b"HTTP/1.1 200 OK\r\nContent-Length: 10\r\n\r\n0123456789";
    let mut payload = [0u8; 4];
    let e = read_complete(wire, &mut [], &mut payload).unwrap_err();
    assert_eq!(
        e,
        ReadError::Sink(BufferTooSmall {
            required: 10,
            exact: true
        })
    );
    assert!(!e.is_peer_error());
    assert_eq!(payload, [0; 4]);
    // Chunked: known only as it arrives.
    let wire =
        b"HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked\r\n\r\n3\r\nabc\r\n3\r\ndef\r\n0\r\n\r\n";
    let e = read_complete(wire, &mut [], &mut payload).unwrap_err();
    assert_eq!(
        e,
        ReadError::Sink(BufferTooSmall {
            required: 6,
            exact: false
        })
    );
    let mut payload = [0u8; 6];
    let (o, used) = read_complete(wire, &mut [], &mut payload).unwrap();
    assert_eq!(
        (success(o).payload_len, used, &payload),
        (6, wire.len(), b"abcdef")
    );
}

#[test]
fn reader_misuse_and_eof() {
    let mut log = [0u8; 8];
    let mut reader = InvokeResponseReader::new(&mut log);
    let wire = b"HTTP/1.1 204 No Content\r\n\r\nNEXT";
    let p = reader.handle_input(wire, &mut Discard).unwrap();
    assert_eq!(p.consumed, wire.len() - 4);
    assert!(p.outcome.is_some());
    let misuse = ReadError::Http(ResponseError::Misuse(ApiMisuse::AfterEnd));
    assert_eq!(reader.handle_input(b"NEXT", &mut Discard), Err(misuse));
    assert_eq!(reader.handle_eof(&mut Discard), Err(misuse));

    let mut reader = InvokeResponseReader::new(&mut log);
    reader
        .handle_input(
            b"HTTP/1.1 200 OK\r\nContent-Length: 5\r\n\r\nab",
            &mut Discard,
        )
        .unwrap();
    assert_eq!(
        reader.handle_eof(&mut Discard),
        Err(ReadError::Http(ResponseError::IncompleteBody {
            received: 2,
            expected: Some(5)
        }))
    );
}

#[test]
fn sink_errors_pass_through() {
    let mut reader = InvokeResponseReader::<'_, 64>::with_limits(&mut [], Limits::DEFAULT);
    let mut sink = |_: &[u8]| -> Result<(), &'static str> { Err("disk full") };
    let e = reader
        .handle_input(b"HTTP/1.1 200 OK\r\nContent-Length: 1\r\n\r\nx", &mut sink)
        .unwrap_err();
    assert_eq!(e, ReadError::Sink("disk full"));
    assert_eq!(format!("{e}"), "payload sink refused a chunk");
}

#[test]
fn header_names_match_the_interest_order() {
    for (i, h) in LambdaHeader::ALL.iter().enumerate() {
        assert_eq!(h.name(), LambdaHeader::NAMES[i]);
        assert_eq!(h.bit(), 1 << i);
        assert_eq!(LambdaHeader::at(i), Some(*h));
    }
    assert_eq!(LambdaHeader::at(LambdaHeader::ALL.len()), None);
    assert_eq!(LambdaHeader::at(usize::MAX), None);
}

/// The sizes the module docs state (64-bit host).
#[test]
fn documented_sizes() {
    use core::mem::size_of;
    let parser = size_of::<crate::http::response::ResponseParser<'static>>();
    let reader = size_of::<InvokeResponseReader<'static>>();
    let outcome = size_of::<InvokeOutcome>();
    std::println!("parser {parser} reader {reader} outcome {outcome}");
    assert!(parser <= 320, "{parser}");
    assert!(reader <= 2048, "{reader}");
    assert!(outcome <= 1024, "{outcome}");
}

// --- the hand-written JSON error-body scanner ---------------------------------------------------

#[test]
fn json_scanner_reads_members_around_nested_values() {
    let e = from_body(
        400,
        None,
        r#"{ "a" : [ {"x":"}]\"{["}, [[]], -1.5e+3, true, null ], "b":{"c":{"d":[{}]}},
            "__type" : "ns#KMSNotFoundException" , "Message":"m:\u0041\ud83d\ude00\/\b\f\r\t" }"#,
    );
    assert_eq!(e.kind, ServiceErrorKind::KMSNotFoundException);
    assert_eq!(e.message(), "m:A\u{1f600}/\u{8}\u{c}\r\t");
    // `null` is an absent member; `code` then comes from `Code`.
    let e = from_body(
        400,
        None,
        r#"{"code":null,"Code":"ServiceException","message":null}"#,
    );
    assert_eq!(e.kind, ServiceErrorKind::ServiceException);
    assert_eq!(e.message, None);
    // Anything after the object is ignored; an empty object gives nothing.
    let e = from_body(400, None, r#"{"code":"ServiceException"} trailing"#);
    assert_eq!(e.kind, ServiceErrorKind::ServiceException);
    let e = from_body(400, None, "{ }");
    assert_eq!(
        (e.kind, e.code, e.message),
        (ServiceErrorKind::Unknown, None, None)
    );
}

#[test]
fn json_scanner_is_all_or_nothing() {
    for body in [
        r#"{"code":"ServiceException","message":"x""#,
        r#"{"code":"ServiceException","message":"x",}"#,
        r#"{"code":"ServiceException" "message":"x"}"#,
        r#"{"code":"ServiceException","code":"ServiceException"}"#,
        r#"{"code":"ServiceException","n":}"#,
        r#"{"code":"ServiceException","n":[1,2}"#,
        r#"{"code":"ServiceException","n":[1,2]]}"#,
        r#"{"code":"ServiceException","message":5}"#,
        r#"{"code":"ServiceException","message":nul}"#,
        "{\"code\":\"Service\nException\"}",
        "{\"code\":\"\u{1}\"}",
        r#"{code:"ServiceException"}"#,
        "{",
        "{\"",
        "{\"code\"",
        "{\"code\":",
    ] {
        let e = from_body(500, None, body);
        assert_eq!(
            (e.kind, e.code, e.message),
            (ServiceErrorKind::Unknown, None, None),
            "{body}"
        );
    }
}

#[test]
fn json_escapes_that_are_bad_end_the_message() {
    for (body, want) in [
        (r#"{"message":"ab\q"}"#, "ab"),
        (r#"{"message":"ab\u12"}"#, "ab"),
        (r#"{"message":"ab\u12G4"}"#, "ab"),
        (r#"{"message":"ab\ud83dcd"}"#, "ab"),
        (r#"{"message":"ab\ud83d\u0041"}"#, "ab"),
        (r#"{"message":"ab\ude00"}"#, "ab"),
        (r#"{"message":"ab\\"}"#, "ab\\"),
        (r#"{"message":"\"\""}"#, "\"\""),
    ] {
        let e = from_body(400, None, body);
        assert_eq!(e.message(), want, "{body}");
        assert!(!e.message_truncated);
    }
}

#[test]
fn json_scanner_survives_hostile_bodies() {
    // Deep nesting costs no stack (a counter, not recursion).
    let deep = format!(
        "{{\"n\":{}{},\"code\":\"ServiceException\"}}",
        "[".repeat(100_000),
        "]".repeat(100_000)
    );
    assert_eq!(
        from_body(500, None, &deep).kind,
        ServiceErrorKind::ServiceException
    );
    let unbalanced = format!("{{\"n\":{}", "[{".repeat(50_000));
    assert_eq!(
        from_body(500, None, &unbalanced).kind,
        ServiceErrorKind::Unknown
    );
    // Every prefix of a valid body, and every byte value at every position: no panic, and a
    // prefix never yields a field the whole body does not have.
    let body = br#"{"__type":"a#ServiceException","x":[1,{"y":"\"z"}],"message":"m\u00e9\n","Reason":"CallerRateLimitExceeded"}"#;
    let whole = ServiceError::from_parts(500, None, body);
    assert_eq!(whole.kind, ServiceErrorKind::ServiceException);
    assert_eq!(whole.message(), "m\u{e9}\n");
    assert_eq!(whole.reason, Some(ThrottleReason::CallerRateLimitExceeded));
    for n in 0..body.len() {
        let e = ServiceError::from_parts(500, None, &body[..n]);
        assert_eq!(
            (e.kind, e.message),
            (ServiceErrorKind::Unknown, None),
            "prefix {n}"
        );
    }
    for i in 0..body.len() {
        for b in 0..=255u8 {
            let mut mutated = body.to_vec();
            mutated[i] = b;
            let e = ServiceError::from_parts(500, None, &mutated);
            assert!(e.message().len() <= MESSAGE_CAPACITY);
        }
    }
}

#[test]
fn reader_reset_reads_the_next_response() {
    let ok = b"HTTP/1.1 200 OK\r\nX-Amz-Log-Result: aGVsbG8=\r\nX-Amz-Executed-Version: 3\r\nContent-Length: 2\r\n\r\n{}";
    let err = b"HTTP/1.1 404 Not Found\r\nx-amzn-ErrorType: ResourceNotFoundException\r\nContent-Length: 15\r\n\r\n{\"message\":\"m\"}";
    let mut log = [0u8; 16];
    let mut reader = InvokeResponseReader::new(&mut log);
    let mut payload = [0u8; 8];
    for round in 0..3 {
        let mut sink = BodyBuffer::new(&mut payload);
        let p = reader.handle_input(ok, &mut sink).unwrap();
        assert_eq!(p.consumed, ok.len());
        let s = success(p.outcome.unwrap());
        assert_eq!(s.executed_version.as_deref(), Some("3"), "round {round}");
        assert_eq!(s.log_result, Some(LogResult::Decoded { len: 5 }));
        assert_eq!(reader.log_result(), Some(&b"hello"[..]));
        reader.reset();
        let p = reader.handle_input(err, &mut sink).unwrap();
        let Some(InvokeOutcome::ServiceError(e)) = p.outcome else {
            panic!("round {round}")
        };
        assert_eq!(e.kind, ServiceErrorKind::ResourceNotFoundException);
        assert_eq!(e.message(), "m");
        assert_eq!(reader.log_result(), None, "reset forgets the log");
        reader.reset();
    }
}

/// The log decoder fed `text` whole and a byte at a time gives what base64ct decodes (or
/// fails where it fails).
fn decodes_as_base64ct(text: &[u8]) {
    use base64ct::{Base64, Encoding};
    let mut want = std::vec![0u8; text.len() / 4 * 3];
    let want = Base64::decode(text, &mut want).ok().map(|w| w.to_vec());
    for split in [text.len(), 1] {
        let mut out = std::vec![0u8; text.len() / 4 * 3];
        let mut dec = LogDecoder::default();
        let got = text
            .chunks(split)
            .try_for_each(|p| dec.feed(p, &mut out))
            .and_then(|()| dec.finish(out.len()));
        let got = got.ok().map(|r| match r {
            LogResult::Decoded { len } => out[..len].to_vec(),
            LogResult::BufferTooSmall { .. } => unreachable!(),
        });
        assert_eq!(got, want, "{:?}", std::str::from_utf8(text));
    }
}

#[test]
fn log_decoder_is_strict_like_base64ct() {
    // Every quad over a small alphabet that covers padding, bad bytes and trailing bits, fed
    // whole and byte by byte: accepted exactly when base64ct accepts it, with the same bytes.
    let alphabet = [b'A', b'B', b'Q', b'/', b'=', b'-', b'g', b'w'];
    for a in alphabet {
        for b in alphabet {
            for c in alphabet {
                for d in alphabet {
                    decodes_as_base64ct(&[a, b, c, d]);
                }
            }
        }
    }
    // Two quads over a smaller alphabet (padding in the first, a third `=`, data after padding),
    // fed whole and byte by byte.
    let alphabet = [b'A', b'Q', b'=', b'g', b'-'];
    let mut text = [0u8; 8];
    for n in 0..alphabet.len().pow(8) {
        let mut rest = n;
        for c in &mut text {
            *c = alphabet[rest % alphabet.len()];
            rest /= alphabet.len();
        }
        decodes_as_base64ct(&text);
    }
    // Nothing may follow padding, and a partial quad at the end is an error.
    let mut out = [0u8; 16];
    let mut dec = LogDecoder::default();
    assert!(dec.feed(b"QQ==QUJD", &mut out).is_err());
    let mut dec = LogDecoder::default();
    dec.feed(b"QUJDR", &mut out).unwrap();
    assert_eq!(dec.finish(out.len()), Err(HeaderProblem::InvalidBase64));
}

/// The log decoder as it was before it dropped its count of bytes written (which equals the
/// bytes decoded, capped at the output's length): the reference for the one it became.
#[derive(Default)]
struct LogDecoderBefore {
    acc: u32,
    bits: u8,
    in_quad: u8,
    pad: u8,
    written: usize,
    required: usize,
}

impl LogDecoderBefore {
    fn feed(&mut self, fragment: &[u8], out: &mut [u8]) -> Result<(), HeaderProblem> {
        if fragment.iter().all(|&c| self.push(c, out)) {
            Ok(())
        } else {
            Err(HeaderProblem::InvalidBase64)
        }
    }

    fn push(&mut self, c: u8, out: &mut [u8]) -> bool {
        let quad_pos = self.in_quad;
        self.in_quad = (quad_pos + 1) & 3;
        if c == b'=' {
            let leftover = self.acc & ((1u32 << self.bits) - 1);
            let ok = u32::from(quad_pos) >= u32::from(self.pad) + 2 && leftover == 0;
            self.pad = self.pad.saturating_add(1);
            return ok;
        }
        let Some(value) = crate::encode::base64_value(c).filter(|_| self.pad == 0) else {
            return false;
        };
        self.acc = (self.acc << 6) | u32::from(value);
        self.bits += 6;
        if self.bits >= 8 {
            self.bits -= 8;
            let byte = (self.acc >> self.bits) as u8;
            if let Some(slot) = out
                .get_mut(self.written)
                .filter(|_| self.written == self.required)
            {
                *slot = byte;
                self.written += 1;
            }
            self.required += 1;
        }
        true
    }

    fn finish(&self) -> Result<LogResult, HeaderProblem> {
        if self.in_quad != 0 {
            return Err(HeaderProblem::InvalidBase64);
        }
        Ok(if self.written != self.required {
            LogResult::BufferTooSmall {
                required: self.required,
            }
        } else {
            LogResult::Decoded { len: self.written }
        })
    }
}

/// The decoder and its reference fed the same pieces into outputs of the same size: the same
/// result of every piece, the same end, the same output bytes.
fn log_decoders_agree(
    text: &[u8],
    piece: usize,
    capacity: usize,
) -> Result<(), proptest::test_runner::TestCaseError> {
    let (mut out, mut out_before) = (vec![0xaa; capacity], vec![0xaa; capacity]);
    let (mut dec, mut before) = (LogDecoder::default(), LogDecoderBefore::default());
    for p in text.chunks(piece.max(1)) {
        let got = dec.feed(p, &mut out);
        proptest::prop_assert_eq!(got, before.feed(p, &mut out_before));
        if got.is_err() {
            return Ok(());
        }
    }
    proptest::prop_assert_eq!(dec.finish(capacity), before.finish());
    proptest::prop_assert_eq!(out, out_before);
    Ok(())
}

#[test]
fn log_decoder_matches_the_one_that_counted_writes() {
    use base64ct::{Base64, Encoding};
    let data: Vec<u8> = (0..=255u8).rev().collect();
    for len in 0..40 {
        let mut b64 = vec![0u8; 64];
        let text = Base64::encode(&data[..len], &mut b64)
            .unwrap()
            .as_bytes()
            .to_vec();
        for capacity in 0..=len + 2 {
            for piece in [1, 3, 4, 5, text.len()] {
                log_decoders_agree(&text, piece, capacity).unwrap();
            }
        }
    }
}

proptest::proptest! {
    /// Any text over an alphabet with padding and bad bytes, any pieces, any output size.
    #[test]
    fn log_decoder_matches_the_one_that_counted_writes_on_any_text(
        text in proptest::collection::vec(proptest::sample::select(b"AQgw/+=-A".to_vec()), 0..40),
        piece in 1usize..9,
        capacity in 0usize..32,
    ) {
        log_decoders_agree(&text, piece, capacity)?;
    }
}

#[test]
fn in_place_reading_matches_reading_by_value() {
    let log_b64 = "U1RBUlQgUmVxdWVzdElkOiAx"; // "START RequestId: 1"
    let ok = format!(
        "HTTP/1.1 200 OK\r\nContent-Length: 4\r\nX-Amz-Executed-Version: 3\r\n\
         X-Amz-Function-Error: Handled\r\nx-amzn-RequestId: r-1\r\nX-Amz-Log-Result: {log_b64}\r\n\
         Date: Thu, 01 Jan 2026 00:00:00 GMT\r\n\r\n\"ok\""
    );
    let not_found =
        "HTTP/1.1 404 Not Found\r\nx-amzn-ErrorType: ResourceNotFoundException:http://x\r\n\
         Retry-After: 2\r\nContent-Length: 28\r\n\r\n{\"Message\":\"Function &amp; x\"}";
    let xml = "HTTP/1.1 403 Forbidden\r\nConnection: close\r\n\r\n\
         <Error><Code>AccessDenied</Code><Message>a &lt; b</Message></Error>";
    for wire in [ok.as_str(), not_found, xml] {
        let mut log = [0u8; 64];
        let (want, want_payload) = read(wire.as_bytes(), &mut log).unwrap();
        let mut log = [0u8; 64];
        let mut reader = InvokeResponseReader::new(&mut log);
        let mut payload = Vec::new();
        let mut sink = |c: &[u8]| -> Result<(), Infallible> {
            payload.extend_from_slice(c);
            Ok(())
        };
        // Left untouched until the response completes, whatever it held.
        let mut outcome = Some(InvokeOutcome::ServiceError(ServiceError::from_parts(
            599, None, b"",
        )));
        let mut completed = false;
        for byte in wire.as_bytes().chunks(1) {
            assert_eq!(outcome.as_ref().map(|o| o.status()), Some(599), "{wire}");
            let used = reader
                .handle_input_into(byte, &mut sink, &mut outcome)
                .unwrap();
            assert_eq!(used, 1);
            if outcome.as_ref().map(|o| o.status()) != Some(599) {
                completed = true;
                break;
            }
        }
        if !completed {
            reader.handle_eof_into(&mut sink, &mut outcome).unwrap();
        }
        assert_eq!(outcome, Some(want), "{wire}");
        assert_eq!(payload, want_payload);
    }
    // Nothing to complete: the same misuse error as `handle_eof`, and the outcome left alone.
    let mut reader = InvokeResponseReader::new(&mut []);
    let mut outcome = None;
    let e = reader.handle_eof_into(&mut Discard, &mut outcome);
    assert!(matches!(e, Err(ReadError::Http(_))));
    assert_eq!(outcome, None);
}

// --- firmware's push path against the pull path ------------------------------------------------

use crate::http::response::tests::response_model;

/// The payload sinks the differential tests read with.
#[derive(Clone, Copy, Debug)]
enum SinkKind {
    /// Collects everything; refuses the `n`-th chunk (counting from 1) when `Some(n)`.
    Collect(Option<usize>),
    /// A [`BodyBuffer`] of this many bytes.
    Buffer(usize),
}

/// Everything a reader did with `pieces` (each fed through the push path or through the pull
/// path reading heads a byte at a time, as firmware's would, going on after errors), then EOF if
/// `eof`: the results, the outcomes, the payload and the reader's state at the end.
fn reader_log<const E: usize>(
    push: bool,
    pieces: &[&[u8]],
    eof: bool,
    sink: SinkKind,
    log_len: usize,
) -> Vec<StdString> {
    fn feed<S: PayloadSink + ?Sized, const E: usize>(
        push: bool,
        reader: &mut InvokeResponseReader<'_, E>,
        pieces: &[&[u8]],
        eof: bool,
        sink: &mut S,
        out: &mut Vec<StdString>,
    ) where
        S::Error: core::fmt::Debug,
    {
        let mut outcome = None;
        for piece in pieces {
            let r = if push {
                reader.push_input_into(piece, sink, &mut outcome)
            } else {
                reader.pull_input_with(piece, sink, &mut outcome, |p, input| {
                    p.handle_input_bytes(input)
                })
            };
            out.push(format!("{r:?} {outcome:?}"));
        }
        if eof {
            let r = reader.handle_eof_into(sink, &mut outcome);
            out.push(format!("eof {r:?} {outcome:?}"));
        }
        out.push(format!("{reader:?} {:?}", reader.log_result()));
    }
    let mut log_buf = vec![0u8; log_len];
    let mut reader = InvokeResponseReader::<'_, E>::with_limits(&mut log_buf, Limits::DEFAULT);
    let mut out = Vec::new();
    match sink {
        SinkKind::Collect(fail_at) => {
            let mut chunks = 0;
            let mut payload = Vec::new();
            let mut sink = |c: &[u8]| -> Result<(), usize> {
                chunks += 1;
                if Some(chunks) == fail_at {
                    return Err(chunks);
                }
                payload.extend_from_slice(c);
                Ok(())
            };
            feed(push, &mut reader, pieces, eof, &mut sink, &mut out);
            out.push(format!("{payload:?}"));
        }
        SinkKind::Buffer(n) => {
            let mut buf = vec![0u8; n];
            let mut sink = BodyBuffer::new(&mut buf);
            feed(push, &mut reader, pieces, eof, &mut sink, &mut out);
            out.push(format!("{:?}", sink.filled()));
        }
    }
    out
}

/// The push path and the pull path read `pieces` alike, whatever the sink, log buffer and
/// error-body capacity.
fn reader_paths_agree(pieces: &[&[u8]]) -> Result<(), proptest::test_runner::TestCaseError> {
    let sinks = [
        SinkKind::Collect(None),
        SinkKind::Collect(Some(1)),
        SinkKind::Collect(Some(2)),
        SinkKind::Buffer(8),
        SinkKind::Buffer(4096),
    ];
    for eof in [false, true] {
        for sink in sinks {
            for log_len in [0, 16, MAX_LOG_RESULT_BYTES] {
                proptest::prop_assert_eq!(
                    reader_log::<DEFAULT_ERROR_BODY_CAPACITY>(true, pieces, eof, sink, log_len),
                    reader_log::<DEFAULT_ERROR_BODY_CAPACITY>(false, pieces, eof, sink, log_len),
                    "{:?} log {} eof {}",
                    sink,
                    log_len,
                    eof
                );
            }
            proptest::prop_assert_eq!(
                reader_log::<16>(true, pieces, eof, sink, 64),
                reader_log::<16>(false, pieces, eof, sink, 64)
            );
        }
    }
    Ok(())
}

/// The recorded responses (`tests/data/responses`), followed by the start of another.
fn recorded_responses() -> Vec<Vec<u8>> {
    let dir = std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/data/responses");
    let mut files: Vec<_> = std::fs::read_dir(dir)
        .unwrap()
        .map(|e| e.unwrap().path())
        .filter(|p| p.extension().is_some_and(|e| e == "http"))
        .collect();
    files.sort();
    assert!(files.len() >= 10);
    files
        .iter()
        .map(|p| {
            let mut w = std::fs::read(p).unwrap();
            w.extend_from_slice(b"HTTP/1.1 200 OK\r\n");
            w
        })
        .collect()
}

#[test]
fn push_path_reads_recorded_responses_as_the_pull_path() {
    for wire in recorded_responses() {
        reader_paths_agree(&[&wire]).unwrap();
        for n in [1, 7, 16, 100] {
            reader_paths_agree(&wire.chunks(n).collect::<Vec<_>>()).unwrap();
        }
        // Split at offsets spread over the response (every one of a short response).
        let step = (wire.len() / 40).max(1);
        for i in (0..=wire.len()).step_by(step) {
            let (a, b) = wire.split_at(i);
            reader_paths_agree(&[a, b]).unwrap();
        }
    }
}

proptest::proptest! {
    #![proptest_config(proptest::test_runner::Config {
        cases: std::env::var("PROPTEST_CASES").ok().and_then(|v| v.parse().ok()).unwrap_or(64),
        ..proptest::test_runner::Config::default()
    })]

    #[test]
    fn push_path_reads_damaged_recorded_responses_as_the_pull_path(
        which in 0usize..64,
        edits in proptest::collection::vec((0usize..8000, proptest::prelude::any::<u8>()), 1..4),
        offsets in response_model::offsets(),
    ) {
        let all = recorded_responses();
        let mut w = all[which % all.len()].clone();
        response_model::damage(&mut w, &edits);
        let offsets: Vec<usize> = offsets.iter().map(|o| o % (w.len() + 1)).collect();
        reader_paths_agree(&response_model::cut(&w, &offsets))?;
    }

    #[test]
    fn push_path_reads_generated_responses_as_the_pull_path(
        m in response_model::model(),
        offsets in response_model::offsets(),
    ) {
        let w = response_model::wire(&m);
        let offsets: Vec<usize> = offsets.iter().map(|o| o % (w.len() + 1)).collect();
        reader_paths_agree(&response_model::cut(&w, &offsets))?;
        reader_paths_agree(&w.chunks(3).collect::<Vec<_>>())?;
    }
}
