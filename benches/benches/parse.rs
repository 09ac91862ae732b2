//! Response-head parsing: picolambda's incremental parser against httparse, on three Lambda
//! response heads (≈400 B; 3.2 KB and 5.9 KB with an `X-Amz-Log-Result` tail).
//!
//! * `whole`: the head in one buffer.
//! * `pieces-N`: the head arriving N bytes at a time. picolambda is fed each piece once; httparse
//!   is re-run on the growing buffer after each piece until it reports `Complete`, which is what its
//!   users must do (`Status::Partial` keeps no state).
//!
//! Targets (issue 3): `whole` within 1.5x of httparse; `pieces-16` within 2x of picolambda's own
//! `whole`. Run: `cargo bench -p picolambda-benches --bench parse -- --warm-up-time 1 --measurement-time 2`.
// `criterion_group!` generates an undocumented `pub fn benches`.
#![allow(missing_docs)]

use std::hint::black_box;
use std::path::PathBuf;

use criterion::{criterion_group, criterion_main, BenchmarkId, Criterion, Throughput};
use picolambda::http::response::{Event, ResponseParser};
use picolambda::invoke::response::{Discard, InvokeResponseReader, LambdaHeader};

fn fixture(name: &str) -> Vec<u8> {
    let path = PathBuf::from(env!("CARGO_MANIFEST_DIR"))
        .join("../core/tests/data/responses")
        .join(name);
    std::fs::read(path).expect("fixture")
}

/// The head of a recorded response, blank line included.
fn head_of(response: &[u8]) -> Vec<u8> {
    let end = response
        .windows(4)
        .position(|w| w == b"\r\n\r\n")
        .expect("head end")
        + 4;
    response[..end].to_vec()
}

/// Feed `head` in pieces of `piece` bytes; returns a checksum of what was reported.
#[inline(never)]
fn picolambda_pieces(head: &[u8], piece: usize) -> usize {
    let mut parser = ResponseParser::new(&LambdaHeader::NAMES);
    let mut sum = 0;
    for mut input in head.chunks(piece) {
        loop {
            let p = parser.handle_input(input).expect("valid head");
            input = &input[p.consumed..];
            match p.event {
                None => break,
                Some(Event::Header {
                    index, fragment, ..
                }) => sum += index + fragment.len(),
                Some(Event::Head(h)) => return sum + usize::from(h.status),
                Some(_) => {}
            }
        }
    }
    sum
}

#[inline(never)]
fn httparse_whole(head: &[u8]) -> usize {
    let mut headers = [httparse::EMPTY_HEADER; 32];
    let mut res = httparse::Response::new(&mut headers);
    match res.parse(head).expect("valid head") {
        httparse::Status::Complete(n) => n + res.headers.len(),
        httparse::Status::Partial => 0,
    }
}

/// httparse on a buffer growing by `piece` bytes, re-parsed after each piece.
#[inline(never)]
fn httparse_pieces(head: &[u8], piece: usize) -> usize {
    let mut end = 0;
    loop {
        end = (end + piece).min(head.len());
        let mut headers = [httparse::EMPTY_HEADER; 32];
        let mut res = httparse::Response::new(&mut headers);
        if let httparse::Status::Complete(n) = res.parse(&head[..end]).expect("valid head") {
            return n + res.headers.len();
        }
    }
}

fn bench(c: &mut Criterion) {
    let heads = [
        ("400B", head_of(&fixture("lambda-200-small.http"))),
        ("3.2KB", head_of(&fixture("lambda-200-log-3k.http"))),
        ("5.9KB", head_of(&fixture("lambda-200-log-4k.http"))),
    ];
    for (label, head) in &heads {
        let mut g = c.benchmark_group(format!("head-{label}"));
        g.throughput(Throughput::Bytes(head.len() as u64));
        g.bench_function(BenchmarkId::new("picolambda", "whole"), |b| {
            b.iter(|| picolambda_pieces(black_box(head), usize::MAX))
        });
        g.bench_function(BenchmarkId::new("httparse", "whole"), |b| {
            b.iter(|| httparse_whole(black_box(head)))
        });
        for piece in [1usize, 16, 64, 536] {
            let id = format!("pieces-{piece}");
            g.bench_function(BenchmarkId::new("picolambda", &id), |b| {
                b.iter(|| picolambda_pieces(black_box(head), piece))
            });
            g.bench_function(BenchmarkId::new("httparse", &id), |b| {
                b.iter(|| httparse_pieces(black_box(head), piece))
            });
        }
        g.finish();
    }

    // For information: the whole Invoke reader (base64 log decoding included) on full responses.
    let mut g = c.benchmark_group("invoke-reader");
    for (label, name) in [
        ("400B", "lambda-200-small.http"),
        ("5.9KB", "lambda-200-log-4k.http"),
    ] {
        let wire = fixture(name);
        for piece in [usize::MAX, 16] {
            let id = if piece == usize::MAX {
                "whole".to_string()
            } else {
                format!("pieces-{piece}")
            };
            g.bench_function(BenchmarkId::new(label, id), |b| {
                let mut log = [0u8; 4096];
                b.iter(|| {
                    let mut reader = InvokeResponseReader::new(&mut log);
                    for chunk in black_box(&wire).chunks(piece) {
                        if let Some(o) = reader
                            .handle_input(chunk, &mut Discard)
                            .expect("valid")
                            .outcome
                        {
                            return o.status();
                        }
                    }
                    0
                })
            });
        }
    }
    g.finish();
}

criterion_group!(benches, bench);
criterion_main!(benches);
