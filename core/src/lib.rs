//! picolambda: a sans-IO, `no_std`, allocation-free client core for the AWS Lambda `Invoke` API.
//!
//! It does no I/O. It writes SigV4-signed HTTP/1.1 `Invoke` requests into buffers you provide
//! and parses responses fed to it in pieces of any size; the time comes in from you. Sockets,
//! TLS, clocks and random numbers belong to the caller (or to an adapter: `picolambda-std`,
//! `picolambda-nal`).
//!
//! ```text
//!  InvokeRequest, Endpoint,  ──> http::request::InvokeHead::write ──> head bytes ──> your socket
//!  Credentials, Timestamp,                                            then the payload you hashed
//!  PayloadHash
//!  bytes from your socket ──> invoke::response::InvokeResponseReader ──> InvokeOutcome
//!   (any split)                        │                                  (status, FunctionError,
//!                                      └─> payload chunks to your sink     LogResult, request id,
//!                                                                          typed service errors)
//! ```
//!
//! | buffer (yours) | size |
//! |---|---|
//! | request head | ~600 B + session token + client context; [`invoke::RequestError::BufferTooSmall`] states the exact need, and nothing is written |
//! | receive buffer | any size; no line has to fit in it |
//! | `LogResult` | 4,096 B holds the largest log tail Lambda returns |
//! | reader state | about 1.6 KiB on 32-bit targets, 1.7 KiB on 64-bit hosts (`InvokeResponseReader` with its bounded header values) |
//!
//! Features: `driver` adds [`driver`], the one blocking loop (sign, send, parse, retry) over
//! `embedded_io` streams; `defmt` adds `defmt::Format` to public types; `small-sha256` trades
//! `sha2`'s unrolled compression for a rolled one about 1.3 KB smaller (for firmware with no
//! other SHA-256 user; with `embedded-tls` leave it off so both share `sha2`). Nothing is on by
//! default.
//!
//! No panics: the library denies `unwrap`, `expect`, `panic!` and unchecked indexing; it is
//! fuzzed, and built for `thumbv6m-none-eabi`, `thumbv7em-none-eabihf` and
//! `riscv32imc-unknown-none-elf`. Secrets are never printed; derived keys are zeroized on drop.
//!
//! The whole loop, with a canned response standing in for the network:
//!
//! ```
//! use picolambda::endpoint::{Endpoint, EndpointOptions};
//! use picolambda::http::request::InvokeHead;
//! use picolambda::invoke::response::{InvokeOutcome, InvokeResponseReader, LogResult};
//! use picolambda::invoke::{FunctionName, InvokeRequest, LogType, Qualifier};
//! use picolambda::sigv4::{Credentials, PayloadHash, Signer};
//! use picolambda::time::Timestamp;
//!
//! // Inputs, validated: nothing invalid can reach the request line or a header.
//! let request = InvokeRequest::new(FunctionName::new("my-function")?)
//!     .with_qualifier(Qualifier::new("live")?)
//!     .with_log_type(LogType::Tail);
//! let endpoint = Endpoint::aws("eu-west-1", EndpointOptions::default())?;
//! let credentials = Credentials::new("AKIDEXAMPLE", "wJalrXUtnFEMI/K7MDENG+bPxRfiCYEXAMPLEKEY", None)?;
//! let mut signer = Signer::new(credentials); // keep it: the signing key is cached per day
//!
//! // Sign and write the head into a fixed buffer.
//! let payload = br#"{"hello":"world"}"#;
//! let hash = PayloadHash::of(payload);
//! let now = Timestamp::from_unix_secs(1_700_000_000); // from your clock
//! let mut head = [0u8; 1024];
//! let n = InvokeHead::new(&request, &endpoint, &credentials, now, &hash)?.write(&mut signer, &mut head)?;
//! assert!(head[..n].starts_with(b"POST /2015-03-31/functions/my-function/invocations?Qualifier=live HTTP/1.1\r\n"));
//! // ... send head[..n], then `payload` ...
//!
//! // Feed what comes back, in whatever pieces the socket gives.
//! let response = b"HTTP/1.1 200 OK\r\nX-Amz-Executed-Version: 3\r\n\
//!     X-Amz-Log-Result: aGVsbG8=\r\nContent-Length: 4\r\n\r\n\"hi\"";
//! let mut log = [0u8; 4096];
//! let mut reader: InvokeResponseReader<'_> = InvokeResponseReader::new(&mut log);
//! let mut body = [0u8; 64];
//! let mut body_len = 0;
//! let mut sink = |chunk: &[u8]| -> Result<(), core::convert::Infallible> {
//!     body[body_len..body_len + chunk.len()].copy_from_slice(chunk);
//!     body_len += chunk.len();
//!     Ok(())
//! };
//! let mut outcome = None;
//! for piece in response.chunks(7) {
//!     if let Some(o) = reader.handle_input(piece, &mut sink)?.outcome {
//!         outcome = Some(o);
//!     }
//! }
//! let Some(InvokeOutcome::Success(ok)) = outcome else { panic!("expected a success") };
//! assert_eq!(ok.executed_version.as_deref(), Some("3"));
//! assert_eq!(ok.log_result, Some(LogResult::Decoded { len: 5 }));
//! assert_eq!(&body[..body_len], b"\"hi\"");
//! assert_eq!(&log[..5], b"hello");
//! # Ok::<(), Box<dyn core::error::Error>>(())
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
