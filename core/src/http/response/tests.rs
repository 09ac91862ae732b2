//! Table tests for the response parser: one test per case, each run whole, one byte at a time and
//! split at every offset (h11's `test_io.py` discipline), all of which must agree.

use std::format;
use std::string::String;
use std::vec::Vec;

use super::*;

/// Everything a parse produced, with header fragments joined, for comparing feeding strategies.
#[derive(Clone, Debug, PartialEq, Eq)]
struct Transcript {
    headers: Vec<(usize, Vec<u8>)>,
    head: Option<Head>,
    body: Vec<u8>,
    end: Option<bool>,
    error: Option<ResponseError>,
    /// Bytes consumed before `End` or the error.
    consumed: usize,
}

/// Feed `pieces` in order (each piece as if received into an empty buffer), then report EOF if
/// `eof` and the response is not complete.
fn run(interest: &[&str], pieces: &[&[u8]], eof: bool) -> Transcript {
    run_with(interest, pieces, eof, |p, input| p.handle_input(input))
}

/// A way of feeding the parser: [`ResponseParser::handle_input`], or its general path alone,
/// which is all of `handle_input` on bare-metal targets (built without the per-call shortcut).
type Feed =
    for<'p, 'h, 'a> fn(&'p mut ResponseParser<'h>, &'a [u8]) -> Result<Progress<'a>, ResponseError>;

/// [`run`] through `feed`.
fn run_with(interest: &[&str], pieces: &[&[u8]], eof: bool, feed: Feed) -> Transcript {
    run_limited(interest, Limits::DEFAULT, pieces, eof, feed)
}

/// [`run_with`] with other limits.
fn run_limited(
    interest: &[&str],
    limits: Limits,
    pieces: &[&[u8]],
    eof: bool,
    feed: Feed,
) -> Transcript {
    let mut p = ResponseParser::with_limits(interest, limits);
    let mut t = Transcript {
        headers: Vec::new(),
        head: None,
        body: Vec::new(),
        end: None,
        error: None,
        consumed: 0,
    };
    let mut open: Option<usize> = None;
    let mut record = |t: &mut Transcript, ev: Event<'_>| match ev {
        Event::Header {
            index,
            fragment,
            first,
            last,
        } => {
            assert_eq!(first, open.is_none(), "first flag");
            if first {
                t.headers.push((index, Vec::new()));
                open = Some(index);
            }
            assert_eq!(open, Some(index));
            t.headers.last_mut().unwrap().1.extend_from_slice(fragment);
            if last {
                open = None;
            }
        }
        Event::Head(h) => {
            assert!(open.is_none());
            t.head = Some(h);
        }
        Event::Body(b) => {
            assert!(!b.is_empty());
            t.body.extend_from_slice(b)
        }
        Event::End { reusable } => t.end = Some(reusable),
    };
    'pieces: for piece in pieces {
        let mut rest: &[u8] = piece;
        loop {
            match feed(&mut p, rest) {
                Err(e) => {
                    // Sticky.
                    assert_eq!(feed(&mut p, b"x"), Err(e));
                    return failed(t, e);
                }
                Ok(pr) => {
                    t.consumed += pr.consumed;
                    rest = &rest[pr.consumed..];
                    match pr.event {
                        None => {
                            assert!(rest.is_empty(), "None must mean all consumed");
                            continue 'pieces;
                        }
                        Some(ev) => {
                            let end = matches!(ev, Event::End { .. });
                            record(&mut t, ev);
                            if end {
                                break 'pieces;
                            }
                        }
                    }
                }
            }
        }
    }
    if t.end.is_none() && eof {
        match p.handle_eof() {
            Ok(Some(ev)) => record(&mut t, ev),
            Ok(None) => {}
            Err(e) => return failed(t, e),
        }
    }
    t
}

/// After an error only the error, the head and the body so far are comparable across splits: the
/// value fragments of the offending line and the bytes consumed before it depend on where the
/// input was cut.
fn failed(mut t: Transcript, e: ResponseError) -> Transcript {
    t.error = Some(e);
    t.headers.clear();
    t.consumed = 0;
    t
}

/// The ways of feeding a parser the tests compare: [`ResponseParser::handle_input`] (on hosts,
/// the shortcuts first), the general path reading heads with the scan (hosts, when no shortcut
/// applies) and the general path reading heads a byte at a time (all of `handle_input` on
/// bare-metal targets).
const FEEDS: [(&str, Feed); 3] = [
    ("handle_input", |p, input| p.handle_input(input)),
    ("scan", |p, input| p.handle_input_with::<false>(input)),
    ("bytes", |p, input| p.handle_input_with::<true>(input)),
];

/// Parse `input` whole, byte by byte, split at every offset and in pieces of a few sizes, through
/// each of [`FEEDS`]; all must agree. Returns the transcript of the whole parse.
fn parse_all(interest: &[&str], input: &[u8], eof: bool) -> Transcript {
    let whole = run(interest, &[input], eof);
    for (name, feed) in FEEDS {
        let check = |pieces: &[&[u8]], how: &str| {
            assert_eq!(
                run_with(interest, pieces, eof, feed),
                whole,
                "{name}: {how}"
            );
        };
        check(&[input], "whole");
        check(&input.chunks(1).collect::<Vec<_>>(), "one byte at a time");
        for i in 0..=input.len() {
            let (a, b) = input.split_at(i);
            check(&[a, b], &format!("split at {i}"));
        }
        for n in [2, 3, 7, 16] {
            check(
                &input.chunks(n).collect::<Vec<_>>(),
                &format!("pieces of {n}"),
            );
        }
    }
    whole
}

fn parse(input: &[u8]) -> Transcript {
    parse_all(&["x-a", "x-b", "date"], input, true)
}

fn err(input: &[u8]) -> ResponseError {
    let t = parse(input);
    t.error
        .unwrap_or_else(|| panic!("expected an error, got {t:?}"))
}

fn ok(input: &[u8]) -> Transcript {
    let t = parse(input);
    assert_eq!(t.error, None, "{t:?}");
    assert!(t.end.is_some(), "{t:?}");
    t
}

fn framing(input: &[u8]) -> BodyFraming {
    ok(input).head.unwrap().framing
}

/// One test per case, as httparse's `res!`.
macro_rules! res {
    ($name:ident, $input:expr, ok |$t:ident| $body:block) => {
        #[test]
        fn $name() {
            let $t = ok($input);
            $body
        }
    };
    ($name:ident, $input:expr, err $e:expr) => {
        #[test]
        fn $name() {
            assert_eq!(err($input), $e);
        }
    };
}

// --- status line ------------------------------------------------------------------------------

res!(
    status_11,
    b"HTTP/1.1 200 OK\r\nContent-Length: 0\r\n\r\n",
    ok | t | {
        let h = t.head.unwrap();
        assert_eq!(
            (h.version, h.status, h.framing),
            (Version::Http11, 200, BodyFraming::ContentLength(0))
        );
        assert_eq!(t.end, Some(true));
    }
);
res!(
    status_10,
    b"HTTP/1.0 404 Not Found\r\nContent-Length: 0\r\n\r\n",
    ok | t | {
        let h = t.head.unwrap();
        assert_eq!(
            (h.version, h.status, h.reusable),
            (Version::Http10, 404, false)
        );
    }
);
res!(
    status_higher_minor_is_11,
    b"HTTP/1.2 200 OK\r\nContent-Length: 0\r\n\r\n",
    ok | t | {
        assert_eq!(t.head.unwrap().version, Version::Http11);
    }
);
res!(
    status_without_reason,
    b"HTTP/1.1 200\r\nContent-Length: 0\r\n\r\n",
    ok | t | {
        assert_eq!(t.head.unwrap().status, 200);
    }
);
res!(
    status_empty_reason,
    b"HTTP/1.1 200 \r\nContent-Length: 0\r\n\r\n",
    ok | _t | {}
);
res!(
    status_reason_with_tab_and_obs_text,
    b"HTTP/1.1 200 Fine\t\xc3\xa9\r\nContent-Length: 0\r\n\r\n",
    ok | _t | {}
);
res!(
    status_bare_lf,
    b"HTTP/1.1 200 OK\nContent-Length: 0\n\n",
    ok | t | {
        assert_eq!(t.end, Some(true));
    }
);
res!(status_http2, b"HTTP/2 200\r\n\r\n", err ResponseError::UnsupportedVersion);
res!(status_http2_0, b"HTTP/2.0 200 OK\r\n\r\n", err ResponseError::UnsupportedVersion);
res!(status_lowercase_name, b"http/1.1 200 OK\r\n\r\n", err ResponseError::InvalidStatusLine);
res!(status_two_digits, b"HTTP/1.1 20 OK\r\n\r\n", err ResponseError::InvalidStatusLine);
res!(status_four_digits, b"HTTP/1.1 2000 OK\r\n\r\n", err ResponseError::InvalidStatusLine);
res!(status_below_100, b"HTTP/1.1 099 Odd\r\n\r\n", err ResponseError::InvalidStatusLine);
res!(status_double_space, b"HTTP/1.1  200 OK\r\n\r\n", err ResponseError::InvalidStatusLine);
res!(status_ctl_in_reason, b"HTTP/1.1 200 O\x01K\r\n\r\n", err ResponseError::InvalidStatusLine);
res!(status_cr_without_lf, b"HTTP/1.1 200 OK\rX", err ResponseError::InvalidLineEnding);
res!(status_garbage, b"<html>", err ResponseError::InvalidStatusLine);

// --- interim responses ------------------------------------------------------------------------

res!(continue_twice, b"HTTP/1.1 100 Continue\r\n\r\nHTTP/1.1 100 Continue\r\n\r\nHTTP/1.1 200 OK\r\nContent-Length: 2\r\n\r\nok", ok |t| {
    assert_eq!(t.head.unwrap().status, 200);
    assert_eq!(t.body, b"ok");
});
res!(early_hints_headers_not_reported, b"HTTP/1.1 103 Early Hints\r\nX-A: hint\r\nContent-Length: 99\r\nConnection: close\r\n\r\nHTTP/1.1 200 OK\r\nX-A: final\r\nContent-Length: 0\r\n\r\n", ok |t| {
    assert_eq!(t.headers, [(0, b"final".to_vec())]);
    assert_eq!(t.head.unwrap().framing, BodyFraming::ContentLength(0));
    assert_eq!(t.end, Some(true), "a 1xx Connection: close does not apply to the final response");
});
res!(switching_protocols, b"HTTP/1.1 101 Switching Protocols\r\nUpgrade: h2c\r\n\r\n", err ResponseError::UnexpectedUpgrade);

#[test]
fn interim_heads_each_get_the_limit() {
    let limits = Limits {
        max_head_bytes: 45,
        ..Limits::DEFAULT
    };
    let input = b"HTTP/1.1 100 Continue\r\nX-Pad: 0123456\r\n\r\nHTTP/1.1 204 No Content\r\n\r\n";
    let mut p = ResponseParser::with_limits(&[], limits);
    let pr = p.handle_input(input).unwrap();
    assert!(matches!(pr.event, Some(Event::Head(h)) if h.status == 204));
}

/// A final head exactly at the limit after a `1xx` head, and one byte over it: the same outcome
/// through every feed, whole and a byte at a time (the byte path once charged the `1xx` head's
/// last LF to the final head's limit).
#[test]
fn interim_then_final_head_at_the_exact_limit() {
    let interim = b"HTTP/1.1 100 Continue\r\n\r\n";
    let last = b"HTTP/1.1 204 No Content\r\n\r\n";
    let input = [&interim[..], &last[..]].concat();
    for (max, fits) in [(last.len(), true), (last.len() - 1, false)] {
        let limits = Limits {
            max_head_bytes: max as u32,
            ..Limits::DEFAULT
        };
        for (name, feed) in FEEDS {
            for step in [1, input.len()] {
                let mut p = ResponseParser::with_limits(&[], limits);
                let mut rest = &input[..];
                let outcome = loop {
                    assert!(!rest.is_empty(), "{name}: no head and no error");
                    match feed(&mut p, &rest[..rest.len().min(step)]) {
                        Err(e) => break Err(e),
                        Ok(pr) => {
                            rest = &rest[pr.consumed..];
                            if let Some(Event::Head(h)) = pr.event {
                                break Ok(h.status);
                            }
                        }
                    }
                };
                let want = if fits {
                    Ok(204)
                } else {
                    Err(ResponseError::HeadTooLarge)
                };
                assert_eq!(outcome, want, "{name}, limit {max}, pieces of {step}");
            }
        }
    }
}

// --- header lines -----------------------------------------------------------------------------

res!(
    names_case_insensitive,
    b"HTTP/1.1 200 OK\r\nx-A: 1\r\nX-B: 2\r\nDATE: 3\r\ncontent-LENGTH: 0\r\n\r\n",
    ok | t | {
        assert_eq!(
            t.headers,
            [(0, b"1".to_vec()), (1, b"2".to_vec()), (2, b"3".to_vec())]
        );
    }
);
res!(
    ows_trimmed,
    b"HTTP/1.1 200 OK\r\nX-A: \t  one two \t \r\nX-B:two\r\nContent-Length: 0\r\n\r\n",
    ok | t | {
        assert_eq!(t.headers, [(0, b"one two".to_vec()), (1, b"two".to_vec())]);
    }
);
res!(
    interior_whitespace_kept_exactly,
    b"HTTP/1.1 200 OK\r\nX-A: a \t\t  \t b\t c\r\nContent-Length: 0\r\n\r\n",
    ok | t | {
        assert_eq!(t.headers, [(0, b"a \t\t  \t b\t c".to_vec())]);
    }
);
res!(
    empty_value,
    b"HTTP/1.1 200 OK\r\nX-A:\r\nX-B:   \r\nContent-Length: 0\r\n\r\n",
    ok | t | {
        assert_eq!(t.headers, [(0, Vec::new()), (1, Vec::new())]);
    }
);
res!(
    empty_value_bare_lf,
    b"HTTP/1.1 200 OK\nX-A:\nContent-Length: 0\n\n",
    ok | t | {
        assert_eq!(t.headers, [(0, Vec::new())]);
    }
);
res!(
    repeated_interesting_field_reported_twice,
    b"HTTP/1.1 200 OK\r\nX-A: 1\r\nX-A: 2\r\nContent-Length: 0\r\n\r\n",
    ok | t | {
        assert_eq!(t.headers, [(0, b"1".to_vec()), (0, b"2".to_vec())]);
    }
);
res!(
    obs_text_in_value,
    b"HTTP/1.1 200 OK\r\nX-A: caf\xc3\xa9\r\nServer: \xff\r\nContent-Length: 0\r\n\r\n",
    ok | t | {
        assert_eq!(t.headers, [(0, b"caf\xc3\xa9".to_vec())]);
    }
);
res!(uninteresting_fields_skipped, b"HTTP/1.1 200 OK\r\nServer: a\r\nServer: b\r\nX-Amzn-Trace-Id: root=1;p=2\r\nContent-Length: 0\r\n\r\n", ok |t| {
    assert!(t.headers.is_empty());
});
res!(obs_fold, b"HTTP/1.1 200 OK\r\nX-A: one\r\n  two\r\n\r\n", err ResponseError::ObsoleteLineFolding);
res!(obs_fold_tab, b"HTTP/1.1 200 OK\r\nServer: one\r\n\ttwo\r\n\r\n", err ResponseError::ObsoleteLineFolding);
res!(whitespace_before_first_field, b"HTTP/1.1 200 OK\r\n X-A: 1\r\n\r\n", err ResponseError::InvalidHeaderName);
res!(whitespace_before_colon, b"HTTP/1.1 200 OK\r\nX-A : 1\r\n\r\n", err ResponseError::InvalidHeaderName);
res!(empty_name, b"HTTP/1.1 200 OK\r\n: 1\r\n\r\n", err ResponseError::InvalidHeaderName);
res!(name_without_colon, b"HTTP/1.1 200 OK\r\nX-A\r\n\r\n", err ResponseError::InvalidHeaderName);
res!(non_token_name, b"HTTP/1.1 200 OK\r\nX(A): 1\r\n\r\n", err ResponseError::InvalidHeaderName);
res!(nul_in_value, b"HTTP/1.1 200 OK\r\nServer: a\x00b\r\n\r\n", err ResponseError::InvalidHeaderValue);
res!(del_in_interesting_value, b"HTTP/1.1 200 OK\r\nX-A: a\x7fb\r\n\r\n", err ResponseError::InvalidHeaderValue);
res!(bare_cr_in_value, b"HTTP/1.1 200 OK\r\nServer: a\rb\r\n\r\n", err ResponseError::InvalidLineEnding);
res!(bare_cr_in_interesting_value, b"HTTP/1.1 200 OK\r\nX-A: a\rb\r\n\r\n", err ResponseError::InvalidLineEnding);
res!(bare_cr_ending_head, b"HTTP/1.1 200 OK\r\nX-A: a\r\n\rX", err ResponseError::InvalidLineEnding);

#[test]
fn whitespace_run_limit() {
    let run = |n: usize, tail: &str| {
        let mut v = b"HTTP/1.1 200 OK\r\nX-A: a".to_vec();
        v.extend(std::iter::repeat_n(b' ', n));
        v.extend_from_slice(tail.as_bytes());
        v.extend_from_slice(b"\r\nServer: ");
        v.extend(std::iter::repeat_n(b' ', 500)); // not interesting: no limit
        v.extend_from_slice(b"x\r\nContent-Length: 0\r\n\r\n");
        parse(&v)
    };
    assert_eq!(run(64, "b").headers[0].1.len(), 66);
    assert_eq!(run(64, "").headers[0].1, b"a");
    assert_eq!(
        run(65, "b").error,
        Some(ResponseError::WhitespaceRunTooLong)
    );
    assert_eq!(run(65, "").error, Some(ResponseError::WhitespaceRunTooLong));
}

#[test]
fn long_interesting_value_through_tiny_pieces() {
    let value: Vec<u8> = (0..5464)
        .map(|i| b"ABCDEFGHabcdefgh0123+/"[i % 22])
        .collect();
    let mut input = b"HTTP/1.1 200 OK\r\nX-Amz-Log-Result: ".to_vec();
    input.extend_from_slice(&value);
    input.extend_from_slice(b"\r\nContent-Length: 0\r\n\r\n");
    let interest = ["x-amz-log-result"];
    for n in [1, 5, 64, 256] {
        let pieces: Vec<&[u8]> = input.chunks(n).collect();
        let t = run(&interest, &pieces, false);
        assert_eq!(t.headers, [(0, value.clone())], "pieces of {n}");
        assert_eq!(t.end, Some(true));
    }
}

#[test]
fn head_size_limit_is_exact_and_split_independent() {
    let head = b"HTTP/1.1 200 OK\r\nServer: abcdefghij\r\nContent-Length: 0\r\n\r\n";
    let exact = Limits {
        max_head_bytes: head.len() as u32,
        ..Limits::DEFAULT
    };
    let short = Limits {
        max_head_bytes: head.len() as u32 - 1,
        ..Limits::DEFAULT
    };
    for i in 0..=head.len() {
        let (a, b) = head.split_at(i);
        let mut p = ResponseParser::with_limits(&[], exact);
        let mut ended = false;
        for piece in [a, b] {
            let mut rest = piece;
            while let Some(ev) = {
                let pr = p.handle_input(rest).unwrap();
                rest = &rest[pr.consumed..];
                pr.event
            } {
                ended |= matches!(ev, Event::End { .. });
            }
        }
        assert!(ended, "split at {i}");
        let mut p = ResponseParser::with_limits(&[], short);
        let r1 = p.handle_input(a);
        let r2 = r1.and_then(|_| p.handle_input(b));
        assert_eq!(r2.err(), Some(ResponseError::HeadTooLarge), "split at {i}");
    }
}

#[test]
fn default_head_limit_fits_a_4k_log_and_stops_a_huge_head() {
    let mut input = b"HTTP/1.1 200 OK\r\nServer: ".to_vec();
    input.extend(std::iter::repeat_n(b'a', 9000));
    input.extend_from_slice(b"\r\n\r\n");
    assert_eq!(err(&input), ResponseError::HeadTooLarge);
}

#[test]
fn header_count_limit() {
    let build = |n: usize| {
        let mut v = b"HTTP/1.1 200 OK\r\n".to_vec();
        for i in 0..n {
            v.extend_from_slice(format!("X-H{i}: v\r\n").as_bytes());
        }
        v.extend_from_slice(b"\r\n");
        v
    };
    let limits = Limits {
        max_headers: 3,
        ..Limits::DEFAULT
    };
    let mut p = ResponseParser::with_limits(&[], limits);
    assert!(p.handle_input(&build(3)).is_ok());
    let mut p = ResponseParser::with_limits(&[], limits);
    assert_eq!(
        p.handle_input(&build(4)).err(),
        Some(ResponseError::TooManyHeaders)
    );
    assert_eq!(err(&build(65)), ResponseError::TooManyHeaders);
}

#[test]
fn long_names_are_never_interesting() {
    let long = "x".repeat(MAX_NAME_LEN + 1);
    let fits = "y".repeat(MAX_NAME_LEN);
    let input = format!("HTTP/1.1 200 OK\r\n{long}: 1\r\n{fits}: 2\r\nContent-Length: 0\r\n\r\n");
    let t = parse_all(&[&long, &fits], input.as_bytes(), true);
    assert_eq!(t.headers, [(1, b"2".to_vec())]);
}

#[test]
fn names_whose_lengths_share_a_mask_bit_are_told_apart() {
    // Lengths 10, 42 and 74 share a bit of the length mask with `connection`; 32 and 64 share
    // one. Each name is reported only under its own index, and the framing name keeps its
    // meaning.
    let n32 = "a".repeat(32);
    let n64 = "b".repeat(64);
    let n42 = "c".repeat(42);
    let input = format!(
        "HTTP/1.1 200 OK\r\n{n64}: 64\r\n{n32}: 32\r\n{n42}: 42\r\n{}: 74\r\n\
         Connection: close\r\nContent-Length: 0\r\n\r\n",
        "d".repeat(74)
    );
    let t = parse_all(&[&n32, &n64, &n42], input.as_bytes(), true);
    assert_eq!(
        t.headers,
        [
            (1, b"64".to_vec()),
            (0, b"32".to_vec()),
            (2, b"42".to_vec())
        ]
    );
    assert_eq!(t.head.map(|h| h.reusable), Some(false));
}

/// The byte path's classification (every name compared) gives what the scan's (a length mask
/// first) gives, for names near the framing and interest names and names whose lengths share
/// a mask bit, in every case, against interest lists that hold such names, framing names,
/// duplicates and more than 256 names, in final and `1xx` heads.
#[test]
fn classify_unmasked_matches_classify() {
    let long: Vec<String> = (0..300).map(|i| format!("n{i}")).collect();
    let long: Vec<&str> = long.iter().map(String::as_str).collect();
    let shared = ["a".repeat(32), "b".repeat(64), "c".repeat(42)];
    let lists: [&[&str]; 6] = [
        &response_model::INTEREST,
        &crate::invoke::response::LambdaHeader::NAMES,
        &[&shared[0], &shared[1], &shared[2]],
        &["content-length", "x-a", "X-A", "connection"],
        &[],
        &long,
    ];
    let mut names: Vec<Vec<u8>> = Vec::new();
    for base in lists
        .iter()
        .flat_map(|l| l.iter().copied())
        .chain([
            "connection",
            "content-length",
            "transfer-encoding",
            "date",
            "",
            "x",
        ])
        .chain(["d".repeat(10).as_str(), &"e".repeat(74), &"f".repeat(33)])
    {
        let base = base.as_bytes();
        for variant in [
            base.to_vec(),
            base.to_ascii_uppercase(),
            base.get(..base.len().saturating_sub(1)).unwrap().to_vec(),
            [base, b"s"].concat(),
            [b"x", base].concat(),
        ] {
            if variant.len() <= MAX_NAME_LEN {
                names.push(variant);
            }
        }
    }
    for interest in lists {
        for status in [100, 199, 200, 404] {
            let mut p = ResponseParser::new(interest);
            p.head.status = status;
            for name in &names {
                assert_eq!(
                    p.classify_unmasked(name),
                    p.classify(name),
                    "{:?} in {interest:?}, status {status}",
                    String::from_utf8_lossy(name)
                );
            }
        }
    }
}

#[test]
fn framing_names_are_not_reported() {
    let t = parse_all(
        &["content-length"],
        b"HTTP/1.1 200 OK\r\nContent-Length: 0\r\n\r\n",
        true,
    );
    assert!(t.headers.is_empty());
}

// --- framing ----------------------------------------------------------------------------------

res!(
    content_length_body,
    b"HTTP/1.1 200 OK\r\nContent-Length: 5\r\n\r\nhello",
    ok | t | {
        assert_eq!(t.body, b"hello");
        assert_eq!(t.end, Some(true));
    }
);
res!(
    content_length_same_twice,
    b"HTTP/1.1 200 OK\r\nContent-Length: 2\r\nContent-Length: 2\r\n\r\nok",
    ok | t | {
        assert_eq!(t.body, b"ok");
    }
);
res!(
    content_length_list_same,
    b"HTTP/1.1 200 OK\r\nContent-Length: 2 , 2\r\n\r\nok",
    ok | t | {
        assert_eq!(t.body, b"ok");
    }
);
res!(
    content_length_trailing_ows,
    b"HTTP/1.1 200 OK\r\nContent-Length:  2 \t\r\n\r\nok",
    ok | t | {
        assert_eq!(t.body, b"ok");
    }
);
res!(
    content_length_leading_zeros,
    b"HTTP/1.1 200 OK\r\nContent-Length: 002\r\n\r\nok",
    ok | t | {
        assert_eq!(t.body, b"ok");
    }
);
res!(content_length_conflict, b"HTTP/1.1 200 OK\r\nContent-Length: 2\r\nContent-Length: 3\r\n\r\nok", err ResponseError::ConflictingContentLength);
res!(content_length_list_conflict, b"HTTP/1.1 200 OK\r\nContent-Length: 2, 3\r\n\r\nok", err ResponseError::ConflictingContentLength);
res!(content_length_empty, b"HTTP/1.1 200 OK\r\nContent-Length: \r\n\r\n", err ResponseError::InvalidContentLength);
res!(content_length_empty_element, b"HTTP/1.1 200 OK\r\nContent-Length: 2,\r\n\r\n", err ResponseError::InvalidContentLength);
res!(content_length_negative, b"HTTP/1.1 200 OK\r\nContent-Length: -1\r\n\r\n", err ResponseError::InvalidContentLength);
res!(content_length_hex, b"HTTP/1.1 200 OK\r\nContent-Length: 0x10\r\n\r\n", err ResponseError::InvalidContentLength);
res!(content_length_space_inside, b"HTTP/1.1 200 OK\r\nContent-Length: 1 2\r\n\r\n", err ResponseError::InvalidContentLength);
res!(content_length_overflow, b"HTTP/1.1 200 OK\r\nContent-Length: 18446744073709551616\r\n\r\n", err ResponseError::InvalidContentLength);
res!(content_length_max, b"HTTP/1.1 200 OK\r\nContent-Length: 18446744073709551615\r\n\r\n", err ResponseError::IncompleteBody { received: 0, expected: Some(u64::MAX) });
// Found by fuzzing: the bad digit comes first, whatever the split.
res!(content_length_bad_byte_before_ctl, b"HTTP/1.1 200 OK\r\nContent-Length: 1\xff\x00\r\n\r\n", err ResponseError::InvalidContentLength);
res!(content_length_with_chunked, b"HTTP/1.1 200 OK\r\nContent-Length: 2\r\nTransfer-Encoding: chunked\r\n\r\n", err ResponseError::ContentLengthWithTransferEncoding);
res!(chunked_with_content_length, b"HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked\r\nContent-Length: 2\r\n\r\n", err ResponseError::ContentLengthWithTransferEncoding);
res!(te_gzip, b"HTTP/1.1 200 OK\r\nTransfer-Encoding: gzip\r\n\r\n", err ResponseError::UnsupportedTransferCoding);
res!(te_gzip_chunked, b"HTTP/1.1 200 OK\r\nTransfer-Encoding: gzip, chunked\r\n\r\n", err ResponseError::UnsupportedTransferCoding);
res!(te_chunked_twice, b"HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked, chunked\r\n\r\n", err ResponseError::UnsupportedTransferCoding);
res!(te_chunked_two_lines, b"HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked\r\nTransfer-Encoding: chunked\r\n\r\n", err ResponseError::UnsupportedTransferCoding);
res!(te_chunked_not_last, b"HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked, gzip\r\n\r\n", err ResponseError::UnsupportedTransferCoding);
res!(te_empty, b"HTTP/1.1 200 OK\r\nTransfer-Encoding: \r\n\r\n", err ResponseError::UnsupportedTransferCoding);
res!(
    te_chunked_case_and_empty_elements,
    b"HTTP/1.1 200 OK\r\nTransfer-Encoding: , CHUNKED ,\r\n\r\n0\r\n\r\n",
    ok | t | {
        assert_eq!(t.head.unwrap().framing, BodyFraming::Chunked);
    }
);
res!(
    no_body_204_ignores_length,
    b"HTTP/1.1 204 No Content\r\nContent-Length: 5\r\n\r\n",
    ok | t | {
        assert_eq!(t.head.unwrap().framing, BodyFraming::Empty);
        assert_eq!(t.consumed, 46);
    }
);
res!(
    no_body_304,
    b"HTTP/1.1 304 Not Modified\r\n\r\n",
    ok | t | {
        assert_eq!(t.head.unwrap().framing, BodyFraming::Empty);
        assert_eq!(t.end, Some(true));
    }
);
res!(
    until_close,
    b"HTTP/1.1 200 OK\r\n\r\nall of this",
    ok | t | {
        let h = t.head.unwrap();
        assert_eq!((h.framing, h.reusable), (BodyFraming::UntilClose, false));
        assert_eq!(t.body, b"all of this");
        assert_eq!(t.end, Some(false));
    }
);
res!(
    until_close_empty,
    b"HTTP/1.1 500 Oops\r\n\r\n",
    ok | t | {
        assert_eq!(t.body, b"");
        assert_eq!(t.end, Some(false));
    }
);

#[test]
fn framing_kinds() {
    assert_eq!(
        framing(b"HTTP/1.1 200 OK\r\nContent-Length: 0\r\n\r\n"),
        BodyFraming::ContentLength(0)
    );
    assert_eq!(
        framing(b"HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked\r\n\r\n0\r\n\r\n"),
        BodyFraming::Chunked
    );
    assert_eq!(framing(b"HTTP/1.1 200 OK\r\n\r\n"), BodyFraming::UntilClose);
    assert_eq!(framing(b"HTTP/1.1 204 OK\r\n\r\n"), BodyFraming::Empty);
}

// --- chunked ----------------------------------------------------------------------------------

const CHUNKED: &[u8] = b"HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked\r\n\r\n";

fn chunked(body: &[u8]) -> Transcript {
    let mut v = CHUNKED.to_vec();
    v.extend_from_slice(body);
    parse(&v)
}

#[test]
fn chunked_cases() {
    let ok_cases: &[(&[u8], &[u8])] = &[
        (b"5\r\nhello\r\n0\r\n\r\n", b"hello"),
        (b"5\r\nhello\r\n6\r\n world\r\n0\r\n\r\n", b"hello world"),
        (b"A\r\n0123456789\r\n0\r\n\r\n", b"0123456789"),
        (b"a\r\n0123456789\r\n000\r\n\r\n", b"0123456789"),
        (b"0005\r\nhello\r\n0\r\n\r\n", b"hello"),
        (b"5;ext=1;q=\"x y\"\r\nhello\r\n0;last\r\n\r\n", b"hello"),
        (b"5 ;ext\r\nhello\r\n0\r\n\r\n", b"hello"),
        (
            b"5\r\nhello\r\n0\r\nX-Trailer: 1\r\nOther: two\r\n\r\n",
            b"hello",
        ),
        (b"5\r\nhello\r\n0\r\nX-Trailer: 1\n\n", b"hello"),
        (b"0\r\n\r\n", b""),
    ];
    for (body, want) in ok_cases {
        let t = chunked(body);
        assert_eq!(t.error, None, "{}", String::from_utf8_lossy(body));
        assert_eq!(t.body, *want);
        assert_eq!(t.end, Some(true));
        assert_eq!(t.consumed, CHUNKED.len() + body.len());
    }
    let err_cases: &[(&[u8], ResponseError)] = &[
        (b"\r\n", ResponseError::InvalidChunkSize),
        (b"g\r\n", ResponseError::InvalidChunkSize),
        (b"5\nhello\r\n0\r\n\r\n", ResponseError::InvalidChunkSize),
        (b"5\rhello", ResponseError::InvalidChunkSize),
        (b"-5\r\n", ResponseError::InvalidChunkSize),
        (b"5\r\nhelloX\r\n", ResponseError::InvalidChunkTerminator),
        (
            b"5\r\nhello\n0\r\n\r\n",
            ResponseError::InvalidChunkTerminator,
        ),
        (
            b"5\r\nhello\r\n0\r\n X: 1\r\n\r\n",
            ResponseError::InvalidTrailer,
        ),
        (
            b"5\r\nhello\r\n0\r\nX: \x01\r\n\r\n",
            ResponseError::InvalidTrailer,
        ),
        (b"5\r\nhello\r\n0\r\n\rX", ResponseError::InvalidLineEnding),
        (b"10000000000000000\r\n", ResponseError::ChunkSizeOverflow),
        (b"5;a\x00\r\n", ResponseError::InvalidChunkSize),
        (
            b"5\r\nhel",
            ResponseError::IncompleteBody {
                received: 3,
                expected: None,
            },
        ),
        (
            b"5\r\nhello\r\n",
            ResponseError::IncompleteBody {
                received: 5,
                expected: None,
            },
        ),
        (
            b"5\r\nhello\r\n0\r\n",
            ResponseError::IncompleteBody {
                received: 5,
                expected: None,
            },
        ),
    ];
    for (body, want) in err_cases {
        assert_eq!(
            chunked(body).error,
            Some(*want),
            "{}",
            String::from_utf8_lossy(body)
        );
    }
    // The largest size that fits is accepted (and then cut short).
    assert_eq!(
        chunked(b"ffffffffffffffff\r\nab").error,
        Some(ResponseError::IncompleteBody {
            received: 2,
            expected: None
        })
    );
}

#[test]
fn chunked_trailer_limit() {
    let mut body = b"0\r\nX: ".to_vec();
    body.extend(std::iter::repeat_n(
        b'a',
        DEFAULT_MAX_TRAILER_BYTES as usize,
    ));
    body.extend_from_slice(b"\r\n\r\n");
    assert_eq!(chunked(&body).error, Some(ResponseError::TrailersTooLarge));
}

#[test]
fn chunked_decoder_alone() {
    let body = b"3\r\nabc\r\n0\r\n\r\nNEXT";
    let mut d = ChunkedDecoder::default();
    let p = d.handle_input(body).unwrap();
    assert_eq!(
        p,
        ChunkedProgress {
            consumed: 6,
            event: Some(ChunkedEvent::Data(b"abc"))
        }
    );
    let p = d.handle_input(&body[6..]).unwrap();
    assert_eq!(
        p,
        ChunkedProgress {
            consumed: 7,
            event: Some(ChunkedEvent::End)
        }
    );
    assert!(d.is_done());
    assert_eq!(d.received(), 3);
    assert_eq!(d.handle_eof(), Ok(()));
    assert_eq!(
        ChunkedDecoder::default().handle_eof(),
        Err(ResponseError::IncompleteBody {
            received: 0,
            expected: None
        })
    );
}

// --- connection reuse -------------------------------------------------------------------------

#[test]
fn reuse() {
    let cases: &[(&[u8], bool)] = &[
        (b"HTTP/1.1 200 OK\r\nContent-Length: 0\r\n\r\n", true),
        (
            b"HTTP/1.1 200 OK\r\nConnection: close\r\nContent-Length: 0\r\n\r\n",
            false,
        ),
        (
            b"HTTP/1.1 200 OK\r\nConnection: Keep-Alive, CLOSE\r\nContent-Length: 0\r\n\r\n",
            false,
        ),
        (
            b"HTTP/1.1 200 OK\r\nConnection: upgrade\r\nContent-Length: 0\r\n\r\n",
            true,
        ),
        (
            b"HTTP/1.1 200 OK\r\nConnection: closed\r\nContent-Length: 0\r\n\r\n",
            true,
        ),
        (b"HTTP/1.0 200 OK\r\nContent-Length: 0\r\n\r\n", false),
        (
            b"HTTP/1.0 200 OK\r\nConnection: keep-alive\r\nContent-Length: 0\r\n\r\n",
            true,
        ),
        (b"HTTP/1.0 200 OK\r\nConnection: keep-alive\r\n\r\n", false),
        (
            b"HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked\r\n\r\n0\r\n\r\n",
            true,
        ),
        (b"HTTP/1.1 200 OK\r\n\r\n", false),
    ];
    for (input, reusable) in cases {
        let t = ok(input);
        assert_eq!(
            t.head.unwrap().reusable,
            *reusable,
            "{}",
            String::from_utf8_lossy(input)
        );
        assert_eq!(t.end, Some(*reusable));
    }
}

// --- end of input ------------------------------------------------------------------------------

#[test]
fn eof_cases() {
    assert_eq!(err(b""), ResponseError::ClosedBeforeResponse);
    assert_eq!(err(b"HTTP/1.1 200"), ResponseError::ClosedInHead);
    assert_eq!(
        err(b"HTTP/1.1 100 Continue\r\n\r\n"),
        ResponseError::ClosedInHead
    );
    assert_eq!(
        err(b"HTTP/1.1 200 OK\r\nContent-Length: 10\r\n\r\nabc"),
        ResponseError::IncompleteBody {
            received: 3,
            expected: Some(10)
        }
    );
    let mut p = ResponseParser::new(&[]);
    assert_eq!(p.handle_eof(), Err(ResponseError::ClosedBeforeResponse));
    assert_eq!(
        p.handle_eof(),
        Err(ResponseError::ClosedBeforeResponse),
        "sticky"
    );
}

/// What a close in the body of the final response gave before one error was built for both
/// framings: the rule it was, one arm per framing.
fn former_eof_in_body(body: &BodyState, received: u64) -> Result<bool, ResponseError> {
    match *body {
        BodyState::Length { remaining, total } if remaining > 0 => {
            Err(ResponseError::IncompleteBody {
                received,
                expected: Some(total),
            })
        }
        BodyState::Chunked(ref d) if !d.is_done() => Err(ResponseError::IncompleteBody {
            received,
            expected: None,
        }),
        _ => Ok(true),
    }
}

/// A close in the body gives what the former rule gives, in every framing, with bytes left or
/// none, and in every position of a chunked body.
#[test]
fn eof_in_body_matches_the_former_rule() {
    let mut bodies = std::vec![BodyState::UntilClose];
    for (remaining, total) in [(0, 0), (0, 7), (1, 7), (7, 7), (u64::MAX, u64::MAX)] {
        bodies.push(BodyState::Length { remaining, total });
    }
    for pos in [
        ChunkPos::SizeStart,
        ChunkPos::Size,
        ChunkPos::Ext,
        ChunkPos::SizeLf,
        ChunkPos::Data,
        ChunkPos::DataCr,
        ChunkPos::DataLf,
        ChunkPos::TrailerStart,
        ChunkPos::TrailerLine,
        ChunkPos::TrailerLf,
        ChunkPos::EndLf,
        ChunkPos::Done,
    ] {
        let mut d = ChunkedDecoder::new(DEFAULT_MAX_TRAILER_BYTES);
        d.pos = pos;
        bodies.push(BodyState::Chunked(d));
    }
    for body in bodies {
        for received in [0, 3, u64::MAX] {
            let mut p = ResponseParser::new(&[]);
            p.state = State::ReadingBody(body);
            p.body_received = received;
            let want = former_eof_in_body(&body, received);
            assert_eq!(p.eof_ends(), want, "{body:?}");
            let done = if want.is_ok() { "Done" } else { "Failed" };
            assert!(format!("{:?}", p.state).starts_with(done), "{body:?}");
        }
    }
}

#[test]
fn trailing_bytes_untouched_and_misuse() {
    let next = b"HTTP/1.1 204 No Content\r\n\r\n";
    let mut input = b"HTTP/1.1 200 OK\r\nContent-Length: 2\r\n\r\nok".to_vec();
    let len = input.len();
    input.extend_from_slice(next);
    let t = parse_all(&[], &input, false);
    assert_eq!(t.consumed, len);
    let mut p = ResponseParser::new(&[]);
    let mut rest: &[u8] = &input;
    loop {
        let pr = p.handle_input(rest).unwrap();
        rest = &rest[pr.consumed..];
        if let Some(Event::End { .. }) = pr.event {
            break;
        }
    }
    assert_eq!(rest, next);
    assert!(p.is_done());
    assert_eq!(
        p.handle_input(&[]),
        Ok(Progress {
            consumed: 0,
            event: None
        })
    );
    let misuse = p.handle_input(rest).unwrap_err();
    assert_eq!(misuse, ResponseError::Misuse(ApiMisuse::AfterEnd));
    assert!(!misuse.is_peer_error());
    assert_eq!(p.handle_eof(), Ok(None));
    // The next response on the same connection, from exactly the state of a new parser (with a
    // name split across inputs before, so that the name buffer was used).
    let mut used = ResponseParser::with_limits(&["x-a"], Limits::DEFAULT);
    for piece in [
        &b"HTTP/1.1 200 OK\r\nX-"[..],
        b"A: 1\r\nContent-Length: 1\r\n\r\nb",
    ] {
        let mut piece = piece;
        while !piece.is_empty() {
            piece = &piece[used.handle_input(piece).unwrap().consumed..];
        }
    }
    used.reset();
    assert_eq!(
        format!("{used:?}"),
        format!(
            "{:?}",
            ResponseParser::with_limits(&["x-a"], Limits::DEFAULT)
        )
    );
    p.reset();
    let pr = p.handle_input(rest).unwrap();
    assert_eq!(pr.consumed, next.len());
    assert!(matches!(pr.event, Some(Event::Head(h)) if h.status == 204));
}

// --- body buffer --------------------------------------------------------------------------------

#[test]
fn body_buffer() {
    let mut storage = [0u8; 4];
    let mut b = BodyBuffer::new(&mut storage);
    assert_eq!(
        b.begin(BodyFraming::ContentLength(5)),
        Err(BufferTooSmall {
            required: 5,
            exact: true
        })
    );
    assert!(b.is_empty());
    assert_eq!(b.begin(BodyFraming::Chunked), Ok(()));
    assert_eq!(b.push(b"abc"), Ok(()));
    assert_eq!(
        b.push(b"de"),
        Err(BufferTooSmall {
            required: 5,
            exact: false
        })
    );
    assert_eq!(b.filled(), b"abc");
    assert_eq!(b.push(b"d"), Ok(()));
    assert_eq!(b.len(), 4);
}

#[test]
fn errors_display_static_text() {
    use std::string::ToString;
    assert_eq!(
        ResponseError::HeadTooLarge.to_string(),
        "response head too large"
    );
    assert_eq!(
        ResponseError::IncompleteBody {
            received: 1,
            expected: None
        }
        .to_string(),
        "connection closed before the end of the body"
    );
    assert!(ResponseError::HeadTooLarge.is_peer_error());
    assert_eq!(
        BufferTooSmall {
            required: 1,
            exact: true
        }
        .to_string(),
        "body does not fit in the buffer"
    );
}

// --- word-at-a-time helpers against their byte-at-a-time definitions ----------------------------

#[test]
fn find_special_matches_the_naive_scan() {
    let naive = |s: &[u8], limit: u8| {
        s.iter()
            .position(|&b| b < limit || b == 0x7f)
            .unwrap_or(s.len())
    };
    for len in 0..50 {
        for at in 0..=len {
            for stop in 0..=255u8 {
                let mut v = std::vec![b'a'; len];
                if let Some(slot) = v.get_mut(at) {
                    *slot = stop;
                }
                // Bytes above 0x80 next to the stop must not hide it (borrow propagation).
                if at + 1 < len {
                    v[at + 1] = 0xff;
                }
                for limit in [0x20, 0x21] {
                    assert_eq!(find_special(&v, limit), naive(&v, limit), "{v:?} {limit}");
                    // The fast path's check (blocks, an overlapping last block, or bytes).
                    let clean = naive(&v, limit) == len;
                    assert_eq!(all_value_bytes(&v, limit), clean, "{v:?} {limit}");
                }
            }
        }
    }
}

#[test]
fn same_name_is_eq_ignore_ascii_case() {
    // Every length up to past two words, differing at each position (words overlap at the end).
    for len in 0..=24 {
        let x: Vec<u8> = (0..len).map(|i| b'a' + i as u8).collect();
        for at in 0..len {
            let mut y = x.to_ascii_uppercase();
            assert!(same_name(&x, &y));
            y[at] = b'-';
            assert!(!same_name(&x, &y), "{len} {at}");
        }
    }
    for a in 0..=255u8 {
        for b in 0..=255u8 {
            let x = [b'x', a, b'-', b'y', b'z', b'0', b'1', b'2', b'3', a];
            let y = [b'X', b, b'-', b'Y', b'z', b'0', b'1', b'2', b'3', b];
            assert_eq!(same_name(&x, &y), x.eq_ignore_ascii_case(&y), "{a} {b}");
            assert_eq!(same_name(&[a], &[b]), a.eq_ignore_ascii_case(&b), "{a} {b}");
        }
    }
}

#[test]
fn tchar_run_matches_the_naive_scan() {
    for len in 0..24 {
        for at in 0..=len {
            for stop in 0..=255u8 {
                let mut v = std::vec![b'k'; len];
                if let Some(slot) = v.get_mut(at) {
                    *slot = stop;
                }
                let naive = v.iter().position(|&b| !is_tchar(b)).unwrap_or(v.len());
                assert_eq!(tchar_run(&v), naive, "{v:?}");
            }
        }
    }
}

/// Inputs for comparing the host and bare-metal scanning primitives: every single byte, runs of
/// name and value bytes with one stop at every position, and pseudo-random bytes at every length
/// up to 40 (a fixed generator, so a failure repeats).
fn scanner_inputs() -> Vec<Vec<u8>> {
    let mut inputs: Vec<Vec<u8>> = (0..=255u8).map(|b| std::vec![b]).collect();
    for len in 0..=40usize {
        for stop in [b':', b' ', b'\t', b'\r', b'\n', 0x7f, 0x80, 0xff, 0] {
            for at in 0..=len {
                let mut v: Vec<u8> = (0..len).map(|i| b"aZ9-x_!~"[i % 8]).collect();
                if at < len {
                    v[at] = stop;
                }
                inputs.push(v);
            }
        }
    }
    let mut state = 0x2545_f491_4f6c_dd1du64;
    for len in 0..=40usize {
        for _ in 0..20 {
            let v = (0..len)
                .map(|_| {
                    state ^= state << 13;
                    state ^= state >> 7;
                    state ^= state << 17;
                    state as u8
                })
                .collect();
            inputs.push(v);
        }
    }
    inputs
}

#[test]
fn bare_metal_scanners_match_the_host_ones() {
    for b in 0..=255u8 {
        assert_eq!(small::is_tchar(b), is_tchar(b), "{b}");
    }
    for input in scanner_inputs() {
        assert_eq!(small::tchar_run(&input), tchar_run(&input), "{input:?}");
        for limit in [0x20, 0x21] {
            assert_eq!(
                small::find_special(&input, limit),
                find_special(&input, limit),
                "{input:?} {limit}"
            );
        }
    }
}

#[test]
fn bare_metal_name_comparison_matches_the_host_one() {
    let names = [
        "connection",
        "content-length",
        "transfer-encoding",
        "x-amz-log-result",
        "x-amzn-requestid",
        "a",
        "ab",
        "abcd",
        "abcdefg",
        "abcdefgh",
        "abcdefghi",
        "",
    ];
    for a in names {
        let variants = [
            String::from(a),
            a.to_ascii_uppercase(),
            format!("{a}x"),
            a.chars().rev().collect(),
            a.replace('-', "_"),
            a.replace('a', "\u{c1}"),
        ];
        for b in names.iter().map(|&n| String::from(n)).chain(variants) {
            assert_eq!(
                small::same_name(a.as_bytes(), b.as_bytes()),
                same_name(a.as_bytes(), b.as_bytes()),
                "{a} {b}"
            );
        }
    }
    for input in scanner_inputs() {
        let mut flipped = input.clone();
        flipped.iter_mut().for_each(|b| *b ^= 0x20);
        for other in [&input, &flipped] {
            assert_eq!(
                small::same_name(&input, other),
                same_name(&input, other),
                "{input:?}"
            );
        }
    }
}

#[test]
fn token_lexer_matches_known_tokens_only_whole() {
    let cases: &[(&[u8], &[Token])] = &[
        (b"chunked", &[Token::Chunked]),
        (b"ChUnKeD", &[Token::Chunked]),
        (b" , close ,keep-alive", &[Token::Close, Token::KeepAlive]),
        (b"KEEP-ALIVE\tgzip", &[Token::KeepAlive, Token::Other]),
        (b"chunk, chunkedx, clos, closed", &[Token::Other; 4]),
        (b"keep-alive-and-then-some-more", &[Token::Other]),
        (b"keep-alive-keep-alive-keep-alive", &[Token::Other]),
        (b",,", &[]),
        (b"", &[]),
    ];
    for &(list, want) in cases {
        // Whole, and split at every offset; the host's lexer and the firmware's matcher alike.
        for split in 0..=list.len() {
            let (a, b) = list.split_at(split);
            let mut lexer = TokenLexer::EMPTY;
            let mut got = Vec::new();
            lexer.feed(a, |t| got.push(t));
            lexer.feed(b, |t| got.push(t));
            got.extend(lexer.take());
            let mut matcher = TokenMatcher::EMPTY;
            let mut matched = Vec::new();
            matcher.feed(a, |t| matched.push(t));
            matcher.feed(b, |t| matched.push(t));
            matched.extend(matcher.take());
            let text = String::from_utf8_lossy(list);
            assert_eq!(got, want, "lexer: {text:?} split at {split}");
            assert_eq!(matched, want, "matcher: {text:?} split at {split}");
        }
    }
}

/// The parser's code as it was before the size work on it, as references for the forms in use.
mod reference {
    use super::super::{is_ws, ResponseError, Token};

    /// [`super::TokenMatcher`] with its known tokens as a list of slices, each compared with
    /// `get(at)`, and the match found among them by length.
    #[derive(Clone, Copy, Debug, Default)]
    pub(super) struct TokenMatcher {
        pub(super) len: u8,
        pub(super) dead: u8,
    }

    const KNOWN_TOKENS: [(&[u8], Token); 3] = [
        (b"chunked", Token::Chunked),
        (b"close", Token::Close),
        (b"keep-alive", Token::KeepAlive),
    ];

    impl TokenMatcher {
        pub(super) fn feed(&mut self, bytes: &[u8], mut on_token: impl FnMut(Token)) {
            for &b in bytes {
                if b == b',' || is_ws(b) {
                    if let Some(t) = self.take() {
                        on_token(t);
                    }
                    continue;
                }
                let at = usize::from(self.len);
                for (i, (word, _)) in KNOWN_TOKENS.iter().enumerate() {
                    if word.get(at) != Some(&b.to_ascii_lowercase()) {
                        self.dead |= 1 << i;
                    }
                }
                self.len = self.len.saturating_add(1);
            }
        }

        pub(super) fn take(&mut self) -> Option<Token> {
            let (len, dead) = (usize::from(self.len), self.dead);
            *self = Self::default();
            if len == 0 {
                return None;
            }
            let known = KNOWN_TOKENS
                .iter()
                .enumerate()
                .find(|(i, (word, _))| dead & (1 << i) == 0 && word.len() == len);
            Some(known.map_or(Token::Other, |(_, (_, token))| *token))
        }
    }

    /// [`super::LengthLexer`] with two flags (digits seen, whitespace after them) rather than
    /// one phase.
    #[derive(Clone, Copy, Debug, Default)]
    pub(super) struct LengthLexer {
        pub(super) value: u64,
        digits: bool,
        after: bool,
    }

    impl LengthLexer {
        pub(super) fn feed(
            &mut self,
            bytes: &[u8],
            seen: &mut Option<u64>,
        ) -> Result<(), ResponseError> {
            for &b in bytes {
                match b {
                    b'0'..=b'9' if !self.after => {
                        self.value = self
                            .value
                            .checked_mul(10)
                            .and_then(|v| v.checked_add(u64::from(b - b'0')))
                            .ok_or(ResponseError::InvalidContentLength)?;
                        self.digits = true;
                    }
                    b' ' | b'\t' => self.after = self.digits,
                    b',' => self.finish(seen)?,
                    _ => return Err(ResponseError::InvalidContentLength),
                }
            }
            Ok(())
        }

        pub(super) fn finish(&mut self, seen: &mut Option<u64>) -> Result<(), ResponseError> {
            if !self.digits {
                return Err(ResponseError::InvalidContentLength);
            }
            match *seen {
                Some(v) if v != self.value => return Err(ResponseError::ConflictingContentLength),
                _ => *seen = Some(self.value),
            }
            *self = Self::default();
            Ok(())
        }
    }

    /// Held-back whitespace as [`super::LineAcc`] kept it, with a mask of the bits in use
    /// beside the tabs (its next bit `pending + 1`), shifted along with them.
    #[derive(Clone, Copy, Debug, Default)]
    pub(super) struct Held {
        pub(super) len: u8,
        pending: u64,
        pub(super) tabs: u64,
    }

    impl Held {
        pub(super) fn hold(&mut self, c: u8) {
            if c == super::HTAB {
                self.tabs |= self.pending.wrapping_add(1);
            }
            self.pending = (self.pending << 1) | 1;
            self.len = self.len.saturating_add(1);
        }

        pub(super) fn take(&mut self) -> bool {
            self.len = self.len.saturating_sub(1);
            let tab = self.tabs & 1 != 0;
            self.tabs >>= 1;
            self.pending >>= 1;
            tab
        }
    }

    /// The byte path in the value of an interesting field as it was before `head_byte`
    /// recorded the whitespace of a value as it went: whitespace was recorded only once held
    /// back, and the run an input ended in was held back by a loop over it at the end. One
    /// call of the byte path (from the `OWS` before the value up to the CR ending it): bytes
    /// used and the fragment found (fragment, first, last), none when all of `input` was used.
    #[derive(Clone, Debug, Default)]
    pub(super) struct FormerValue {
        begun: bool,
        ws_run: u8,
        held: Held,
        started: bool,
    }

    /// A fragment of the value: its bytes, whether it is the first and whether the last.
    pub(super) type Fragment = (std::vec::Vec<u8>, bool, bool);

    impl FormerValue {
        pub(super) fn input(
            &mut self,
            input: &[u8],
        ) -> Result<(usize, Option<Fragment>), ResponseError> {
            use super::{is_special, HTAB, MAX_VALUE_WHITESPACE_RUN};
            let mut from = 0;
            let mut pos = 0;
            let (to, last) = loop {
                let Some(&b) = input.get(pos) else {
                    if !self.begun {
                        return Ok((pos, None));
                    }
                    break (pos, false);
                };
                if !self.begun {
                    if is_ws(b) {
                        pos += 1;
                        continue;
                    }
                    self.begun = true;
                    from = pos;
                }
                if b == b'\r' || b == b'\n' {
                    self.held = Held::default();
                    pos += 1;
                    break (pos - 1, true);
                } else if !is_special(b, 0x21) {
                    if self.held.len > 0 {
                        let tab = self.held.take();
                        let ws = if tab { HTAB } else { b' ' };
                        return Ok((pos, Some((std::vec![ws], false, false))));
                    }
                    self.ws_run = 0;
                } else if is_ws(b) {
                    self.ws_run += 1;
                    if usize::from(self.ws_run) > MAX_VALUE_WHITESPACE_RUN {
                        return Err(ResponseError::WhitespaceRunTooLong);
                    }
                    if self.held.len > 0 {
                        self.held.hold(b);
                        from = pos + 1;
                    }
                } else {
                    return Err(ResponseError::InvalidHeaderValue);
                }
                pos += 1;
            };
            let rest = input.get(from..to).unwrap_or_default();
            let keep = rest.len() - usize::from(self.ws_run).min(rest.len());
            let (value, trailing) = rest.split_at(keep);
            if !last {
                for &w in trailing {
                    self.held.hold(w);
                }
                if value.is_empty() {
                    return Ok((pos, None));
                }
            }
            let first = !self.started;
            self.started = true;
            Ok((pos, Some((value.to_vec(), first, last))))
        }
    }
}

/// `end_head`'s framing as it was decided before the transfer codings became one state: a
/// count of `chunked` codings, whether the last was `chunked` and whether any other came, for
/// a head with `Transfer-Encoding` lines listing `codings` (none: no such line).
fn reference_framing(
    status: u16,
    codings: &[&[&str]],
    content_length: Option<u64>,
) -> Result<BodyFraming, ResponseError> {
    let transfer_encoding = !codings.is_empty();
    let all: Vec<&str> = codings
        .iter()
        .flat_map(|line| line.iter().copied())
        .collect();
    let chunked_count = all.iter().filter(|c| **c == "chunked").count();
    let last_chunked = all.last() == Some(&"chunked");
    let other_coding = all.iter().any(|c| *c != "chunked");
    if transfer_encoding && content_length.is_some() {
        return Err(ResponseError::ContentLengthWithTransferEncoding);
    }
    Ok(if matches!(status, 204 | 304) {
        BodyFraming::Empty
    } else if transfer_encoding {
        if chunked_count != 1 || !last_chunked || other_coding {
            return Err(ResponseError::UnsupportedTransferCoding);
        }
        BodyFraming::Chunked
    } else if let Some(n) = content_length {
        BodyFraming::ContentLength(n)
    } else {
        BodyFraming::UntilClose
    })
}

/// The framing of every head with up to three `Transfer-Encoding` lines of up to two codings
/// (or none), with and without `Content-Length`, is what the former rule gives, through the
/// scan and the byte path.
#[test]
fn transfer_codings_match_the_reference() {
    let line_codings: [&[&str]; 7] = [
        &[],
        &["chunked"],
        &["gzip"],
        &["chunked", "chunked"],
        &["chunked", "gzip"],
        &["gzip", "chunked"],
        &["gzip", "gzip"],
    ];
    let mut heads: Vec<Vec<&[&str]>> = std::vec![Vec::new()];
    for _ in 0..3 {
        let longer: Vec<Vec<&[&str]>> = heads
            .iter()
            .filter(|h| h.len() == heads.last().map_or(0, Vec::len))
            .flat_map(|h| {
                line_codings.iter().map(move |c| {
                    let mut h = h.clone();
                    h.push(c);
                    h
                })
            })
            .collect();
        heads.extend(longer);
    }
    assert_eq!(heads.len(), 1 + 7 + 49 + 343);
    for codings in &heads {
        for status in [200, 204] {
            for content_length in [None, Some(0)] {
                let mut input = format!("HTTP/1.1 {status} X\r\n");
                for line in codings {
                    input += &format!("Transfer-Encoding: {}\r\n", line.join(", "));
                }
                if let Some(n) = content_length {
                    input += &format!("Content-Length: {n}\r\n");
                }
                input += "\r\n0\r\n\r\n";
                let want = reference_framing(status, codings, content_length);
                for (name, feed) in &FEEDS[1..] {
                    let t = run_with(&[], &[input.as_bytes()], true, *feed);
                    let got = match t.error {
                        Some(e) => Err(e),
                        None => Ok(t.head.unwrap().framing),
                    };
                    assert_eq!(got, want, "{name}: {input:?}");
                }
            }
        }
    }
}

proptest::proptest! {
    /// Held-back whitespace gives back what its former form gave back, under any run of holds
    /// (spaces and tabs, past the 64 the callers allow, up to the 127 a count can say), takes
    /// while something is held, and drops; whether recorded first and then held back at the
    /// end of an input, or recorded while whitespace is held back already.
    #[test]
    fn held_whitespace_matches_the_reference(
        ops in proptest::collection::vec(0u8..9, 0..300),
    ) {
        let mut line = LineAcc::empty();
        let mut former = reference::Held::default();
        // Recorded in this input, not yet held back (in `former` already).
        let mut recorded = 0;
        for op in ops {
            match op {
                0..=5 if former.len < 127 => {
                    let c = if op < 3 { SP } else { HTAB };
                    hold_ws(&mut line, c);
                    former.hold(c);
                    if !line.holds() {
                        recorded += 1;
                    }
                }
                6 if former.len > 0 && recorded == 0 => {
                    proptest::prop_assert_eq!(line.take_held(), former.take());
                }
                7 => {
                    line.hold_back();
                    recorded = 0;
                }
                _ => {
                    line.drop_held();
                    former = reference::Held::default();
                    recorded = 0;
                }
            }
            proptest::prop_assert_eq!(line.holds(), former.len > recorded);
            // (The tabs past the count are left over: not compared.)
            let n = line.held.unsigned_abs();
            let tabs = u128::from(line.tabs) & ((1u128 << n) - 1);
            proptest::prop_assert_eq!((n, tabs), (former.len, u128::from(former.tabs)));
        }
    }
}

/// The value of an interesting field: runs of bytes, each `(kind, length)`: mostly visible
/// bytes and runs of spaces and tabs (some past the limit), now and then a control byte.
fn value_runs() -> impl proptest::strategy::Strategy<Value = Vec<u8>> {
    use proptest::prelude::*;
    let run = prop_oneof![
        6 => (1usize..4).prop_map(|n| b"v".repeat(n)),
        6 => proptest::collection::vec(proptest::sample::select(std::vec![SP, HTAB]), 1..6),
        1 => proptest::collection::vec(proptest::sample::select(std::vec![SP, HTAB]), 60..70),
        1 => Just(std::vec![0x01]),
    ];
    proptest::collection::vec(run, 0..12).prop_map(|runs| runs.concat())
}

proptest::proptest! {
    /// Whitespace in the value of an interesting field, recorded by `head_byte` as it goes and
    /// held back without a loop at the end of an input, is reported as the former byte path
    /// ([`reference::FormerValue`]) reported it: the same fragments (replayed whitespace
    /// included) and errors, the value cut anywhere, through the pull and the push paths.
    #[test]
    fn value_whitespace_matches_the_reference(
        value in value_runs(),
        offsets in proptest::collection::vec(0usize..200, 0..8),
    ) {
        const PREFIX: &[u8] = b"HTTP/1.1 200 OK\r\nx-v:";
        let tail: Vec<u8> = [&value[..], b"\r\n\r\n"].concat();
        let offsets: Vec<usize> = offsets.iter().map(|o| o % (tail.len() + 1)).collect();
        let cut = response_model::cut(&tail, &offsets);
        for value_pieces in [std::vec![&tail[..]], cut, tail.chunks(1).collect()] {
            let mut former = reference::FormerValue::default();
            let mut want = Vec::new();
            'pieces: for piece in &value_pieces {
                let mut rest: &[u8] = piece;
                loop {
                    match former.input(rest) {
                        Err(e) => {
                            want.push(Rec::Error(e));
                            break 'pieces;
                        }
                        Ok((used, fragment)) => {
                            rest = &rest[used..];
                            let Some((fragment, first, last)) = fragment else { break };
                            want.push(Rec::Header(0, fragment, first, last));
                            if last {
                                break 'pieces;
                            }
                        }
                    }
                }
            }
            let mut pieces = std::vec![PREFIX];
            pieces.extend(value_pieces.iter().copied());
            for log in [
                pull_log(&["x-v"], Limits::DEFAULT, &pieces, false, None),
                push_log(&["x-v"], Limits::DEFAULT, &pieces, false, None),
            ] {
                let got: Vec<Rec> = log
                    .into_iter()
                    .filter(|r| matches!(r, Rec::Header(..) | Rec::Error(_)))
                    .collect();
                proptest::prop_assert_eq!(&got, &want, "{:?}", value_pieces);
            }
        }
    }
}

proptest::proptest! {
    /// `Content-Length` lists are read as the former lexer read them: the same errors, values
    /// and earlier value, piece by piece, and at the end.
    #[test]
    fn length_lexer_matches_the_reference(
        lines in proptest::collection::vec(
            proptest::collection::vec(
                proptest::sample::select(std::vec![
                    "0", "7", "18446744073709551615", "18446744073709551616", "1844674407370955161",
                    ",", " ", "\t", "x",
                ]),
                0..6,
            ),
            1..3,
        ),
    ) {
        let (mut seen, mut former_seen) = (None, None);
        for parts in lines {
            let (mut lexer, mut former) = (LengthLexer::EMPTY, reference::LengthLexer::default());
            for part in &parts {
                let got = lexer.feed(part.as_bytes(), &mut seen);
                let want = former.feed(part.as_bytes(), &mut former_seen);
                proptest::prop_assert_eq!(got, want);
                proptest::prop_assert_eq!((lexer.value, seen), (former.value, former_seen));
                if got.is_err() {
                    return Ok(());
                }
            }
            proptest::prop_assert_eq!(lexer.finish(&mut seen), former.finish(&mut former_seen));
            proptest::prop_assert_eq!(seen, former_seen);
        }
    }
}

/// A hex digit's value, for every byte, is what the former three ranges gave.
#[test]
fn hex_value_matches_the_reference() {
    for b in 0..=255u8 {
        let want = match b {
            b'0'..=b'9' => Some(b - b'0'),
            b'a'..=b'f' => Some(b - b'a' + 10),
            b'A'..=b'F' => Some(b - b'A' + 10),
            _ => None,
        };
        assert_eq!(hex_value(b), want, "{b}");
    }
}

/// Token lists for the matcher tests: words near the known ones (cut, lengthened, in any case,
/// with any byte changed) and arbitrary bytes, between separators.
fn token_lists() -> impl proptest::strategy::Strategy<Value = Vec<u8>> {
    use proptest::prelude::*;
    let word = prop_oneof![
        (
            proptest::sample::select(std::vec![
                &b"chunked"[..],
                b"close",
                b"keep-alive",
                b"keep-alive-keep-alive",
                b"gzip",
            ]),
            0usize..24,
            any::<u32>(),
            proptest::option::of((0usize..24, any::<u8>())),
        )
            .prop_map(|(word, cut, case, edit)| {
                let mut w: Vec<u8> = word.iter().take(cut).copied().collect();
                for (i, b) in w.iter_mut().enumerate() {
                    if case >> (i % 32) & 1 != 0 {
                        *b = b.to_ascii_uppercase();
                    }
                }
                if let Some((at, b)) = edit {
                    match w.get_mut(at) {
                        Some(slot) => *slot = b,
                        None => w.push(b),
                    }
                }
                w
            }),
        proptest::collection::vec(any::<u8>(), 0..16),
    ];
    let separator = proptest::sample::select(std::vec![
        &b","[..],
        &b" "[..],
        &b"\t"[..],
        &b" , "[..],
        &b""[..]
    ]);
    proptest::collection::vec((word, separator), 0..6).prop_map(|parts| {
        let mut list = Vec::new();
        for (word, separator) in parts {
            list.extend_from_slice(&word);
            list.extend_from_slice(separator);
        }
        list
    })
}

proptest::proptest! {
    /// Firmware's [`TokenMatcher`] finds the tokens its former form found, and keeps the same
    /// state, after every piece of any token list cut anywhere.
    #[test]
    fn token_matcher_matches_the_reference(
        list in token_lists(),
        cuts in proptest::collection::vec(0usize..64, 0..4),
    ) {
        let (mut matcher, mut former) = (TokenMatcher::EMPTY, reference::TokenMatcher::default());
        let mut rest = &list[..];
        for cut in cuts.into_iter().chain([usize::MAX]) {
            let (piece, after) = rest.split_at(cut.min(rest.len()));
            rest = after;
            let (mut got, mut want) = (Vec::new(), Vec::new());
            matcher.feed(piece, |t| got.push(t));
            former.feed(piece, |t| want.push(t));
            proptest::prop_assert_eq!(got, want);
            proptest::prop_assert_eq!((matcher.len, matcher.dead), (former.len, former.dead));
        }
        proptest::prop_assert_eq!(matcher.take(), former.take());
    }
}

#[test]
fn chunked_trailer_bytes() {
    // What a trailer line may hold, and what ends the trailer section.
    for (trailer, ok) in [
        (&b"X: a\tb \x80\xff\r\n\r\n"[..], true),
        (b"X: a\n\n", true),
        (b"X: a\x7f\r\n\r\n", false),
        (b"X: a\rb\r\n\r\n", false),
        (b"\tX: a\r\n\r\n", false),
    ] {
        let mut body = b"0\r\n".to_vec();
        body.extend_from_slice(trailer);
        let t = chunked(&body);
        assert_eq!(
            t.error.is_none(),
            ok,
            "{}",
            String::from_utf8_lossy(trailer)
        );
    }
    // Every trailer byte but the final LF counts against the limit, whatever the split.
    let trailer = b"X-One: 1\r\nX-Two: 2\r\n\r\n";
    let counted = trailer.len() as u32 - 1;
    for (max, ok) in [(counted, true), (counted - 1, false)] {
        let mut body = b"0\r\n".to_vec();
        body.extend_from_slice(trailer);
        for split in 0..=body.len() {
            let mut d = ChunkedDecoder::new(max);
            let (a, b) = body.split_at(split);
            let mut result = d.handle_input(a).map(|p| p.event);
            if let Ok(None) = result {
                result = d.handle_input(b).map(|p| p.event);
            }
            assert_eq!(
                result.is_ok_and(|e| e == Some(ChunkedEvent::End)),
                ok,
                "max {max} split {split}"
            );
        }
    }
}

/// The generated responses of the property tests (`tests/response_model`).
#[path = "../../../tests/response_model/mod.rs"]
pub(crate) mod response_model;

/// The byte-at-a-time head reader (firmware's) agrees with the scan (hosts') on `input`: whole,
/// cut at `offsets` and one byte at a time, with and without EOF.
fn heads_agree(
    input: &[u8],
    offsets: &[usize],
) -> Result<(), proptest::test_runner::TestCaseError> {
    heads_agree_limited(input, offsets, Limits::DEFAULT)
}

/// [`heads_agree`] with other limits.
fn heads_agree_limited(
    input: &[u8],
    offsets: &[usize],
    limits: Limits,
) -> Result<(), proptest::test_runner::TestCaseError> {
    use proptest::prop_assert_eq;
    let interest = &response_model::INTEREST;
    let (scan, bytes) = (FEEDS[1].1, FEEDS[2].1);
    for pieces in splits(input, offsets) {
        for eof in [false, true] {
            prop_assert_eq!(
                run_limited(interest, limits, &pieces, eof, bytes),
                run_limited(interest, limits, &pieces, eof, scan)
            );
        }
    }
    Ok(())
}

/// The ways the property tests feed `input`: whole, cut at `offsets` (taken modulo the length:
/// clamped, most would cut at the end of a short input) and one byte at a time.
fn splits<'a>(input: &'a [u8], offsets: &[usize]) -> [Vec<&'a [u8]>; 3] {
    let offsets: Vec<usize> = offsets.iter().map(|o| o % (input.len() + 1)).collect();
    let cut = response_model::cut(input, &offsets);
    [std::vec![input], cut, input.chunks(1).collect()]
}

/// The length of each head at the start of `wire` (status line to blank line, CRLF or bare LF
/// line ends): the 1xx heads and the final one.
fn head_lengths(wire: &[u8]) -> Vec<u32> {
    let mut lengths = Vec::new();
    let (mut head_start, mut line_start) = (0, 0);
    for (i, &b) in wire.iter().enumerate() {
        if b != b'\n' {
            continue;
        }
        let line = &wire[line_start..i];
        line_start = i + 1;
        if line.is_empty() || line == b"\r" {
            lengths.push(u32::try_from(line_start - head_start).unwrap());
            head_start = line_start;
            // Another head follows a 1xx one; after the final head comes its body.
            if !wire[head_start..].starts_with(b"HTTP/1.") {
                break;
            }
        }
    }
    lengths
}

/// Limits small enough for generated responses to reach: a head cap somewhere in the first
/// heads, a few fields, a few bytes of trailers.
fn small_limits() -> impl proptest::strategy::Strategy<Value = Limits> {
    use proptest::strategy::Strategy;
    (0u32..700, 0u16..10, 0u32..120).prop_map(|(max_head_bytes, max_headers, max_trailer_bytes)| {
        Limits {
            max_head_bytes,
            max_headers,
            max_trailer_bytes,
        }
    })
}

/// The byte path keeps the line state across a `1xx` head (no reset): sound because at every
/// line start, and so at the start of the next head, no name is left in it; and whitespace held
/// back at the end of a value, left there, is gone when the next interesting value starts. Feeds
/// `input` a byte at a time through [`ResponseParser::head_byte`] and checks that at each of
/// those points.
fn line_state_empty_at_line_starts(
    input: &[u8],
) -> Result<(), proptest::test_runner::TestCaseError> {
    let mut p = ResponseParser::new(&response_model::INTEREST);
    for &b in input {
        if matches!(p.head_byte(b), Byte::Failed | Byte::HeadEnds) {
            break;
        }
        if let (State::AwaitingHead, HeadPos::LineStart | HeadPos::Version(0)) =
            (p.state, p.head_pos)
        {
            proptest::prop_assert_eq!((p.line.name.as_slice().len(), p.line.name_long), (0, false));
        }
        // (Whitespace held back at the end of the last interesting value is dropped here.)
        if let HeadPos::ValueStart(Field::Interest(_)) = p.head_pos {
            proptest::prop_assert_eq!(p.line.held, 0);
        }
    }
    Ok(())
}

proptest::proptest! {
    #![proptest_config(proptest::test_runner::Config {
        cases: std::env::var("PROPTEST_CASES").ok().and_then(|v| v.parse().ok()).unwrap_or(512),
        ..proptest::test_runner::Config::default()
    })]

    // The four below check both the head readers ([`heads_agree`]) and the push path
    // ([`push_agrees_cut`]) on each input.
    #[test]
    fn readers_agree_on_generated_responses(
        m in response_model::model(),
        offsets in response_model::offsets(),
    ) {
        let w = response_model::wire(&m);
        heads_agree(&w, &offsets)?;
        push_agrees_cut(&w, &offsets, Limits::DEFAULT)?;
    }

    #[test]
    fn readers_agree_on_damaged_responses(
        m in response_model::model(),
        edits in proptest::collection::vec((0usize..4000, proptest::prelude::any::<u8>()), 1..4),
        offsets in response_model::offsets(),
    ) {
        let mut w = response_model::wire(&m);
        response_model::damage(&mut w, &edits);
        heads_agree(&w, &offsets)?;
        push_agrees_cut(&w, &offsets, Limits::DEFAULT)?;
    }

    #[test]
    fn readers_agree_under_small_limits(
        m in response_model::model(),
        offsets in response_model::offsets(),
        limits in small_limits(),
    ) {
        let w = response_model::wire(&m);
        heads_agree_limited(&w, &offsets, limits)?;
        push_agrees_cut(&w, &offsets, limits)?;
    }

    #[test]
    fn head_readers_agree_at_each_heads_size_limit(
        m in response_model::model(),
        offsets in response_model::offsets(),
    ) {
        // Each head (the 1xx ones and the final one) exactly at the cap, and a byte either side.
        let w = response_model::wire(&m);
        for len in head_lengths(&w) {
            for max_head_bytes in [len - 1, len, len + 1] {
                let limits = Limits { max_head_bytes, ..Limits::DEFAULT };
                heads_agree_limited(&w, &offsets, limits)?;
            }
        }
    }

    /// Framing fields with values made of what their lexers look at (digits, commas, tokens,
    /// whitespace, a stray byte), whose ends the byte path feeds its lexers as a comma.
    #[test]
    fn head_readers_agree_on_framing_values(
        lines in proptest::collection::vec(
            (
                proptest::sample::select(std::vec![
                    "Content-Length",
                    "Transfer-Encoding",
                    "Connection",
                ]),
                proptest::collection::vec(
                    proptest::sample::select(std::vec![
                        "0", "2", "18446744073709551615", "18446744073709551616", ",", " ", "\t",
                        "chunked", "close", "keep-alive", "gzip", "x", "\x7f",
                    ]),
                    0..5,
                ),
            ),
            0..4,
        ),
        status in proptest::sample::select(std::vec![100u16, 200, 204]),
        offsets in response_model::offsets(),
    ) {
        let mut head = format!("HTTP/1.0 {status} X\r\n");
        for (name, parts) in &lines {
            head += &format!("{name}:{}\r\n", parts.concat());
        }
        head += "\r\n0\r\n\r\n";
        heads_agree(head.as_bytes(), &offsets)?;
    }

    #[test]
    fn readers_agree_on_arbitrary_bytes(
        bytes in proptest::collection::vec(proptest::prelude::any::<u8>(), 0..400),
        offsets in response_model::offsets(),
    ) {
        heads_agree(&bytes, &offsets)?;
        push_agrees_cut(&bytes, &offsets, Limits::DEFAULT)?;
    }

    #[test]
    fn line_state_empty_at_line_starts_of_generated_and_damaged_responses(
        m in response_model::model(),
        edits in proptest::collection::vec((0usize..4000, proptest::prelude::any::<u8>()), 0..4),
    ) {
        let mut w = response_model::wire(&m);
        response_model::damage(&mut w, &edits);
        line_state_empty_at_line_starts(&w)?;
    }
}

proptest::proptest! {
    /// Firmware's name buffer ([`NameVec`]) keeps what the hosts' ([`NameBuf`]) keeps, and
    /// refuses the same bytes, under any run of pushes and clears (`None`: a clear).
    #[test]
    fn name_buffers_agree(ops in proptest::collection::vec(proptest::option::weighted(0.97, proptest::prelude::any::<u8>()), 0..300)) {
        let (mut host, mut small) = (NameBuf::new(), NameVec::new());
        for op in ops {
            match op {
                Some(b) => proptest::prop_assert_eq!(host.push(b), small.push(b)),
                None => {
                    host.clear();
                    small.clear();
                }
            }
            proptest::prop_assert_eq!(host.as_slice(), small.as_slice());
        }
    }
}

// --- the push path ------------------------------------------------------------------------------

/// One thing a run of the parser did, for comparing the push path with the pull path call by
/// call (fragments as they came, not joined).
#[derive(Clone, Debug, PartialEq, Eq)]
enum Rec {
    Header(usize, Vec<u8>, bool, bool),
    Head(Head),
    Body(Vec<u8>),
    End(bool),
    /// A handler call refused (the push path) or the event at which the pull side stopped.
    Refused,
    /// Bytes of a piece used, once the piece is done with.
    Consumed(usize),
    Error(ResponseError),
    Eof(Result<bool, ResponseError>),
    /// The parser's whole state at the end, so that what a later call would do is compared too.
    State(String),
}

/// A [`Handler`] that records the calls, refusing the `refuse_at`-th one (counting from 0).
struct Recorder<'h> {
    p: ResponseParser<'h>,
    log: Vec<Rec>,
    calls: usize,
    refuse_at: Option<usize>,
}

impl Recorder<'_> {
    fn take(&mut self, rec: Rec) -> bool {
        self.log.push(rec);
        self.calls += 1;
        if Some(self.calls - 1) == self.refuse_at {
            self.log.push(Rec::Refused);
            return false;
        }
        true
    }
}

impl<'h> Handler<'h> for Recorder<'h> {
    fn parser(&mut self) -> &mut ResponseParser<'h> {
        &mut self.p
    }
    fn header(&mut self, index: usize, fragment: &[u8], first: bool, last: bool) -> bool {
        self.take(Rec::Header(index, fragment.to_vec(), first, last))
    }
    fn head(&mut self, head: Head) -> bool {
        self.take(Rec::Head(head))
    }
    fn body(&mut self, chunk: &[u8]) -> bool {
        self.take(Rec::Body(chunk.to_vec()))
    }
    fn end(&mut self, reusable: bool) {
        self.log.push(Rec::End(reusable));
    }
}

fn rec(ev: Event<'_>) -> Rec {
    match ev {
        Event::Header {
            index,
            fragment,
            first,
            last,
        } => Rec::Header(index, fragment.to_vec(), first, last),
        Event::Head(h) => Rec::Head(h),
        Event::Body(b) => Rec::Body(b.to_vec()),
        Event::End { reusable } => Rec::End(reusable),
    }
}

/// What the reader does with the pull path (firmware's general path, reading heads a byte at a
/// time): each piece fed until the parser needs more or the response ends (the rest of the piece
/// then left), stopping at an error or at the `refuse_at`-th event other than `End`; EOF at the
/// end if `eof`. [`handle_eof`](ResponseParser::handle_eof) and
/// [`eof_ends`](ResponseParser::eof_ends) are compared on the way.
fn pull_log(
    interest: &[&str],
    limits: Limits,
    pieces: &[&[u8]],
    eof: bool,
    refuse_at: Option<usize>,
) -> Vec<Rec> {
    let mut p = ResponseParser::with_limits(interest, limits);
    let mut log = Vec::new();
    let mut calls = 0;
    'pieces: for piece in pieces {
        let mut rest: &[u8] = piece;
        let mut used = 0;
        loop {
            match p.handle_input_with::<true>(rest) {
                Err(e) => {
                    log.push(Rec::Error(e));
                    log.push(Rec::State(format!("{p:?}")));
                    return log;
                }
                Ok(pr) => {
                    used += pr.consumed;
                    rest = &rest[pr.consumed..];
                    let Some(ev) = pr.event else { break };
                    let end = matches!(ev, Event::End { .. });
                    log.push(rec(ev));
                    if end {
                        log.push(Rec::Consumed(used));
                        continue 'pieces;
                    }
                    calls += 1;
                    if Some(calls - 1) == refuse_at {
                        log.push(Rec::Refused);
                        log.push(Rec::State(format!("{p:?}")));
                        return log;
                    }
                }
            }
        }
        log.push(Rec::Consumed(used));
    }
    if eof {
        let mut q = p.clone();
        let pulled = p.handle_eof();
        let ends = q.eof_ends();
        assert_eq!(
            pulled,
            ends.map(|e| e.then_some(Event::End { reusable: false }))
        );
        assert_eq!(format!("{p:?}"), format!("{q:?}"));
        log.push(Rec::Eof(ends));
    }
    log.push(Rec::State(format!("{p:?}")));
    log
}

/// [`pull_log`] through [`ResponseParser::push_input`].
fn push_log(
    interest: &[&str],
    limits: Limits,
    pieces: &[&[u8]],
    eof: bool,
    refuse_at: Option<usize>,
) -> Vec<Rec> {
    let mut r = Recorder {
        p: ResponseParser::with_limits(interest, limits),
        log: Vec::new(),
        calls: 0,
        refuse_at,
    };
    for piece in pieces {
        match ResponseParser::push_input(&mut r, piece) {
            Some(used) => {
                assert!(used == piece.len() || matches!(r.log.last(), Some(Rec::End(_))));
                r.log.push(Rec::Consumed(used));
            }
            None => {
                if r.log.last() != Some(&Rec::Refused) {
                    let e = r.p.push_error();
                    r.log.push(Rec::Error(e));
                }
                r.log.push(Rec::State(format!("{:?}", r.p)));
                return r.log;
            }
        }
    }
    if eof {
        let ends = r.p.eof_ends();
        r.log.push(Rec::Eof(ends));
    }
    r.log.push(Rec::State(format!("{:?}", r.p)));
    r.log
}

/// The push path makes the same calls as the pull path makes events, from the same states, for
/// `pieces`: with and without EOF, without refusals and refusing each of the first calls.
fn push_agrees(
    interest: &[&str],
    limits: Limits,
    pieces: &[&[u8]],
) -> Result<(), proptest::test_runner::TestCaseError> {
    for eof in [false, true] {
        let pulled = pull_log(interest, limits, pieces, eof, None);
        proptest::prop_assert_eq!(&push_log(interest, limits, pieces, eof, None), &pulled);
        // Refusing each call in turn (the calls other than `end` are fewer than the records).
        for k in 0..pulled.len().min(12) {
            proptest::prop_assert_eq!(
                push_log(interest, limits, pieces, eof, Some(k)),
                pull_log(interest, limits, pieces, eof, Some(k)),
                "refusing call {}",
                k
            );
        }
    }
    Ok(())
}

/// [`push_agrees`] whole, cut at `offsets` and one byte at a time.
fn push_agrees_cut(
    input: &[u8],
    offsets: &[usize],
    limits: Limits,
) -> Result<(), proptest::test_runner::TestCaseError> {
    let interest = &response_model::INTEREST;
    for pieces in splits(input, offsets) {
        push_agrees(interest, limits, &pieces)?;
    }
    Ok(())
}

#[test]
fn push_path_matches_pull_path_on_the_table_cases() {
    // Every whole response of the table tests above, split at every offset and in small pieces,
    // and followed by the start of a next response.
    let cases: [&[u8]; 9] = [
        b"HTTP/1.1 200 OK\r\nContent-Length: 3\r\nX-A:  a b \t \r\nx-b:\r\n\r\nabcHTTP/1.1",
        b"HTTP/1.1 100 Continue\r\nX-A: 1\r\n\r\nHTTP/1.0 200 OK\r\nX-A: 2\r\n\r\nuntil close",
        b"HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked\r\n\r\n3;x=y\r\nabc\r\n0\r\nT: v\r\n\r\nNEXT",
        b"HTTP/1.1 204 No Content\r\nDate: x \t \r\n\r\nNEXT",
        b"HTTP/1.1 404 Not Found\r\nConnection: close\r\nContent-Length: 0\r\n\r\n",
        b"HTTP/1.1 200 OK\nX-B: v\n\nbody",
        b"HTTP/1.1 200 OK\r\nX-A: a\r\n b\r\n\r\n",
        b"HTTP/1.1 200 OK\r\nContent-Length: 2\r\nContent-Length: 3\r\n\r\nab",
        b"HTTP/2 200\r\n\r\n",
    ];
    for input in cases {
        let interest = &response_model::INTEREST;
        let limits = Limits::DEFAULT;
        push_agrees(interest, limits, &[input]).unwrap();
        push_agrees(interest, limits, &input.chunks(1).collect::<Vec<_>>()).unwrap();
        for i in 0..=input.len() {
            let (a, b) = input.split_at(i);
            push_agrees(interest, limits, &[a, b]).unwrap();
        }
        for max_head_bytes in [0, 10, 30, 60] {
            let limits = Limits {
                max_head_bytes,
                max_headers: 1,
                max_trailer_bytes: 2,
            };
            push_agrees(interest, limits, &input.chunks(3).collect::<Vec<_>>()).unwrap();
        }
    }
}
