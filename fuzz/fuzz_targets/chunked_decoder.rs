//! `ChunkedDecoder` on arbitrary bytes: one control byte (piece size, 0 = whole), then the body.
//! The data and the end (or error) must not depend on the split.
#![no_main]

use libfuzzer_sys::fuzz_target;
use picolambda::http::response::{ChunkedDecoder, ChunkedEvent, ResponseError};

fn decode(body: &[u8], piece: usize) -> (Vec<u8>, Result<usize, ResponseError>) {
    let mut d = ChunkedDecoder::new(256);
    let mut data = Vec::new();
    let mut used = 0;
    for chunk in body.chunks(piece.max(1)) {
        let mut rest = chunk;
        loop {
            match d.handle_input(rest) {
                Err(e) => return (data, Err(e)),
                Ok(p) => {
                    assert!(p.consumed <= rest.len());
                    used += p.consumed;
                    rest = &rest[p.consumed..];
                    match p.event {
                        None => {
                            assert!(rest.is_empty());
                            break;
                        }
                        Some(ChunkedEvent::Data(b)) => {
                            assert!(!b.is_empty());
                            data.extend_from_slice(b);
                        }
                        Some(ChunkedEvent::End) => {
                            assert!(d.is_done());
                            assert_eq!(d.received(), data.len() as u64);
                            return (data, Ok(used));
                        }
                    }
                }
            }
        }
    }
    match d.handle_eof() {
        Ok(()) => (data, Ok(used)),
        Err(e) => (data, Err(e)),
    }
}

fuzz_target!(|input: &[u8]| {
    let Some((&control, body)) = input.split_first() else {
        return;
    };
    let whole = decode(body, body.len());
    if control != 0 {
        assert_eq!(decode(body, usize::from(control)), whole);
    }
});
