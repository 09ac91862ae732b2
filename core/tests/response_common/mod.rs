//! Helpers shared by the `response_*` integration tests: feed a response to the parser or to the
//! Invoke reader in pieces, and record what came out in a form that can be compared across splits.
#![allow(dead_code)] // each test crate uses a subset

use std::convert::Infallible;
use std::path::PathBuf;

use picolambda::http::response::{Event, Head, ResponseError, ResponseParser};
use picolambda::invoke::response::{InvokeOutcome, InvokeResponseReader, LambdaHeader, ReadError};

/// Everything the parser produced, header fragments joined.
#[derive(Clone, Debug, PartialEq, Eq)]
pub(crate) struct Transcript {
    pub(crate) headers: Vec<(usize, Vec<u8>)>,
    pub(crate) head: Option<Head>,
    pub(crate) body: Vec<u8>,
    pub(crate) end: Option<bool>,
    pub(crate) error: Option<ResponseError>,
    /// Bytes consumed up to `End` (0 after an error: how far a failing parse got depends on the
    /// split).
    pub(crate) consumed: usize,
}

/// Feed `pieces` to a fresh parser (each as a new receive), then EOF if `eof` and not done.
pub(crate) fn parse_pieces(interest: &[&str], pieces: &[&[u8]], eof: bool) -> Transcript {
    let mut p = ResponseParser::new(interest);
    let mut t = Transcript {
        headers: Vec::new(),
        head: None,
        body: Vec::new(),
        end: None,
        error: None,
        consumed: 0,
    };
    let mut open = false;
    let mut record = |t: &mut Transcript, ev: Event<'_>| match ev {
        Event::Header {
            index,
            fragment,
            first,
            last,
        } => {
            assert_eq!(first, !open, "first flag");
            if first {
                t.headers.push((index, Vec::new()));
            }
            let cur = t.headers.last_mut().expect("open header");
            assert_eq!(cur.0, index);
            cur.1.extend_from_slice(fragment);
            open = !last;
        }
        Event::Head(h) => {
            assert!(!open);
            t.head = Some(h);
        }
        Event::Body(b) => {
            assert!(!b.is_empty(), "empty body event");
            t.body.extend_from_slice(b);
        }
        Event::End { reusable } => t.end = Some(reusable),
        _ => unreachable!(),
    };
    let fail = |mut t: Transcript, e| {
        t.error = Some(e);
        t.headers.clear();
        t.consumed = 0;
        t
    };
    'pieces: for piece in pieces {
        let mut rest: &[u8] = piece;
        // An event costs at most one call; a piece of n bytes cannot need more than a few per
        // byte. Guards against a parser that stops making progress.
        let mut guard = 0;
        loop {
            guard += 1;
            assert!(guard < 4 * piece.len() + 200, "no progress");
            match p.handle_input(rest) {
                Err(e) => return fail(t, e),
                Ok(pr) => {
                    assert!(pr.consumed <= rest.len());
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
            Err(e) => return fail(t, e),
        }
    }
    t
}

/// What the Invoke reader produced.
#[derive(Clone, Debug, PartialEq, Eq)]
pub(crate) struct ReaderResult {
    pub(crate) outcome: Result<InvokeOutcome, ReadError<Infallible>>,
    pub(crate) payload: Vec<u8>,
    pub(crate) log: Option<Vec<u8>>,
    /// Bytes consumed when the outcome arrived from `handle_input`.
    pub(crate) consumed: Option<usize>,
}

/// Feed `pieces` to an [`InvokeResponseReader`] with a 4 KiB log buffer, then EOF if needed.
pub(crate) fn read_pieces(pieces: &[&[u8]]) -> ReaderResult {
    let mut log = [0u8; 4096];
    let mut payload = Vec::new();
    let mut sink = |c: &[u8]| -> Result<(), Infallible> {
        payload.extend_from_slice(c);
        Ok(())
    };
    let mut reader = InvokeResponseReader::new(&mut log);
    let mut consumed = 0;
    let mut outcome = None;
    for piece in pieces {
        match reader.handle_input(piece, &mut sink) {
            Err(e) => {
                outcome = Some(Err(e));
                break;
            }
            Ok(p) => {
                consumed += p.consumed;
                if let Some(o) = p.outcome {
                    outcome = Some(Ok((o, consumed)));
                    break;
                }
                assert_eq!(p.consumed, piece.len());
            }
        }
    }
    let (outcome, consumed) = match outcome {
        Some(Ok((o, c))) => (Ok(o), Some(c)),
        Some(Err(e)) => (Err(e), None),
        None => (reader.handle_eof(&mut sink), None),
    };
    let log = reader.log_result().map(<[u8]>::to_vec);
    drop(reader);
    ReaderResult {
        outcome,
        payload,
        log,
        consumed,
    }
}

/// All the interest names the Invoke reader uses.
pub(crate) fn lambda_interest() -> [&'static str; 7] {
    LambdaHeader::NAMES
}

pub(crate) fn fixture_dir() -> PathBuf {
    PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("tests/data/responses")
}

/// Every `*.http` fixture, sorted by name.
pub(crate) fn fixtures() -> Vec<(String, Vec<u8>)> {
    let mut v: Vec<(String, Vec<u8>)> = std::fs::read_dir(fixture_dir())
        .expect("fixture dir")
        .map(|e| e.expect("entry").path())
        .filter(|p| p.extension().is_some_and(|e| e == "http"))
        .map(|p| {
            let name = p.file_name().unwrap().to_string_lossy().into_owned();
            (name, std::fs::read(&p).expect("read fixture"))
        })
        .collect();
    v.sort();
    v
}

pub(crate) fn fixture(name: &str) -> Vec<u8> {
    std::fs::read(fixture_dir().join(name)).expect("fixture")
}
