//! picolambda on hosts: the core's driver over std sockets with rustls, and a local
//! Lambda-compatible endpoint for tests.
//!
//! - [`LambdaClient`]: the whole invoke (sign, send, receive, retry, clock-skew correction) with
//!   owned configuration read as the AWS SDKs read it ([`ClientConfig::from_env`]).
//! - [`net::StdConnector`]: TCP with connect/read/write timeouts (the read timeout covers a
//!   15-minute synchronous invoke), TLS with rustls and `webpki-roots` or a custom CA,
//!   certificate verification always on, HTTP/1.1 keep-alive with transparent reconnects.
//! - [`local`]: a Lambda-compatible endpoint on loopback that verifies SigV4 and runs closures.
//!
//! Logging goes through the `log` crate; no secret or `Authorization` value is ever logged.

pub mod client;
pub mod config;
pub mod env;
pub mod local;
pub mod net;

pub use client::{ClientConfig, ConfigError, InvokeResponse, LambdaClient};
pub use config::OwnedCredentials;
