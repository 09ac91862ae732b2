//! picolambda over `embedded-nal` network stacks: AWS Lambda `Invoke` from a microcontroller,
//! blocking or async, plain or over TLS 1.3, with no heap.
//!
//! The core (`picolambda`) does no I/O; this crate connects it to a network stack:
//!
//! ```text
//!  blocking:  picolambda::driver::invoke ──> TlsConnector (embedded-tls, optional)
//!                                             └─> NalConnector ──> embedded-nal TcpClientStack + Dns
//!                                                                   (WouldBlock → your PollHook)
//!  async:     picolambda_nal::asynch::invoke ──> AsyncTlsConnector (optional)
//!                                                 └─> AsyncNalConnector ──> embedded-nal-async
//!                                                                           TcpConnect + Dns
//! ```
//!
//! - [`NalConnector`] implements the core's [`Connector`](picolambda::driver::Connector) over
//!   any `embedded-nal` 0.9 [`TcpClientStack`](embedded_nal::TcpClientStack) +
//!   [`Dns`](embedded_nal::Dns): it resolves the endpoint's host, connects, sends and receives,
//!   and keeps the connection for the next invoke. Every `nb::WouldBlock` goes to the caller's
//!   [`PollHook`], which waits (polls the stack, sleeps until an interrupt) or gives up (a
//!   timeout); the library never spins on its own.
//! - [`asynch`] is the same over `embedded-nal-async` 0.9 (embassy-net and others), with
//!   [`asynch::invoke`]: the core's driver loop written once for `.await`, using the core's
//!   signing, parsing and retry decisions unchanged. [`asynch::invoke_in_place`] takes the
//!   response reader and the outcome from the caller (the core's `InPlace`), as the blocking
//!   `driver::invoke_in_place` does, so neither is in the future's state.
//! - [`tls`] (feature `tls`, on by default) layers `embedded-tls` (TLS 1.3) over any connector
//!   whose stream it can reach, with server certificate verification always on. Read its docs
//!   for what can be verified without a heap: **Amazon's public endpoints present RSA chains,
//!   which need the `rsa` feature and a global allocator.**
//!
//! | buffer (yours) | size |
//! |---|---|
//! | request head, receive buffer, log | as for the core's driver ([`Buffers`](picolambda::driver::Buffers)) |
//! | TLS record buffers | 16,640 B read + ≥ 1 KiB write (see [`tls`]) |
//! | certificate message ([`tls::CaProvider`]) | 4 KiB default |
//!
//! Features: `tls` (default) the `embedded-tls` layer; `p384` and `rsa` more certificate
//! algorithms (`rsa` needs `alloc`); `defmt` `defmt::Format` for this crate's types and the
//! core's.
//!
//! No panics: the library denies `unwrap`, `expect`, `panic!` and unchecked indexing, and never
//! hands `embedded-io`'s `write_all` an `Ok(0)` (which it panics on). `embedded-tls` itself
//! still has panic paths a malicious server can reach (a post-handshake `KeyUpdate` is
//! `unimplemented!()`); the TLS wrapper closes the one in certificate verification.
//!
//! Blocking, plain HTTP, with the core's driver:
//!
//! ```ignore
//! use picolambda::driver::{invoke, Buffers};
//! use picolambda_nal::{GiveUp, NalConnector, Op};
//!
//! let hook = |op: Op, waits: u32| {
//!     if waits == 0 { deadline = now() + timeout_for(op) }
//!     if now() > deadline { return Err(GiveUp) }
//!     stack.poll(); cortex_m::asm::wfi();
//!     Ok(())
//! };
//! let mut connector = NalConnector::new(&mut stack, hook);
//! let outcome = invoke(&mut client, &mut connector, &mut env, &request, &mut payload,
//!     &mut Buffers { head: &mut head, rx: &mut rx, log: &mut log }, &mut sink)?;
//! ```
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

pub mod asynch;
mod blocking;
mod error;
mod host;
mod poll;
#[cfg(feature = "tls")]
pub mod tls;

pub use blocking::{HoldsStream, NalConnector, NalError, NalStream};
pub use error::Error;
pub use poll::{GiveUp, Op, PollHook};
