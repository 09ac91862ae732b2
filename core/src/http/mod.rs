//! HTTP/1.1: the request head writer, the incremental response parser and body framing.

pub mod request;
pub mod response;
