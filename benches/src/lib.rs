//! Benchmarks of `picolambda`, run with `cargo bench -p picolambda-benches` (or
//! `scripts/bench-sign.sh` for the summary table). The library is empty: the work is in
//! `benches/`, whose comparison crates (`aws-sigv4`, …) are dev-dependencies of this unpublished
//! crate and never of `picolambda`.
#![no_std]
