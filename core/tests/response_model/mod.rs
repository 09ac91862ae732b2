//! Generated HTTP responses (a [`Model`] and its bytes on the wire) and a way to cut them into
//! pieces, shared by the property tests
//! of the public API (`tests/response_proptest.rs`) and the parser's own unit tests, which feed
//! the same responses to both of its head readers.

#![allow(dead_code)]

use proptest::prelude::*;
use std::string::String;
use std::vec::Vec;
use std::{format, vec};

pub(crate) const INTEREST: [&str; 3] = ["x-a", "x-b", "date"];
pub(crate) const OTHER_NAMES: [&str; 4] = ["server", "x-amzn-trace-id", "content-type", "x-pad"];

#[derive(Clone, Debug)]
pub(crate) enum Framing {
    Length,
    Chunked {
        sizes: Vec<usize>,
        ext: bool,
        trailers: Vec<String>,
    },
    Close,
}

#[derive(Clone, Debug)]
pub(crate) struct Field {
    /// Index into INTEREST, or into OTHER_NAMES when `other`.
    pub(crate) name: usize,
    pub(crate) other: bool,
    pub(crate) upper: Vec<bool>,
    pub(crate) pre: String,
    pub(crate) value: String,
    pub(crate) post: String,
}

#[derive(Clone, Debug)]
pub(crate) struct Model {
    pub(crate) http10: bool,
    pub(crate) interim: Vec<u16>,
    pub(crate) status: u16,
    pub(crate) fields: Vec<Field>,
    pub(crate) connection: Option<&'static str>,
    pub(crate) framing: Framing,
    pub(crate) body: Vec<u8>,
    pub(crate) bare_lf: bool,
}

pub(crate) fn ows() -> impl Strategy<Value = String> {
    "[ \t]{0,3}"
}

pub(crate) fn value() -> impl Strategy<Value = String> {
    prop_oneof![
        // Short values with interior whitespace runs.
        "[!-~]([ \t!-~]{0,30}[!-~])?",
        // Long base64-like values, as X-Amz-Log-Result (8 of them stay under the 8 KiB head cap;
        // tests/response_fixtures.rs has the 5,464-character one).
        "[A-Za-z0-9+/]{200,800}={0,2}",
        Just(String::new()),
    ]
}

pub(crate) fn field() -> impl Strategy<Value = Field> {
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

pub(crate) fn framing() -> impl Strategy<Value = Framing> {
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

pub(crate) fn model() -> impl Strategy<Value = Model> {
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

pub(crate) fn name_of(f: &Field) -> String {
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

pub(crate) fn no_body(m: &Model) -> bool {
    matches!(m.status, 204 | 304)
}

pub(crate) fn wire(m: &Model) -> Vec<u8> {
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

/// `w` with each of `edits` applied: the byte at `at % w.len()` replaced (nothing to replace in
/// an empty `w`).
pub(crate) fn damage(w: &mut [u8], edits: &[(usize, u8)]) {
    for &(at, b) in edits {
        if !w.is_empty() {
            let i = at % w.len();
            w[i] = b;
        }
    }
}

pub(crate) fn offsets() -> impl Strategy<Value = Vec<usize>> {
    prop::collection::vec(0usize..8000, 0..12)
}

/// `input` cut at the given offsets (sorted, deduplicated, clamped).
pub(crate) fn cut<'a>(input: &'a [u8], offsets: &[usize]) -> Vec<&'a [u8]> {
    let mut offs: Vec<usize> = offsets.iter().map(|&o| o.min(input.len())).collect();
    offs.sort_unstable();
    offs.dedup();
    let mut out = Vec::new();
    let mut last = 0;
    for o in offs {
        out.push(&input[last..o]);
        last = o;
    }
    out.push(&input[last..]);
    out
}
