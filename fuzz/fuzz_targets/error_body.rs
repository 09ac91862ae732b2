//! The Lambda error decoder (`ServiceError::from_parts`) on arbitrary bytes.
//!
//! Input: two bytes of status, one byte `n`, then `n` bytes of `x-amzn-ErrorType` (absent when
//! `n` is 0 or the bytes are not UTF-8) and the body. It must never panic and never fail, and what
//! it returns must respect its bounds.
#![no_main]

use libfuzzer_sys::fuzz_target;
use picolambda::invoke::response::{
    ServiceError, ServiceErrorKind, ERROR_CODE_CAPACITY, MESSAGE_CAPACITY,
};

fuzz_target!(|data: &[u8]| {
    let [hi, lo, n, rest @ ..] = data else { return };
    let status = u16::from_be_bytes([*hi, *lo]);
    let (header, body) = rest.split_at(usize::from(*n).min(rest.len()));
    let header = std::str::from_utf8(header).ok().filter(|h| !h.is_empty());
    let e = ServiceError::from_parts(status, header, body);
    assert_eq!(e.status, status);
    assert!(e.message().len() <= MESSAGE_CAPACITY);
    if let Some(code) = &e.code {
        assert!(code.len() <= ERROR_CODE_CAPACITY);
        assert_eq!(ServiceErrorKind::from_code(code), e.kind);
    } else {
        assert_eq!(e.kind, ServiceErrorKind::Unknown);
    }
});
