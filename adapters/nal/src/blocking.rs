//! The blocking adapter: an `embedded-nal` [`TcpClientStack`] + [`Dns`] as the core's
//! [`Connector`].

use core::net::SocketAddr;

use embedded_io::{ErrorType, Read, Write};
use embedded_nal::{AddrType, Dns, TcpClientStack, TcpError, TcpErrorKind};
use picolambda::driver::Connector;
use picolambda::endpoint::{Endpoint, Scheme};

use crate::error::Error;
use crate::host::{target, Target, MAX_HOST};
use crate::poll::{GiveUp, Op, PollHook};

/// The error of a [`NalConnector`] over stack `S`.
pub type NalError<S> = Error<<S as TcpClientStack>::Error, <S as Dns>::Error>;

/// A [`Connector`] that can lend the stream it holds open, without connecting.
///
/// A layer over a connector (the TLS layer) connects once per session and then reads and
/// writes that one stream; asking `connect` again for each read would let a connector that
/// probes its kept-alive connection replace it mid-response.
pub trait HoldsStream: Connector {
    /// The open stream, if there is one.
    fn open_stream(&mut self) -> Option<&mut Self::Stream>;
}

/// A TCP connection through an `embedded-nal` stack, as `embedded_io` [`Read`] + [`Write`].
///
/// `WouldBlock` from the stack calls the [`PollHook`] and tries again; nothing else waits.
pub struct NalStream<S: TcpClientStack, H> {
    stack: S,
    hook: H,
    socket: Option<S::TcpSocket>,
}

impl<S: TcpClientStack, H> core::fmt::Debug for NalStream<S, H> {
    fn fmt(&self, f: &mut core::fmt::Formatter<'_>) -> core::fmt::Result {
        f.debug_struct("NalStream")
            .field("connected", &self.socket.is_some())
            .finish_non_exhaustive()
    }
}

/// Calls `op_fn` until it stops answering `WouldBlock`, calling the hook in between.
fn until_ready<T, E, F, H>(hook: &mut H, op: Op, mut op_fn: F) -> Result<T, WaitError<E>>
where
    F: FnMut() -> nb::Result<T, E>,
    H: PollHook,
{
    let mut waits: u32 = 0;
    loop {
        match op_fn() {
            Ok(v) => return Ok(v),
            Err(nb::Error::Other(e)) => return Err(WaitError::Failed(e)),
            Err(nb::Error::WouldBlock) => {
                hook.poll(op, waits).map_err(|GiveUp| WaitError::TimedOut)?;
                waits = waits.saturating_add(1);
            }
        }
    }
}

enum WaitError<E> {
    Failed(E),
    TimedOut,
}

impl<S, H> NalStream<S, H>
where
    S: TcpClientStack + Dns,
    H: PollHook,
{
    fn resolve(&mut self, endpoint: &Endpoint<'_>) -> Result<SocketAddr, NalError<S>> {
        let mut host_buf = [0u8; MAX_HOST];
        let ip = match target(endpoint, &mut host_buf).ok_or(Error::InvalidHost)? {
            Target::Ip(ip) => ip,
            Target::Name(name) => {
                let stack = &mut self.stack;
                until_ready(&mut self.hook, Op::Resolve, || {
                    stack.get_host_by_name(name, AddrType::Either)
                })
                .map_err(|e| match e {
                    WaitError::Failed(e) => Error::Dns(e),
                    WaitError::TimedOut => Error::TimedOut(Op::Resolve),
                })?
            }
        };
        Ok(SocketAddr::new(ip, endpoint.port()))
    }

    fn open(&mut self, remote: SocketAddr) -> Result<(), NalError<S>> {
        let mut socket = self.stack.socket().map_err(Error::Stack)?;
        let stack = &mut self.stack;
        let connected = until_ready(&mut self.hook, Op::Connect, || {
            stack.connect(&mut socket, remote)
        });
        match connected {
            Ok(()) => {
                self.socket = Some(socket);
                Ok(())
            }
            Err(e) => {
                // The socket is the stack's (often one of a few): give it back.
                let _ = self.stack.close(socket);
                Err(match e {
                    WaitError::Failed(e) => Error::Stack(e),
                    WaitError::TimedOut => Error::TimedOut(Op::Connect),
                })
            }
        }
    }
}

impl<S: TcpClientStack, H> NalStream<S, H> {
    fn close(&mut self) {
        if let Some(socket) = self.socket.take() {
            // Closing is best effort: the connection is abandoned either way.
            let _ = self.stack.close(socket);
        }
    }

    /// Whether a kept-alive connection can carry another request: the peer has not closed it
    /// and sent nothing unasked. One non-blocking `receive` of one byte: between requests
    /// nothing is due, so `WouldBlock` is the only healthy answer (a byte that did arrive is
    /// unasked-for and the connection is dropped anyway).
    fn probe_alive(&mut self) -> bool {
        let Some(socket) = self.socket.as_mut() else {
            return false;
        };
        let mut probe = [0u8; 1];
        matches!(
            self.stack.receive(socket, &mut probe),
            Err(nb::Error::WouldBlock)
        )
    }
}

impl<S, H> ErrorType for NalStream<S, H>
where
    S: TcpClientStack + Dns,
{
    type Error = NalError<S>;
}

impl<S, H> Read for NalStream<S, H>
where
    S: TcpClientStack + Dns,
    H: PollHook,
{
    fn read(&mut self, buf: &mut [u8]) -> Result<usize, Self::Error> {
        if buf.is_empty() {
            return Ok(0);
        }
        let socket = self.socket.as_mut().ok_or(Error::NotConnected)?;
        let stack = &mut self.stack;
        match until_ready(&mut self.hook, Op::Receive, || stack.receive(socket, buf)) {
            // `Ok(0)` is the peer's FIN, as the trait documents `WouldBlock` for "nothing yet".
            Ok(n) => Ok(n),
            // The peer closed its sending side: for HTTP framing that is the end of input.
            Err(WaitError::Failed(e)) if e.kind() == TcpErrorKind::PipeClosed => Ok(0),
            Err(WaitError::Failed(e)) => Err(Error::Stack(e)),
            Err(WaitError::TimedOut) => Err(Error::TimedOut(Op::Receive)),
        }
    }
}

impl<S, H> Write for NalStream<S, H>
where
    S: TcpClientStack + Dns,
    H: PollHook,
{
    fn write(&mut self, buf: &[u8]) -> Result<usize, Self::Error> {
        if buf.is_empty() {
            return Ok(0);
        }
        let socket = self.socket.as_mut().ok_or(Error::NotConnected)?;
        let stack = &mut self.stack;
        // `Ok(0)` for a non-empty buffer is a full send buffer on some stacks: waited on like
        // `WouldBlock`, because `write_all` must never see `Ok(0)` (it panics on it).
        let sent = until_ready(&mut self.hook, Op::Send, || match stack.send(socket, buf) {
            Ok(0) => Err(nb::Error::WouldBlock),
            other => other,
        });
        match sent {
            Ok(n) => Ok(n),
            Err(WaitError::Failed(e)) => Err(Error::Stack(e)),
            Err(WaitError::TimedOut) => Err(Error::TimedOut(Op::Send)),
        }
    }

    fn flush(&mut self) -> Result<(), Self::Error> {
        // `embedded-nal` has no flush: `send` hands the bytes to the stack.
        Ok(())
    }
}

/// Connects to Lambda endpoints through an `embedded-nal` stack: resolves the host
/// (`Dns::get_host_by_name`, or an IP literal as written), connects, and keeps the connection
/// for the next invoke until the driver calls [`Connector::disconnect`].
///
/// `S` is the stack (often `&mut Stack`: both traits are implemented for `&mut T`), `H` the
/// [`PollHook`] called on every `WouldBlock`.
///
/// Plain TCP only: an `https` endpoint is refused ([`Error::TlsRequired`]) unless the connector
/// was built [`beneath_tls`](Self::beneath_tls), so a signed request never goes out in clear
/// text by mistake. Dropping the connector closes its socket.
pub struct NalConnector<S, H>
where
    S: TcpClientStack + Dns,
{
    stream: NalStream<S, H>,
    beneath_tls: bool,
    connections_opened: u32,
}

impl<S, H> core::fmt::Debug for NalConnector<S, H>
where
    S: TcpClientStack + Dns,
{
    fn fmt(&self, f: &mut core::fmt::Formatter<'_>) -> core::fmt::Result {
        f.debug_struct("NalConnector")
            .field("stream", &self.stream)
            .field("beneath_tls", &self.beneath_tls)
            .field("connections_opened", &self.connections_opened)
            .finish()
    }
}

impl<S, H> NalConnector<S, H>
where
    S: TcpClientStack + Dns,
    H: PollHook,
{
    /// A connector over `stack`, waiting through `hook`.
    pub fn new(stack: S, hook: H) -> Self {
        Self {
            stream: NalStream {
                stack,
                hook,
                socket: None,
            },
            beneath_tls: false,
            connections_opened: 0,
        }
    }

    /// Accepts `https` endpoints: a TLS layer ([`TlsConnector`](crate::tls::TlsConnector)) runs
    /// over this connector.
    pub fn beneath_tls(mut self) -> Self {
        self.beneath_tls = true;
        self
    }

    /// How many TCP connections this connector has opened (keep-alive keeps this low).
    pub fn connections_opened(&self) -> u32 {
        self.connections_opened
    }

    /// The poll hook (to read counters or deadlines it keeps).
    pub fn hook(&self) -> &H {
        &self.stream.hook
    }

    /// The poll hook, mutably (to reset a deadline between invokes).
    pub fn hook_mut(&mut self) -> &mut H {
        &mut self.stream.hook
    }
}

impl<S, H> Connector for NalConnector<S, H>
where
    S: TcpClientStack + Dns,
    H: PollHook,
{
    type Error = NalError<S>;
    type Stream = NalStream<S, H>;

    fn connect(&mut self, endpoint: &Endpoint<'_>) -> Result<&mut Self::Stream, Self::Error> {
        if endpoint.scheme() == Scheme::Https && !self.beneath_tls {
            return Err(Error::TlsRequired);
        }
        if self.stream.socket.is_some() && !self.stream.probe_alive() {
            // Closed by the server while idle: replace it before writing, so the request is
            // not lost on a dead connection (where it would count as "may have run").
            self.stream.close();
        }
        if self.stream.socket.is_none() {
            let remote: SocketAddr = self.stream.resolve(endpoint)?;
            self.stream.open(remote)?;
            self.connections_opened = self.connections_opened.saturating_add(1);
        }
        Ok(&mut self.stream)
    }

    fn disconnect(&mut self) {
        self.stream.close();
    }
}

impl<S, H> HoldsStream for NalConnector<S, H>
where
    S: TcpClientStack + Dns,
    H: PollHook,
{
    fn open_stream(&mut self) -> Option<&mut Self::Stream> {
        match self.stream.socket {
            Some(_) => Some(&mut self.stream),
            None => None,
        }
    }
}

impl<S, H> Drop for NalConnector<S, H>
where
    S: TcpClientStack + Dns,
{
    fn drop(&mut self) {
        // Stacks hand out a few sockets; a dropped connector must not keep one.
        self.stream.close();
    }
}
