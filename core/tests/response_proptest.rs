//! Property tests: generated responses parse to what the generator meant however they are split,
//! and arbitrary or damaged input gives the same result whole and split, without panicking.

mod response_common;
mod response_model;

use picolambda::http::response::{BodyFraming, Version};
use proptest::prelude::*;
use response_common::*;
use response_model::*;

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
        damage(&mut w, &edits);
        let whole = parse_pieces(&INTEREST, &[&w], true);
        prop_assert_eq!(&parse_pieces(&INTEREST, &cut(&w, &offs), true), &whole);
        prop_assert_eq!(&parse_pieces(&INTEREST, &w.chunks(1).collect::<Vec<_>>(), true), &whole);
        let r = read_pieces(&[&w]);
        prop_assert_eq!(read_pieces(&cut(&w, &offs)).outcome.is_ok(), r.outcome.is_ok());
    }
}
