//! Connected streams for the core's driver: TCP with timeouts, TLS with rustls, keep-alive.

use std::io::{self, Read as _, Write as _};
use std::net::{TcpStream, ToSocketAddrs};
use std::sync::Arc;
use std::time::Duration;

use picolambda::driver::Connector;
use picolambda::endpoint::{Endpoint, Scheme};
use rustls::pki_types::{CertificateDer, ServerName};

/// How long a synchronous invoke may take: Lambda's 15-minute maximum plus a margin for the
/// response to travel back.
pub const DEFAULT_READ_TIMEOUT: Duration = Duration::from_secs(15 * 60 + 30);
/// How long to wait for a TCP connection.
pub const DEFAULT_CONNECT_TIMEOUT: Duration = Duration::from_secs(10);

/// Timeouts and trust for [`StdConnector`].
#[derive(Clone)]
pub struct NetConfig {
    /// Per-address TCP connect timeout.
    pub connect_timeout: Duration,
    /// Read timeout: must cover the function's run time for synchronous invokes.
    pub read_timeout: Duration,
    /// Write timeout.
    pub write_timeout: Duration,
    /// TLS configuration (certificate verification is always on).
    pub tls: Arc<rustls::ClientConfig>,
}

impl std::fmt::Debug for NetConfig {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("NetConfig")
            .field("connect_timeout", &self.connect_timeout)
            .field("read_timeout", &self.read_timeout)
            .field("write_timeout", &self.write_timeout)
            .finish_non_exhaustive()
    }
}

fn provider() -> Arc<rustls::crypto::CryptoProvider> {
    Arc::new(rustls::crypto::ring::default_provider())
}

/// A TLS configuration trusting the Mozilla roots shipped in `webpki-roots`.
pub fn tls_with_public_roots() -> Arc<rustls::ClientConfig> {
    let mut roots = rustls::RootCertStore::empty();
    roots.extend(webpki_roots::TLS_SERVER_ROOTS.iter().cloned());
    tls_with_roots(roots)
}

/// A TLS configuration trusting only `ca_certs` (DER): for tests and private endpoints.
pub fn tls_with_custom_ca(
    ca_certs: &[CertificateDer<'static>],
) -> io::Result<Arc<rustls::ClientConfig>> {
    let mut roots = rustls::RootCertStore::empty();
    for cert in ca_certs {
        roots
            .add(cert.clone())
            .map_err(|e| io::Error::new(io::ErrorKind::InvalidData, e))?;
    }
    Ok(tls_with_roots(roots))
}

fn tls_with_roots(roots: rustls::RootCertStore) -> Arc<rustls::ClientConfig> {
    let config = rustls::ClientConfig::builder_with_provider(provider())
        .with_safe_default_protocol_versions()
        .map(|b| b.with_root_certificates(roots).with_no_client_auth())
        // The ring provider supports the default versions; this cannot fail with it.
        .unwrap_or_else(|e| panic!("rustls provider: {e}"));
    Arc::new(config)
}

impl Default for NetConfig {
    fn default() -> Self {
        Self {
            connect_timeout: DEFAULT_CONNECT_TIMEOUT,
            read_timeout: DEFAULT_READ_TIMEOUT,
            write_timeout: Duration::from_secs(60),
            tls: tls_with_public_roots(),
        }
    }
}

/// A plain or TLS stream over TCP, as `embedded_io` traits for the driver.
pub enum StdStream {
    /// Plain HTTP.
    Plain(TcpStream),
    /// HTTPS.
    Tls(Box<rustls::StreamOwned<rustls::ClientConnection, TcpStream>>),
}

impl std::fmt::Debug for StdStream {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match self {
            StdStream::Plain(s) => f.debug_tuple("Plain").field(s).finish(),
            StdStream::Tls(s) => f.debug_tuple("Tls").field(&s.sock).finish(),
        }
    }
}

impl StdStream {
    fn tcp(&self) -> &TcpStream {
        match self {
            StdStream::Plain(s) => s,
            StdStream::Tls(s) => &s.sock,
        }
    }

    /// Whether a kept-alive connection is still usable: the peer has not closed it and sent
    /// nothing unasked. Checked with a non-blocking peek before each reuse, so a connection the
    /// server timed out is replaced before the request is written, not after.
    fn is_reusable(&self) -> bool {
        let tcp = self.tcp();
        if tcp.set_nonblocking(true).is_err() {
            return false;
        }
        let mut probe = [0u8; 1];
        let alive =
            matches!(tcp.peek(&mut probe), Err(ref e) if e.kind() == io::ErrorKind::WouldBlock);
        tcp.set_nonblocking(false).is_ok() && alive
    }
}

impl embedded_io::ErrorType for StdStream {
    type Error = io::Error;
}

impl embedded_io::Read for StdStream {
    fn read(&mut self, buf: &mut [u8]) -> io::Result<usize> {
        let r = match self {
            StdStream::Plain(s) => s.read(buf),
            StdStream::Tls(s) => s.read(buf),
        };
        match r {
            // A TLS peer that closes without close_notify: for HTTP framing this is an EOF.
            Err(e) if e.kind() == io::ErrorKind::UnexpectedEof => Ok(0),
            other => other.map_err(timeout_kind),
        }
    }
}

/// std reports a socket timeout as `WouldBlock` on Unix; the driver wants `TimedOut` (it
/// decides retry costs and "may have run" from it). One mapping for reads, writes and handshakes.
fn timeout_kind(e: io::Error) -> io::Error {
    if e.kind() == io::ErrorKind::WouldBlock {
        io::Error::new(io::ErrorKind::TimedOut, e)
    } else {
        e
    }
}

impl embedded_io::Write for StdStream {
    fn write(&mut self, buf: &[u8]) -> io::Result<usize> {
        match self {
            StdStream::Plain(s) => s.write(buf),
            StdStream::Tls(s) => s.write(buf),
        }
        .map_err(timeout_kind)
    }

    fn flush(&mut self) -> io::Result<()> {
        match self {
            StdStream::Plain(s) => s.flush(),
            StdStream::Tls(s) => s.flush(),
        }
    }
}

/// Connects to endpoints over TCP (and TLS for `https`), keeping one connection alive across
/// invokes and replacing it when the server has closed it.
#[derive(Debug)]
pub struct StdConnector {
    config: NetConfig,
    current: Option<StdStream>,
    connections_opened: u64,
}

impl StdConnector {
    /// A connector with the given timeouts and trust.
    pub fn new(config: NetConfig) -> Self {
        Self {
            config,
            current: None,
            connections_opened: 0,
        }
    }

    /// How many connections this connector has opened (keep-alive makes this small).
    pub fn connections_opened(&self) -> u64 {
        self.connections_opened
    }

    fn open(&mut self, endpoint: &Endpoint<'_>) -> io::Result<StdStream> {
        let mut host_buf = [0u8; 253];
        let host = endpoint
            .host()
            .write_into(&mut host_buf)
            .ok_or_else(|| io::Error::new(io::ErrorKind::InvalidInput, "host name too long"))?
            .to_string();
        let bare = host.trim_start_matches('[').trim_end_matches(']');
        let mut last = io::Error::new(io::ErrorKind::NotFound, format!("{host}: no address"));
        let mut tcp = None;
        for addr in (bare, endpoint.port()).to_socket_addrs()? {
            match TcpStream::connect_timeout(&addr, self.config.connect_timeout) {
                Ok(s) => {
                    tcp = Some(s);
                    break;
                }
                Err(e) => last = e,
            }
        }
        let tcp = tcp.ok_or(last)?;
        tcp.set_read_timeout(Some(self.config.read_timeout))?;
        tcp.set_write_timeout(Some(self.config.write_timeout))?;
        tcp.set_nodelay(true)?;
        self.connections_opened += 1;
        log::debug!("connected to {host}:{}", endpoint.port());
        match endpoint.scheme() {
            Scheme::Http => Ok(StdStream::Plain(tcp)),
            Scheme::Https => {
                let name = ServerName::try_from(bare.to_string())
                    .map_err(|e| io::Error::new(io::ErrorKind::InvalidInput, e))?;
                let conn = rustls::ClientConnection::new(self.config.tls.clone(), name)
                    .map_err(io::Error::other)?;
                let mut stream = rustls::StreamOwned::new(conn, tcp);
                // Handshake now, so certificate errors surface as connect failures (nothing sent).
                // The handshake is part of connecting: bound it by the connect timeout, not by
                // the read timeout that must cover a 15-minute invoke.
                stream
                    .sock
                    .set_read_timeout(Some(self.config.connect_timeout))?;
                while stream.conn.is_handshaking() {
                    stream
                        .conn
                        .complete_io(&mut stream.sock)
                        .map_err(timeout_kind)?;
                }
                stream
                    .sock
                    .set_read_timeout(Some(self.config.read_timeout))?;
                Ok(StdStream::Tls(Box::new(stream)))
            }
        }
    }
}

impl Connector for StdConnector {
    type Error = io::Error;
    type Stream = StdStream;

    fn connect(&mut self, endpoint: &Endpoint<'_>) -> io::Result<&mut StdStream> {
        if self.current.as_ref().is_some_and(|s| !s.is_reusable()) {
            log::debug!("kept-alive connection was closed by the server; reconnecting");
            self.current = None;
        }
        let stream = match self.current.take() {
            Some(s) => s,
            None => self.open(endpoint)?,
        };
        Ok(self.current.insert(stream))
    }

    fn disconnect(&mut self) {
        self.current = None;
    }
}
