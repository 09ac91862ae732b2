//! Incremental HTTP/1.1 response parser (see issue 3).
