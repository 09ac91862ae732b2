//! picolambda: a sans-IO, `no_std`, allocation-free client core for the AWS Lambda `Invoke` API.
//!
//! (Crate docs are completed in the docs commit: see `README.md`.)
#![no_std]
#![forbid(unsafe_code)]
#![warn(missing_docs)]
#![cfg_attr(
    not(test),
    warn(clippy::std_instead_of_core, clippy::alloc_instead_of_core)
)]
#![cfg_attr(
    not(test),
    deny(
        clippy::unwrap_used,
        clippy::expect_used,
        clippy::panic,
        clippy::indexing_slicing,
        clippy::unreachable,
        clippy::todo,
        clippy::unimplemented
    )
)]

#[cfg(test)]
extern crate std;

#[cfg(feature = "driver")]
pub mod driver;
mod encode;
pub mod endpoint;
pub mod http;
pub mod invoke;
pub mod retry;
pub mod sigv4;
pub mod time;

pub use encode::{Emit, Sink};
