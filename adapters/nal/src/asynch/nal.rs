//! `embedded-nal-async`'s [`TcpConnect`] + [`Dns`] as an [`AsyncConnector`].

use core::fmt;
use core::net::SocketAddr;

use embedded_io::{ErrorKind, ErrorType};
use embedded_io_async::{Read, Write};
use embedded_nal::AddrType;
use embedded_nal_async::{Dns, TcpConnect};
use picolambda::endpoint::{Endpoint, Scheme};

use super::AsyncConnector;
use crate::host::{target, Target, MAX_HOST};

/// Why connecting, sending or receiving over an `embedded-nal-async` stack failed. `E` is the
/// stack's error, `D` its resolver's.
///
/// Timeouts are the stack's (embassy-net's `TcpSocket::set_timeout`) or the executor's: an
/// async operation waits by yielding, never by spinning.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
#[non_exhaustive]
pub enum AsyncNalError<E, D> {
    /// The TCP stack failed.
    Stack(E),
    /// The host name could not be resolved.
    Dns(D),
    /// The endpoint's host is longer than a DNS name can be, or a malformed IP literal.
    InvalidHost,
    /// The endpoint is `https` but this connector is plain TCP; see
    /// [`AsyncNalConnector::beneath_tls`].
    TlsRequired,
    /// No connection is open.
    NotConnected,
    /// The stack accepted no bytes of a non-empty write (a closed connection).
    WriteZero,
}

impl<E, D> AsyncNalError<E, D> {
    /// A short static description, also used by `Display`.
    pub const fn as_str(&self) -> &'static str {
        match self {
            AsyncNalError::Stack(_) => "TCP stack error",
            AsyncNalError::Dns(_) => "host name not resolved",
            AsyncNalError::InvalidHost => "invalid endpoint host",
            AsyncNalError::TlsRequired => "https endpoint on a plain TCP connector",
            AsyncNalError::NotConnected => "not connected",
            AsyncNalError::WriteZero => "connection accepted no bytes",
        }
    }
}

impl<E: fmt::Debug, D: fmt::Debug> fmt::Display for AsyncNalError<E, D> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            AsyncNalError::Stack(e) => write!(f, "{}: {e:?}", self.as_str()),
            AsyncNalError::Dns(e) => write!(f, "{}: {e:?}", self.as_str()),
            _ => f.write_str(self.as_str()),
        }
    }
}

impl<E: fmt::Debug, D: fmt::Debug> core::error::Error for AsyncNalError<E, D> {}

impl<E: embedded_io::Error, D: fmt::Debug> embedded_io::Error for AsyncNalError<E, D> {
    fn kind(&self) -> ErrorKind {
        match self {
            AsyncNalError::Stack(e) => e.kind(),
            AsyncNalError::Dns(_) => ErrorKind::NotFound,
            AsyncNalError::InvalidHost => ErrorKind::InvalidInput,
            AsyncNalError::TlsRequired => ErrorKind::Unsupported,
            AsyncNalError::NotConnected => ErrorKind::NotConnected,
            AsyncNalError::WriteZero => ErrorKind::WriteZero,
        }
    }
}

#[cfg(feature = "defmt")]
impl<E, D> defmt::Format for AsyncNalError<E, D> {
    fn format(&self, f: defmt::Formatter<'_>) {
        defmt::write!(f, "{=str}", self.as_str())
    }
}

/// A connection from an `embedded-nal-async` stack, with the adapter's error type.
pub struct AsyncNalStream<'a, T: TcpConnect + 'a, D> {
    conn: T::Connection<'a>,
    _dns: core::marker::PhantomData<fn() -> D>,
}

impl<'a, T: TcpConnect + 'a, D> fmt::Debug for AsyncNalStream<'a, T, D> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("AsyncNalStream").finish_non_exhaustive()
    }
}

impl<'a, T: TcpConnect + 'a, D: Dns> ErrorType for AsyncNalStream<'a, T, D> {
    type Error = AsyncNalError<T::Error, D::Error>;
}

impl<'a, T: TcpConnect + 'a, D: Dns> Read for AsyncNalStream<'a, T, D> {
    async fn read(&mut self, buf: &mut [u8]) -> Result<usize, Self::Error> {
        self.conn.read(buf).await.map_err(AsyncNalError::Stack)
    }
}

impl<'a, T: TcpConnect + 'a, D: Dns> Write for AsyncNalStream<'a, T, D> {
    async fn write(&mut self, buf: &[u8]) -> Result<usize, Self::Error> {
        match self.conn.write(buf).await {
            // `write_all` must never see `Ok(0)` for a non-empty buffer (it panics on it).
            Ok(0) if !buf.is_empty() => Err(AsyncNalError::WriteZero),
            other => other.map_err(AsyncNalError::Stack),
        }
    }

    async fn flush(&mut self) -> Result<(), Self::Error> {
        self.conn.flush().await.map_err(AsyncNalError::Stack)
    }
}

/// Connects to Lambda endpoints through an `embedded-nal-async` stack (`stack` for TCP, `dns`
/// for names; embassy-net's `TcpClient` and `DnsSocket`), keeping the connection for the next
/// invoke until the loop disconnects it.
///
/// Plain TCP: `https` endpoints are refused unless built [`beneath_tls`](Self::beneath_tls).
///
/// Keep-alive caveat: `TcpConnect` connections cannot be checked without reading, so a
/// connection the server closed while idle is discovered only when the response does not come,
/// and a `RequestResponse` invoke is then not retried ("may have run"). After an idle period
/// longer than the server's keep-alive timeout, call
/// [`disconnect`](AsyncConnector::disconnect) before the next invoke.
pub struct AsyncNalConnector<'a, T: TcpConnect + 'a, D: Dns> {
    stack: &'a T,
    dns: &'a D,
    stream: Option<AsyncNalStream<'a, T, D>>,
    beneath_tls: bool,
    connections_opened: u32,
}

impl<'a, T: TcpConnect + 'a, D: Dns> fmt::Debug for AsyncNalConnector<'a, T, D> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("AsyncNalConnector")
            .field("connected", &self.stream.is_some())
            .field("beneath_tls", &self.beneath_tls)
            .field("connections_opened", &self.connections_opened)
            .finish()
    }
}

impl<'a, T: TcpConnect + 'a, D: Dns> AsyncNalConnector<'a, T, D> {
    /// A connector over `stack`, resolving names with `dns`.
    pub fn new(stack: &'a T, dns: &'a D) -> Self {
        Self {
            stack,
            dns,
            stream: None,
            beneath_tls: false,
            connections_opened: 0,
        }
    }

    /// Accepts `https` endpoints: a TLS layer runs over this connector.
    pub fn beneath_tls(mut self) -> Self {
        self.beneath_tls = true;
        self
    }

    /// How many TCP connections this connector has opened.
    pub fn connections_opened(&self) -> u32 {
        self.connections_opened
    }

    async fn resolve(
        &self,
        endpoint: &Endpoint<'_>,
    ) -> Result<SocketAddr, AsyncNalError<T::Error, D::Error>> {
        let mut host_buf = [0u8; MAX_HOST];
        let ip = match target(endpoint, &mut host_buf).ok_or(AsyncNalError::InvalidHost)? {
            Target::Ip(ip) => ip,
            Target::Name(name) => self
                .dns
                .get_host_by_name(name, AddrType::Either)
                .await
                .map_err(AsyncNalError::Dns)?,
        };
        Ok(SocketAddr::new(ip, endpoint.port()))
    }
}

impl<'a, T: TcpConnect + 'a, D: Dns> AsyncConnector for AsyncNalConnector<'a, T, D> {
    type Error = AsyncNalError<T::Error, D::Error>;
    type Stream = AsyncNalStream<'a, T, D>;

    async fn connect(&mut self, endpoint: &Endpoint<'_>) -> Result<&mut Self::Stream, Self::Error> {
        if endpoint.scheme() == Scheme::Https && !self.beneath_tls {
            return Err(AsyncNalError::TlsRequired);
        }
        // `TcpConnect` offers no non-blocking peek to check a kept-alive connection (the
        // blocking adapter probes it), so one the server closed while idle is found dead only
        // after the request went out: see the type's docs.
        if self.stream.is_none() {
            let remote = self.resolve(endpoint).await?;
            let stack: &'a T = self.stack;
            let conn = stack.connect(remote).await.map_err(AsyncNalError::Stack)?;
            self.connections_opened = self.connections_opened.saturating_add(1);
            self.stream = Some(AsyncNalStream {
                conn,
                _dns: core::marker::PhantomData,
            });
        }
        self.stream.as_mut().ok_or(AsyncNalError::NotConnected)
    }

    async fn disconnect(&mut self) {
        // Dropping the connection closes it.
        self.stream = None;
    }

    fn open_stream(&mut self) -> Option<&mut Self::Stream> {
        self.stream.as_mut()
    }
}
