//! The adapter's error: the stack's, the resolver's, or the poll hook giving up.

use core::fmt;

use embedded_io::ErrorKind;
use embedded_nal::{TcpError, TcpErrorKind};

use crate::poll::Op;

/// Why connecting, sending or receiving over an `embedded-nal` stack failed.
///
/// `E` is the stack's TCP error, `D` its resolver's.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
#[non_exhaustive]
pub enum Error<E, D> {
    /// The TCP stack failed.
    Stack(E),
    /// The host name could not be resolved.
    Dns(D),
    /// The poll hook gave up waiting for this operation.
    TimedOut(Op),
    /// The endpoint's host is not something this adapter can connect to (longer than a DNS
    /// name can be, or a malformed IP literal).
    InvalidHost,
    /// The endpoint is `https` but this connector sends plain TCP: put a TLS layer over it (and
    /// tell it so with [`NalConnector::beneath_tls`](crate::NalConnector::beneath_tls)). Refused
    /// rather than sending a signed request in clear text.
    TlsRequired,
    /// No connection is open (the stream was used after `disconnect`).
    NotConnected,
}

impl<E, D> Error<E, D> {
    /// A short static description, also used by `Display`.
    pub const fn as_str(&self) -> &'static str {
        match self {
            Error::Stack(_) => "TCP stack error",
            Error::Dns(_) => "host name not resolved",
            Error::TimedOut(_) => "timed out",
            Error::InvalidHost => "invalid endpoint host",
            Error::TlsRequired => "https endpoint on a plain TCP connector",
            Error::NotConnected => "not connected",
        }
    }
}

impl<E: fmt::Debug, D: fmt::Debug> fmt::Display for Error<E, D> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Error::Stack(e) => write!(f, "{}: {e:?}", self.as_str()),
            Error::Dns(e) => write!(f, "{}: {e:?}", self.as_str()),
            Error::TimedOut(op) => write!(f, "{} ({op})", self.as_str()),
            _ => f.write_str(self.as_str()),
        }
    }
}

impl<E: fmt::Debug, D: fmt::Debug> core::error::Error for Error<E, D> {}

impl<E: TcpError, D: fmt::Debug> embedded_io::Error for Error<E, D> {
    fn kind(&self) -> ErrorKind {
        match self {
            Error::Stack(e) => match e.kind() {
                TcpErrorKind::PipeClosed => ErrorKind::BrokenPipe,
                _ => ErrorKind::Other,
            },
            Error::Dns(_) => ErrorKind::NotFound,
            // The retry policy charges timeouts more and reports them as such.
            Error::TimedOut(_) => ErrorKind::TimedOut,
            Error::InvalidHost => ErrorKind::InvalidInput,
            Error::TlsRequired => ErrorKind::Unsupported,
            Error::NotConnected => ErrorKind::NotConnected,
        }
    }
}

#[cfg(feature = "defmt")]
impl<E, D> defmt::Format for Error<E, D> {
    fn format(&self, f: defmt::Formatter<'_>) {
        // The stack's and resolver's errors need not implement `defmt::Format`: the variant says
        // which layer failed.
        match self {
            Error::TimedOut(op) => defmt::write!(f, "{=str} ({})", self.as_str(), op),
            _ => defmt::write!(f, "{=str}", self.as_str()),
        }
    }
}
