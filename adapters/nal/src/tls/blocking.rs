//! The blocking TLS layer.

use core::fmt;

use embedded_io::{ErrorType, Read, Write};
use embedded_tls::blocking::{TlsConfig, TlsConnection, TlsContext};
use embedded_tls::{CryptoProvider, TlsCipherSuite};
use picolambda::driver::Connector;
use picolambda::endpoint::Endpoint;

use super::{is_end_of_input, refusal, server_name, Below, Checked, Session, TlsError};
use crate::blocking::HoldsStream;
use crate::host::MAX_HOST;

/// The connector's stream, reached through the connector (see [`HoldsStream`]).
struct Lower<'b, C> {
    inner: &'b mut C,
}

impl<C: HoldsStream> ErrorType for Lower<'_, C> {
    type Error = Below<C::Error>;
}

impl<C: HoldsStream> Read for Lower<'_, C> {
    fn read(&mut self, buf: &mut [u8]) -> Result<usize, Self::Error> {
        let stream = self.inner.open_stream().ok_or(Below::NotConnected)?;
        stream.read(buf).map_err(Below::Io)
    }
}

impl<C: HoldsStream> Write for Lower<'_, C> {
    fn write(&mut self, buf: &[u8]) -> Result<usize, Self::Error> {
        let stream = self.inner.open_stream().ok_or(Below::NotConnected)?;
        stream.write(buf).map_err(Below::Io)
    }

    fn flush(&mut self) -> Result<(), Self::Error> {
        let stream = self.inner.open_stream().ok_or(Below::NotConnected)?;
        stream.flush().map_err(Below::Io)
    }
}

/// An open TLS session over a connector's stream: the [`TlsConnector`]'s stream.
pub struct TlsStream<'b, C, CS>
where
    C: HoldsStream,
    CS: TlsCipherSuite + 'static,
{
    conn: TlsConnection<'b, Lower<'b, C>, CS>,
}

impl<C: HoldsStream, CS: TlsCipherSuite + 'static> fmt::Debug for TlsStream<'_, C, CS> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("TlsStream").finish_non_exhaustive()
    }
}

impl<C: HoldsStream, CS: TlsCipherSuite + 'static> ErrorType for TlsStream<'_, C, CS> {
    type Error = TlsError<C::Error>;
}

impl<C: HoldsStream, CS: TlsCipherSuite + 'static> Read for TlsStream<'_, C, CS> {
    fn read(&mut self, buf: &mut [u8]) -> Result<usize, Self::Error> {
        match self.conn.read(buf) {
            Ok(n) => Ok(n),
            Err(e) if is_end_of_input(&e) => Ok(0),
            Err(e) => Err(TlsError::Tls(e)),
        }
    }
}

impl<C: HoldsStream, CS: TlsCipherSuite + 'static> Write for TlsStream<'_, C, CS> {
    fn write(&mut self, buf: &[u8]) -> Result<usize, Self::Error> {
        match self.conn.write(buf) {
            // `embedded-tls` buffers into its record and answers 0 only for an empty `buf`.
            Ok(n) => Ok(n),
            Err(e) => Err(TlsError::Tls(e)),
        }
    }

    fn flush(&mut self) -> Result<(), Self::Error> {
        self.conn.flush().map_err(TlsError::Tls)
    }
}

/// This connector's session: `C` below, a [`TlsStream`] when open.
type State<'b, C, CS> = Session<'b, C, TlsStream<'b, C, CS>>;

/// A [`Connector`] that runs one `embedded-tls` session (TLS 1.3, server verified) over the
/// stream of the connector `C` below it. See the [module docs](super) for what is verified and
/// why a connector carries one session.
///
/// ```ignore
/// let mut tcp = NalConnector::new(&mut stack, hook).beneath_tls();
/// let mut provider = CaProvider::<_>::new(rng, CA_DER);
/// let (mut rx, mut tx) = ([0u8; 16_640], [0u8; 4096]);
/// loop {
///     let mut tls = TlsConnector::new(&mut tcp, &mut provider, &mut rx, &mut tx);
///     while !tls.is_ended() {
///         let outcome = picolambda::driver::invoke(&mut client, &mut tls, &mut env, &request,
///             &mut payload, &mut buffers, &mut sink);
///         // …
///     }
/// }
/// ```
pub struct TlsConnector<'b, C, P>
where
    C: HoldsStream,
    P: CryptoProvider,
    P::CipherSuite: 'static,
{
    provider: &'b mut P,
    state: State<'b, C, P::CipherSuite>,
}

impl<C, P> fmt::Debug for TlsConnector<'_, C, P>
where
    C: HoldsStream,
    P: CryptoProvider,
{
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("TlsConnector")
            .field("state", &self.state.label())
            .finish_non_exhaustive()
    }
}

impl<'b, C, P> TlsConnector<'b, C, P>
where
    C: HoldsStream,
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

    fn handshake(&mut self, endpoint: &Endpoint<'_>) -> Result<(), TlsError<C::Error>> {
        let Some(inner) = self.state.idle_inner() else {
            return Err(TlsError::SessionEnded);
        };
        let mut host_buf = [0u8; MAX_HOST];
        let host = server_name(endpoint, &mut host_buf)?;
        // A session starts on a fresh TCP connection, never on one left from before.
        inner.disconnect();
        inner.connect(endpoint).map_err(TlsError::Transport)?;
        let Some((inner, read_buf, write_buf)) = self.state.start() else {
            return Err(TlsError::SessionEnded);
        };
        let mut conn = TlsConnection::new(Lower { inner }, read_buf, write_buf);
        let config = TlsConfig::new().with_server_name(host);
        let mut checked = Checked::new(&mut *self.provider);
        let opened = conn.open(TlsContext::new(&config, &mut checked));
        let outcome = match refusal(opened, checked.verified()) {
            None => Ok(TlsStream { conn }),
            Some(refused) => {
                end_session(conn);
                Err(refused)
            }
        };
        self.state.settle(outcome)
    }
}

/// Ends a session: `close_notify` (best effort: `embedded-tls` hands the stream back only
/// through `close`, which writes it), then the TCP connection below.
fn end_session<C: HoldsStream, CS: TlsCipherSuite + 'static>(
    conn: TlsConnection<'_, Lower<'_, C>, CS>,
) {
    let lower = match conn.close() {
        Ok(lower) | Err((lower, _)) => lower,
    };
    lower.inner.disconnect();
}

impl<'b, C, P> Connector for TlsConnector<'b, C, P>
where
    C: HoldsStream,
    P: CryptoProvider,
{
    type Error = TlsError<C::Error>;
    type Stream = TlsStream<'b, C, P::CipherSuite>;

    fn connect(&mut self, endpoint: &Endpoint<'_>) -> Result<&mut Self::Stream, Self::Error> {
        if self.state.is_idle() {
            self.handshake(endpoint)?;
        }
        self.state.stream()
    }

    fn disconnect(&mut self) {
        // With no session yet (a failed TCP connect) the buffers stay unused, so the next
        // connect can still open the session.
        if let Some(inner) = self.state.idle_inner() {
            inner.disconnect();
        } else if let Some(stream) = self.state.take_open() {
            end_session(stream.conn);
        }
    }
}

impl<C, P> Drop for TlsConnector<'_, C, P>
where
    C: HoldsStream,
    P: CryptoProvider,
{
    fn drop(&mut self) {
        // The connector below outlives this one: leave it without the dead session's TCP
        // connection, which a later session must not inherit.
        if !self.state.is_idle() {
            self.disconnect();
        }
    }
}
