//! The response parser and the Invoke reader on arbitrary bytes.
//!
//! Input: one control byte, then the response. The control byte picks the piece size the bytes are
//! fed in (0 = all at once). Checks, beyond "no panic": the parser never claims more than it was
//! given, an event-less call consumes everything, the outcome is the same whole and in pieces, and
//! a body never exceeds a stated Content-Length.
#![no_main]

use libfuzzer_sys::fuzz_target;
use picolambda::http::response::{BodyFraming, Event, ResponseParser};
use picolambda::invoke::response::{Discard, InvokeResponseReader, LambdaHeader};

#[derive(Debug, PartialEq, Eq)]
struct Summary {
    headers: Vec<(usize, Vec<u8>)>,
    head: Option<picolambda::http::response::Head>,
    body: Vec<u8>,
    end: Option<bool>,
    error: Option<picolambda::http::response::ResponseError>,
}

fn parse(data: &[u8], piece: usize) -> Summary {
    let mut p = ResponseParser::new(&LambdaHeader::NAMES);
    let mut s = Summary {
        headers: Vec::new(),
        head: None,
        body: Vec::new(),
        end: None,
        error: None,
    };
    'pieces: for chunk in data.chunks(piece.max(1)) {
        let mut rest = chunk;
        loop {
            match p.handle_input(rest) {
                Err(e) => {
                    s.error = Some(e);
                    s.headers.clear();
                    return s;
                }
                Ok(pr) => {
                    assert!(pr.consumed <= rest.len());
                    rest = &rest[pr.consumed..];
                    match pr.event {
                        None => {
                            assert!(rest.is_empty());
                            continue 'pieces;
                        }
                        Some(Event::Header {
                            index,
                            fragment,
                            first,
                            ..
                        }) => {
                            if first {
                                s.headers.push((index, Vec::new()));
                            }
                            if let Some(h) = s.headers.last_mut() {
                                h.1.extend_from_slice(fragment);
                            }
                        }
                        Some(Event::Head(h)) => s.head = Some(h),
                        Some(Event::Body(b)) => {
                            assert!(!b.is_empty());
                            s.body.extend_from_slice(b);
                        }
                        Some(Event::End { reusable }) => {
                            s.end = Some(reusable);
                            break 'pieces;
                        }
                        Some(_) => {}
                    }
                }
            }
        }
    }
    if s.end.is_none() {
        match p.handle_eof() {
            Ok(Some(Event::End { reusable })) => s.end = Some(reusable),
            Ok(_) => {}
            Err(e) => {
                s.error = Some(e);
                s.headers.clear();
            }
        }
    }
    if let Some(h) = s.head {
        if let BodyFraming::ContentLength(n) = h.framing {
            assert!(s.body.len() as u64 <= n);
        }
    }
    s
}

fn read(data: &[u8], piece: usize) -> bool {
    let mut log = [0u8; 4096];
    let mut reader = InvokeResponseReader::new(&mut log);
    for chunk in data.chunks(piece.max(1)) {
        match reader.handle_input(chunk, &mut Discard) {
            Err(_) => return false,
            Ok(p) if p.outcome.is_some() => return true,
            Ok(p) => assert_eq!(p.consumed, chunk.len()),
        }
    }
    reader.handle_eof(&mut Discard).is_ok()
}

fuzz_target!(|data: &[u8]| {
    let Some((&control, response)) = data.split_first() else {
        return;
    };
    let piece = usize::from(control);
    let whole = parse(response, response.len());
    if piece != 0 {
        assert_eq!(parse(response, piece), whole);
    }
    let ok = read(response, response.len());
    if piece != 0 {
        assert_eq!(read(response, piece), ok);
    }
});
