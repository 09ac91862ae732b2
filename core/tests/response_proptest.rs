//! Property tests: generated responses parse to what the generator meant however they are split,
//! and arbitrary or damaged input gives the same result whole and split, without panicking.

mod response_common;

use picolambda::http::response::{BodyFraming, Version};
use proptest::prelude::*;
use response_common::*;

const INTEREST: [&str; 3] = ["x-a", "x-b", "date"];
const OTHER_NAMES: [&str; 4] = ["server", "x-amzn-trace-id", "content-type", "x-pad"];

#[derive(Clone, Debug)]
enum Framing {
    Length,
    Chunked {
        sizes: Vec<usize>,
        ext: bool,
        trailers: Vec<String>,
    },
    Close,
}

#[derive(Clone, Debug)]
struct Field {
    /// Index into INTEREST, or into OTHER_NAMES when `other`.
    name: usize,
    other: bool,
    upper: Vec<bool>,
    pre: String,
    value: String,
    post: String,
}

#[derive(Clone, Debug)]
struct Model {
    http10: bool,
    interim: Vec<u16>,
    status: u16,
    fields: Vec<Field>,
    connection: Option<&'static str>,
    framing: Framing,
    body: Vec<u8>,
    bare_lf: bool,
}

fn ows() -> impl Strategy<Value = String> {
    "[ \t]{0,3}"
}

fn value() -> impl Strategy<Value = String> {
    prop_oneof![
        // Short values with interior whitespace runs.
        "[!-~]([ \t!-~]{0,30}[!-~])?",
        // Long base64-like values, as X-Amz-Log-Result (8 of them stay under the 8 KiB head cap;
        // tests/response_fixtures.rs has the 5,464-character one).
        "[A-Za-z0-9+/]{200,800}={0,2}",
        Just(String::new()),
    ]
}

fn field() -> impl Strategy<Value = Field> {
    (
        any::<bool>(),
        0usize..4,
        prop::collection::vec(any::<bool>(), 20),
        ows(),
        value(),
        ows(),
    )
        .prop_map(|(other, n, upper, pre, value, post)| Field {
            name: if other {
                n % OTHER_NAMES.len()
            } else {
                n % INTEREST.len()
            },
            other,
            upper,
            pre,
            value,
            post,
        })
}

fn framing() -> impl Strategy<Value = Framing> {
    prop_oneof![
        Just(Framing::Length),
        (
            prop::collection::vec(1usize..300, 0..6),
            any::<bool>(),
            prop::collection::vec("[a-z]{1,8}: [ -~]{0,20}", 0..3)
        )
            .prop_map(|(sizes, ext, trailers)| Framing::Chunked {
                sizes,
                ext,
                trailers
            }),
        Just(Framing::Close),
    ]
}

fn model() -> impl Strategy<Value = Model> {
    (
        any::<bool>(),
        prop::collection::vec(prop::sample::select(vec![100u16, 102, 103]), 0..3),
        prop::sample::select(vec![200u16, 202, 204, 304, 404, 429, 500, 502]),
        prop::collection::vec(field(), 0..8),
        prop::sample::select(vec![
            None,
            Some("close"),
            Some("keep-alive"),
            Some("Keep-Alive, Upgrade"),
        ]),
        framing(),
        prop::collection::vec(any::<u8>(), 0..1500),
        any::<bool>(),
    )
        .prop_map(
            |(http10, interim, status, fields, connection, framing, body, bare_lf)| Model {
                http10,
                interim,
                status,
                fields,
                connection,
                framing,
                body,
                bare_lf,
            },
        )
}

fn name_of(f: &Field) -> String {
    let base = if f.other {
        OTHER_NAMES[f.name]
    } else {
        INTEREST[f.name]
    };
    base.chars()
        .zip(f.upper.iter().cycle())
        .map(|(c, &u)| if u { c.to_ascii_uppercase() } else { c })
        .collect()
}

fn no_body(m: &Model) -> bool {
    matches!(m.status, 204 | 304)
}

fn wire(m: &Model) -> Vec<u8> {
    let eol = if m.bare_lf { "\n" } else { "\r\n" };
    let mut w = Vec::new();
    let version = if m.http10 { "HTTP/1.0" } else { "HTTP/1.1" };
    for code in &m.interim {
        // Interim heads carry fields too; none of them may leak into the result.
        w.extend_from_slice(
            format!("{version} {code} Interim{eol}X-A: interim{eol}{eol}").as_bytes(),
        );
    }
    w.extend_from_slice(format!("{version} {} Some Reason{eol}", m.status).as_bytes());
    for f in &m.fields {
        w.extend_from_slice(
            format!("{}:{}{}{}{eol}", name_of(f), f.pre, f.value, f.post).as_bytes(),
        );
    }
    if let Some(c) = m.connection {
        w.extend_from_slice(format!("Connection: {c}{eol}").as_bytes());
    }
    let body: &[u8] = if no_body(m) { &[] } else { &m.body };
    match &m.framing {
        Framing::Length => {
            w.extend_from_slice(format!("Content-Length: {}{eol}{eol}", body.len()).as_bytes());
            w.extend_from_slice(body);
        }
        Framing::Close => {
            w.extend_from_slice(eol.as_bytes());
            w.extend_from_slice(body);
        }
        Framing::Chunked {
            sizes,
            ext,
            trailers,
        } => {
            w.extend_from_slice(format!("Transfer-Encoding: chunked{eol}{eol}").as_bytes());
            if no_body(m) {
                return w;
            }
            let mut rest = body;
            let mut sizes = sizes.iter().cycle();
            while !rest.is_empty() {
                let n = (*sizes.next().unwrap_or(&100)).min(rest.len());
                let e = if *ext { ";x=\"y\"" } else { "" };
                w.extend_from_slice(format!("{n:x}{e}\r\n").as_bytes());
                w.extend_from_slice(&rest[..n]);
                w.extend_from_slice(b"\r\n");
                rest = &rest[n..];
            }
            w.extend_from_slice(b"0\r\n");
            for t in trailers {
                w.extend_from_slice(format!("{t}\r\n").as_bytes());
            }
            w.extend_from_slice(b"\r\n");
        }
    }
    w
}

fn expected_framing(m: &Model) -> BodyFraming {
    if no_body(m) {
        return BodyFraming::Empty;
    }
    match m.framing {
        Framing::Length => BodyFraming::ContentLength(m.body.len() as u64),
        Framing::Chunked { .. } => BodyFraming::Chunked,
        Framing::Close => BodyFraming::UntilClose,
    }
}

fn expected_reusable(m: &Model) -> bool {
    let c = m.connection.unwrap_or("").to_ascii_lowercase();
    let persistent = if m.http10 {
        c.contains("keep-alive")
    } else {
        c != "close"
    };
    persistent && expected_framing(m) != BodyFraming::UntilClose
}

fn offsets() -> impl Strategy<Value = Vec<usize>> {
    prop::collection::vec(0usize..8000, 0..12)
}

proptest! {
    // 512 cases by default; PROPTEST_CASES=100000 for a long run.
    #![proptest_config(ProptestConfig {
        cases: std::env::var("PROPTEST_CASES").ok().and_then(|v| v.parse().ok()).unwrap_or(512),
        ..ProptestConfig::default()
    })]

    #[test]
    fn generated_responses_parse_as_meant(m in model(), offs in offsets(), piece in 1usize..600) {
        let w = wire(&m);
        let whole = parse_pieces(&INTEREST, &[&w], true);
        prop_assert_eq!(whole.error, None);
        let head = whole.head.unwrap();
        prop_assert_eq!(head.status, m.status);
        prop_assert_eq!(head.version, if m.http10 { Version::Http10 } else { Version::Http11 });
        prop_assert_eq!(head.framing, expected_framing(&m));
        prop_assert_eq!(head.reusable, expected_reusable(&m));
        prop_assert_eq!(whole.end, Some(expected_reusable(&m)));
        let want_body: &[u8] = if no_body(&m) { &[] } else { &m.body };
        prop_assert_eq!(&whole.body[..], want_body);
        let want_headers: Vec<(usize, Vec<u8>)> = m
            .fields
            .iter()
            .filter(|f| !f.other)
            .map(|f| (f.name, f.value.clone().into_bytes()))
            .collect();
        prop_assert_eq!(&whole.headers, &want_headers);
        if !matches!(m.framing, Framing::Close) || no_body(&m) {
            prop_assert_eq!(whole.consumed, w.len());
        }
        prop_assert_eq!(&parse_pieces(&INTEREST, &cut(&w, &offs), true), &whole);
        prop_assert_eq!(&parse_pieces(&INTEREST, &w.chunks(piece).collect::<Vec<_>>(), true), &whole);
    }

    #[test]
    fn arbitrary_bytes_same_result_whole_and_split(
        bytes in prop::collection::vec(any::<u8>(), 0..400),
        offs in offsets(),
    ) {
        let whole = parse_pieces(&INTEREST, &[&bytes], true);
        prop_assert_eq!(&parse_pieces(&INTEREST, &cut(&bytes, &offs), true), &whole);
        let r = read_pieces(&[&bytes]);
        prop_assert_eq!(read_pieces(&cut(&bytes, &offs)).outcome.is_ok(), r.outcome.is_ok());
    }

    #[test]
    fn damaged_responses_same_result_whole_and_split(
        m in model(),
        edits in prop::collection::vec((0usize..4000, any::<u8>()), 1..4),
        offs in offsets(),
    ) {
        let mut w = wire(&m);
        for (at, b) in edits {
            if !w.is_empty() {
                let i = at % w.len();
                w[i] = b;
            }
        }
        let whole = parse_pieces(&INTEREST, &[&w], true);
        prop_assert_eq!(&parse_pieces(&INTEREST, &cut(&w, &offs), true), &whole);
        prop_assert_eq!(&parse_pieces(&INTEREST, &w.chunks(1).collect::<Vec<_>>(), true), &whole);
        let r = read_pieces(&[&w]);
        prop_assert_eq!(read_pieces(&cut(&w, &offs)).outcome.is_ok(), r.outcome.is_ok());
    }
}
