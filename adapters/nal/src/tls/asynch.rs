//! The async TLS layer: the blocking one's twin over `embedded-io-async`.

use core::fmt;

use embedded_io::ErrorType;
use embedded_io_async::{Read, Write};
use embedded_tls::{CryptoProvider, TlsCipherSuite, TlsConfig, TlsConnection, TlsContext};
use picolambda::endpoint::Endpoint;

use super::{is_end_of_input, refusal, server_name, Below, Checked, Session, TlsError};
use crate::asynch::AsyncConnector;
use crate::host::MAX_HOST;

/// The connector's stream, reached through the connector.
struct Lower<'b, C> {
    inner: &'b mut C,
}

impl<C: AsyncConnector> ErrorType for Lower<'_, C> {
    type Error = Below<C::Error>;
}

impl<C: AsyncConnector> Read for Lower<'_, C> {
    async fn read(&mut self, buf: &mut [u8]) -> Result<usize, Self::Error> {
        let stream = self.inner.open_stream().ok_or(Below::NotConnected)?;
        stream.read(buf).await.map_err(Below::Io)
    }
}

impl<C: AsyncConnector> Write for Lower<'_, C> {
    async fn write(&mut self, buf: &[u8]) -> Result<usize, Self::Error> {
        let stream = self.inner.open_stream().ok_or(Below::NotConnected)?;
        stream.write(buf).await.map_err(Below::Io)
    }

    async fn flush(&mut self) -> Result<(), Self::Error> {
        let stream = self.inner.open_stream().ok_or(Below::NotConnected)?;
        stream.flush().await.map_err(Below::Io)
    }
}

/// An open TLS session over a connector's stream: the [`AsyncTlsConnector`]'s stream.
pub struct AsyncTlsStream<'b, C, CS>
where
    C: AsyncConnector,
    CS: TlsCipherSuite + 'static,
{
    conn: TlsConnection<'b, Lower<'b, C>, CS>,
}

impl<C: AsyncConnector, CS: TlsCipherSuite + 'static> fmt::Debug for AsyncTlsStream<'_, C, CS> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("AsyncTlsStream").finish_non_exhaustive()
    }
}

impl<C: AsyncConnector, CS: TlsCipherSuite + 'static> ErrorType for AsyncTlsStream<'_, C, CS> {
    type Error = TlsError<C::Error>;
}

impl<C: AsyncConnector, CS: TlsCipherSuite + 'static> Read for AsyncTlsStream<'_, C, CS> {
    async fn read(&mut self, buf: &mut [u8]) -> Result<usize, Self::Error> {
        match self.conn.read(buf).await {
            Ok(n) => Ok(n),
            Err(e) if is_end_of_input(&e) => Ok(0),
            Err(e) => Err(TlsError::Tls(e)),
        }
    }
}

impl<C: AsyncConnector, CS: TlsCipherSuite + 'static> Write for AsyncTlsStream<'_, C, CS> {
    async fn write(&mut self, buf: &[u8]) -> Result<usize, Self::Error> {
        self.conn.write(buf).await.map_err(TlsError::Tls)
    }

    async fn flush(&mut self) -> Result<(), Self::Error> {
        self.conn.flush().await.map_err(TlsError::Tls)
    }
}

/// This connector's session: `C` below, an [`AsyncTlsStream`] when open.
type State<'b, C, CS> = Session<'b, C, AsyncTlsStream<'b, C, CS>>;

/// An [`AsyncConnector`] that runs one `embedded-tls` session over the connector `C` below it:
/// the async twin of [`TlsConnector`](super::TlsConnector), with the same verification and the
/// same one-session rule (see the [module docs](super)).
///
/// Drop it only after [`disconnect`](AsyncConnector::disconnect) (or once
/// [`is_ended`](Self::is_ended)): closing needs an `.await`, which `Drop` cannot do, so a
/// dropped open session leaves its TCP connection in the connector below, and the next session
/// would start on it.
pub struct AsyncTlsConnector<'b, C, P>
where
    C: AsyncConnector,
    P: CryptoProvider,
    P::CipherSuite: 'static,
{
    provider: &'b mut P,
    state: State<'b, C, P::CipherSuite>,
}

impl<C: AsyncConnector, P: CryptoProvider> fmt::Debug for AsyncTlsConnector<'_, C, P> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("AsyncTlsConnector")
            .field("state", &self.state.label())
            .finish_non_exhaustive()
    }
}

impl<'b, C, P> AsyncTlsConnector<'b, C, P>
where
    C: AsyncConnector,
    P: CryptoProvider,
{
    /// A connector for one TLS session over `inner`, verified by `provider`'s verifier, with
    /// `embedded-tls`'s record buffers (read: 16,640 bytes; write: at least 1 KiB).
    pub fn new(
        inner: &'b mut C,
        provider: &'b mut P,
        read_buf: &'b mut [u8],
        write_buf: &'b mut [u8],
    ) -> Self {
        Self {
            provider,
            state: Session::new(inner, read_buf, write_buf),
        }
    }

    /// Whether the session is over: make a new connector for the next one.
    pub fn is_ended(&self) -> bool {
        self.state.is_ended()
    }

    /// Whether the session is open (kept alive for the next invoke).
    pub fn is_open(&self) -> bool {
        self.state.is_open()
    }

    async fn handshake(&mut self, endpoint: &Endpoint<'_>) -> Result<(), TlsError<C::Error>> {
        let Some(inner) = self.state.idle_inner() else {
            return Err(TlsError::SessionEnded);
        };
        let mut host_buf = [0u8; MAX_HOST];
        let host = server_name(endpoint, &mut host_buf)?;
        // A session starts on a fresh TCP connection, never on one left from before.
        inner.disconnect().await;
        inner.connect(endpoint).await.map_err(TlsError::Transport)?;
        let Some((inner, read_buf, write_buf)) = self.state.start() else {
            return Err(TlsError::SessionEnded);
        };
        let mut conn = TlsConnection::new(Lower { inner }, read_buf, write_buf);
        let config = TlsConfig::new().with_server_name(host);
        let mut checked = Checked::new(&mut *self.provider);
        let opened = conn.open(TlsContext::new(&config, &mut checked)).await;
        let outcome = match refusal(opened, checked.verified()) {
            None => Ok(AsyncTlsStream { conn }),
            Some(refused) => {
                end_session(conn).await;
                Err(refused)
            }
        };
        self.state.settle(outcome)
    }
}

/// Ends a session: `close_notify` (best effort), then the TCP connection below.
async fn end_session<C: AsyncConnector, CS: TlsCipherSuite + 'static>(
    conn: TlsConnection<'_, Lower<'_, C>, CS>,
) {
    let lower = match conn.close().await {
        Ok(lower) | Err((lower, _)) => lower,
    };
    lower.inner.disconnect().await;
}

impl<'b, C, P> AsyncConnector for AsyncTlsConnector<'b, C, P>
where
    C: AsyncConnector,
    P: CryptoProvider,
{
    type Error = TlsError<C::Error>;
    type Stream = AsyncTlsStream<'b, C, P::CipherSuite>;

    async fn connect(&mut self, endpoint: &Endpoint<'_>) -> Result<&mut Self::Stream, Self::Error> {
        if self.state.is_idle() {
            self.handshake(endpoint).await?;
        }
        self.state.stream()
    }

    async fn disconnect(&mut self) {
        // With no session yet (a failed TCP connect) the buffers stay unused, so the next
        // connect can still open the session.
        if let Some(inner) = self.state.idle_inner() {
            inner.disconnect().await;
        } else if let Some(stream) = self.state.take_open() {
            end_session(stream.conn).await;
        }
    }

    fn open_stream(&mut self) -> Option<&mut Self::Stream> {
        self.state.open_stream()
    }
}
