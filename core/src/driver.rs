//! The whole `Invoke` call over a blocking byte stream: sign, send, receive, retry.
//!
//! The driver is the only request/response loop in picolambda; adapters supply connected streams
//! ([`Connector`]), a clock, a sleep and random numbers ([`Environment`]). Everything the loop
//! decides is delegated to the sans-IO parts, which an async loop (in `picolambda-nal`) uses the
//! same way: [`Client::write_head`] signs an attempt at the skew-corrected time,
//! [`InvokeResponseReader`] parses what comes back, and [`Invocation::finish`] turns the attempt's
//! result into a retry [`Decision`].
//!
//! ```text
//! loop {
//!     head  = client.write_head(invocation, env.now(), buffers.head)   // SigV4 at corrected time
//!     conn  = connector.connect(endpoint)                               // may reuse a kept-alive one
//!     conn.write_all(head); payload.send(conn)                          // streamed, never buffered
//!     while reader.handle_input(conn.read(buffers.rx)) is incomplete {} // any split
//!     match invocation.finish(client, result, env.now(), env.random_u32()) {
//!         Done => return outcome, Retry { delay_ms } => env.sleep_ms(delay_ms), GiveUp => return error
//!     }
//! }
//! ```
//!
//! Retries follow [`crate::retry`]: a `RequestResponse` invoke whose request was completely sent
//! is not sent again after a dropped connection or a read timeout unless the caller opts in, so a
//! function never runs twice behind the caller's back.

use core::fmt;

use embedded_io::{ErrorKind, Read, Seek, SeekFrom, Write};

use crate::endpoint::Endpoint;
use crate::http::request::InvokeHead;
use crate::http::response::ResponseError;
use crate::invoke::response::{InvokeOutcome, InvokeResponseReader, PayloadSink, ReadError};
use crate::invoke::{InvokeRequest, RequestError};
use crate::retry::{
    AttemptOutcome, ClockSkew, Decision, GiveUpReason, Jitter, RetryConfig, RetryQuota, RetryState,
    ServiceFailure,
};
use crate::sigv4::{Credentials, PayloadHash, PayloadHasher, Signer};
use crate::time::Timestamp;

/// A client: credentials with their cached signing key, the endpoint, the retry policy and the
/// state that outlives one call (the retry quota and the clock-skew correction).
pub struct Client<'c> {
    signer: Signer<'c>,
    endpoint: Endpoint<'c>,
    config: RetryConfig,
    quota: RetryQuota,
    clock: ClockSkew,
}

impl<'c> Client<'c> {
    /// A client with the standard retry policy and no clock correction yet.
    pub fn new(credentials: Credentials<'c>, endpoint: Endpoint<'c>) -> Self {
        Self {
            signer: Signer::new(credentials),
            endpoint,
            config: RetryConfig::default(),
            quota: RetryQuota::new(),
            clock: ClockSkew::new(),
        }
    }

    /// Replaces the retry policy.
    pub fn with_retry_config(mut self, config: RetryConfig) -> Self {
        self.config = config;
        self
    }

    /// Continues from state kept by an earlier client (a host adapter that rebuilds its
    /// borrowed client per call keeps the quota and clock correction this way).
    pub fn with_state(mut self, quota: RetryQuota, clock: ClockSkew) -> Self {
        self.quota = quota;
        self.clock = clock;
        self
    }

    /// The endpoint requests go to.
    pub fn endpoint(&self) -> &Endpoint<'c> {
        &self.endpoint
    }

    /// The clock correction learnt from responses' `Date` headers.
    pub fn clock(&self) -> &ClockSkew {
        &self.clock
    }

    /// The retry quota shared by this client's calls.
    pub fn quota(&self) -> &RetryQuota {
        &self.quota
    }

    /// Starts one `Invoke` call of `request` with a payload of this hash and length. The
    /// invocation borrows the hash rather than taking it: moving its 40 bytes in was a call of
    /// `memcpy` on bare-metal targets (LLVM copies them as bytes, at alignment 1).
    pub fn begin<'r>(
        &self,
        request: &'r InvokeRequest<'r>,
        payload: &'r PayloadHash,
    ) -> Invocation<'r> {
        Invocation {
            request,
            payload,
            retry: new_retry(&self.config, request),
        }
    }

    /// Signs the next attempt of `invocation` at `local_now` corrected for the server's clock, and
    /// writes its head into `head_buf`. Returns the head's length.
    pub fn write_head(
        &mut self,
        invocation: &Invocation<'_>,
        local_now: Timestamp,
        head_buf: &mut [u8],
    ) -> Result<usize, RequestError> {
        let now = self.clock.corrected(local_now);
        let credentials = *self.signer.credentials();
        let head = InvokeHead::new(
            invocation.request,
            &self.endpoint,
            &credentials,
            now,
            invocation.payload,
        )?;
        head.write(&mut self.signer, head_buf)
    }
}

impl fmt::Debug for Client<'_> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("Client")
            .field("signer", &self.signer)
            .field("endpoint", &self.endpoint)
            .field("clock_offset_secs", &self.clock.offset_secs())
            .finish_non_exhaustive()
    }
}

/// A call's retry state before its first attempt. Out of line on bare-metal targets: built in
/// place in the [`Invocation`], LLVM copied the retry policy together with the undefined bytes
/// before it, a copy at an address aligned to 2, which is a call of `memcpy` there.
#[cfg_attr(target_os = "none", inline(never))]
fn new_retry(config: &RetryConfig, request: &InvokeRequest<'_>) -> RetryState {
    RetryState::new(*config, request.effective_invocation_type())
}

/// One `Invoke` call in progress: its request, payload hash and retry state.
#[derive(Debug)]
pub struct Invocation<'r> {
    request: &'r InvokeRequest<'r>,
    payload: &'r PayloadHash,
    retry: RetryState,
}

/// What happened to one attempt, as the I/O loop saw it.
#[derive(Clone, Copy, Debug)]
pub enum AttemptResult<'o> {
    /// A complete response arrived.
    Response(&'o InvokeOutcome),
    /// No connection could be opened: nothing was sent.
    ConnectFailed {
        /// The connect timed out.
        timed_out: bool,
    },
    /// Writing the request failed part-way.
    SendFailed {
        /// The write timed out.
        timed_out: bool,
    },
    /// The whole request was written but no complete response came back (closed, reset, timed
    /// out or malformed): the function may have run.
    ResponseLost {
        /// The read timed out.
        timed_out: bool,
    },
}

impl Invocation<'_> {
    /// The retry state (attempt number, policy).
    pub fn retry(&self) -> &RetryState {
        &self.retry
    }

    /// Decides what follows an attempt, and learns the server's clock from its `Date`.
    pub fn finish(
        &mut self,
        client: &mut Client<'_>,
        result: AttemptResult<'_>,
        local_now: Timestamp,
        random: u32,
    ) -> Decision {
        let outcome = match result {
            AttemptResult::Response(InvokeOutcome::Success(ok)) => AttemptOutcome::Success {
                server_time: ok
                    .meta
                    .date
                    .as_ref()
                    .and_then(|d| Timestamp::parse_http_date(d.as_bytes()).ok()),
            },
            AttemptResult::Response(InvokeOutcome::ServiceError(e)) => {
                AttemptOutcome::ServiceError(ServiceFailure::from_service_error(e))
            }
            AttemptResult::ConnectFailed { timed_out } => {
                AttemptOutcome::ConnectFailed { timed_out }
            }
            AttemptResult::SendFailed { timed_out } => AttemptOutcome::SendFailed { timed_out },
            AttemptResult::ResponseLost { timed_out } => AttemptOutcome::ResponseLost { timed_out },
        };
        self.retry.on_outcome(
            outcome,
            local_now,
            Jitter::from_random(random),
            &mut client.quota,
            &mut client.clock,
        )
    }

    /// [`finish`](Self::finish) for an attempt that left its response in an [`InPlace`] slot:
    /// `Some(delay_ms)` to wait and attempt again, `None` when the outcome is the answer (a
    /// success, or a service error that will not be retried).
    pub fn after_response<E, P, S>(
        &mut self,
        client: &mut Client<'_>,
        outcome: Option<&InvokeOutcome>,
        local_now: Timestamp,
        random: u32,
    ) -> Result<Option<u32>, InvokeError<E, P, S>> {
        let outcome = outcome.ok_or_else(missing_outcome)?;
        Ok(
            match self.finish(client, AttemptResult::Response(outcome), local_now, random) {
                Decision::Retry { delay_ms, .. } => Some(delay_ms),
                Decision::Done | Decision::GiveUp(_) => None,
            },
        )
    }

    /// [`finish`](Self::finish) for a failed attempt (whose connection the caller has dropped):
    /// `Ok(delay_ms)` to wait and attempt again, or the error the call ends with.
    pub fn after_failure<E: embedded_io::Error, P, S>(
        &mut self,
        client: &mut Client<'_>,
        failure: AttemptFailure<E>,
        local_now: Timestamp,
        random: u32,
    ) -> Result<u32, InvokeError<E, P, S>> {
        let result = match &failure {
            AttemptFailure::Transport(stage, error) => {
                let timed_out = error.kind() == ErrorKind::TimedOut;
                match stage {
                    AttemptStage::Connect => AttemptResult::ConnectFailed { timed_out },
                    AttemptStage::Send => AttemptResult::SendFailed { timed_out },
                    AttemptStage::Receive => AttemptResult::ResponseLost { timed_out },
                }
            }
            AttemptFailure::Malformed(_) => AttemptResult::ResponseLost { timed_out: false },
        };
        let reason = match self.finish(client, result, local_now, random) {
            Decision::Retry { delay_ms, .. } => return Ok(delay_ms),
            Decision::GiveUp(reason) => reason,
            // A failed attempt is never "done"; should the policy say so, it is not retried.
            Decision::Done => GiveUpReason::NotRetryable,
        };
        Err(match failure {
            AttemptFailure::Transport(_, error) => InvokeError::Transport { error, reason },
            AttemptFailure::Malformed(error) => InvokeError::Response { error, reason },
        })
    }
}

/// Opens connections to an endpoint: TCP, TCP plus TLS, a modem's socket, a UART.
pub trait Connector {
    /// The transport's error (connect and I/O).
    type Error: embedded_io::Error;
    /// A connected byte stream.
    type Stream: Read + Write + embedded_io::ErrorType<Error = Self::Error>;

    /// A stream connected to `endpoint`: the kept-alive one if it is still open, else a new one.
    fn connect(&mut self, endpoint: &Endpoint<'_>) -> Result<&mut Self::Stream, Self::Error>;

    /// Drops the current connection: the peer closed it, or it is in an unknown state.
    fn disconnect(&mut self);
}

/// The outside world the loop needs: a clock, a sleep and random numbers.
pub trait Environment {
    /// The local clock (may be wrong, even 1970: the server's `Date` corrects it).
    fn now(&mut self) -> Timestamp;
    /// Waits `ms` milliseconds before a retry.
    fn sleep_ms(&mut self, ms: u32);
    /// A random number for retry jitter.
    fn random_u32(&mut self) -> u32;
}

/// Where the payload comes from: bytes in memory, or a seekable source that is read twice (once
/// to hash, once to send) and never held in RAM.
pub trait PayloadSource {
    /// What reading the source can fail with.
    type Error: fmt::Debug;

    /// Hashes the whole payload (a first pass over a seekable source).
    fn hash(&mut self) -> Result<PayloadHash, Self::Error>;

    /// Writes the whole payload to `out`, using `scratch` as a bounce buffer if it must.
    fn send<W: Write>(
        &mut self,
        out: &mut W,
        scratch: &mut [u8],
    ) -> Result<(), PayloadSendError<Self::Error, W::Error>>;
}

/// Sending a payload failed: reading the source, or writing the stream.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum PayloadSendError<S, W> {
    /// The source failed.
    Source(S),
    /// The stream failed.
    Write(W),
}

impl PayloadSource for &[u8] {
    type Error = core::convert::Infallible;

    fn hash(&mut self) -> Result<PayloadHash, Self::Error> {
        Ok(PayloadHash::of(self))
    }

    fn send<W: Write>(
        &mut self,
        out: &mut W,
        _scratch: &mut [u8],
    ) -> Result<(), PayloadSendError<Self::Error, W::Error>> {
        out.write_all(self).map_err(PayloadSendError::Write)
    }
}

/// A payload read from a seekable source (a file, flash): hashed in one pass, then rewound and
/// streamed in a second, through the caller's scratch buffer.
#[derive(Debug)]
pub struct SeekablePayload<R> {
    source: R,
    start: u64,
}

impl<R: Read + Seek> SeekablePayload<R> {
    /// The payload is everything from the source's current position to its end.
    pub fn new(mut source: R) -> Result<Self, R::Error> {
        let start = source.stream_position()?;
        Ok(Self { source, start })
    }

    /// The source back.
    pub fn into_inner(self) -> R {
        self.source
    }
}

/// A short read buffer for hashing a seekable source: on the stack, as small as keeps SHA-256 fed.
const HASH_CHUNK: usize = 256;

impl<R: Read + Seek> PayloadSource for SeekablePayload<R> {
    type Error = R::Error;

    fn hash(&mut self) -> Result<PayloadHash, R::Error> {
        self.source.seek(SeekFrom::Start(self.start))?;
        let mut hasher = PayloadHasher::new();
        let mut chunk = [0u8; HASH_CHUNK];
        loop {
            let n = self.source.read(&mut chunk)?;
            match chunk.get(..n) {
                Some(piece) if n > 0 => hasher.update(piece),
                _ => break,
            }
        }
        Ok(hasher.finish())
    }

    fn send<W: Write>(
        &mut self,
        out: &mut W,
        scratch: &mut [u8],
    ) -> Result<(), PayloadSendError<R::Error, W::Error>> {
        self.source
            .seek(SeekFrom::Start(self.start))
            .map_err(PayloadSendError::Source)?;
        let mut fallback = [0u8; HASH_CHUNK];
        let buf = if scratch.is_empty() {
            &mut fallback[..]
        } else {
            scratch
        };
        loop {
            let n = self.source.read(buf).map_err(PayloadSendError::Source)?;
            match buf.get(..n) {
                Some(piece) if n > 0 => out.write_all(piece).map_err(PayloadSendError::Write)?,
                _ => return Ok(()),
            }
        }
    }
}

/// The caller's buffers for one call.
#[derive(Debug)]
pub struct Buffers<'b> {
    /// The request head (and the bounce buffer for a seekable payload). `BufferTooSmall`
    /// says exactly how large it must be.
    pub head: &'b mut [u8],
    /// Receive buffer: any size of at least one byte; larger means fewer reads.
    pub rx: &'b mut [u8],
    /// The decoded `LogResult` (4,096 bytes hold the largest; empty when no log was asked for).
    pub log: &'b mut [u8],
}

/// The caller's storage for [`invoke_in_place`]: like [`Buffers`], but the response reader
/// (which holds the log buffer) and the outcome are the caller's too, so that neither is on the
/// driver's stack. For firmware, where the reader (about 1.7 KB) and the outcome (about 0.8 KB)
/// belong in statics next to the other buffers.
#[derive(Debug)]
pub struct InPlace<'b, 'l> {
    /// The request head (and the bounce buffer for a seekable payload), as in [`Buffers`].
    pub head: &'b mut [u8],
    /// Receive buffer: any size of at least one byte.
    pub rx: &'b mut [u8],
    /// The response reader, reset for every attempt; the decoded `LogResult` is in its buffer.
    pub reader: &'b mut InvokeResponseReader<'l>,
    /// Where the outcome is built; `Some` after `Ok(())`.
    pub outcome: &'b mut Option<InvokeOutcome>,
}

/// Why an `Invoke` call failed. Service errors are not here: they are a successful call's
/// [`InvokeOutcome::ServiceError`].
#[derive(Debug)]
#[non_exhaustive]
pub enum InvokeError<E, P, S> {
    /// The request could not be built (caller input).
    Request(RequestError),
    /// The payload source failed.
    Payload(P),
    /// The payload sink refused the payload (for a collecting sink: it does not fit).
    Sink(S),
    /// The transport failed and the call was not retried (further).
    Transport {
        /// The transport's error.
        error: E,
        /// Why there was no further attempt; `MayHaveRun` means the function may have run.
        reason: GiveUpReason,
    },
    /// The peer's response was malformed or cut short, and the call was not retried.
    Response {
        /// What was wrong.
        error: ReadError<core::convert::Infallible>,
        /// Why there was no further attempt.
        reason: GiveUpReason,
    },
    /// An empty receive buffer was given.
    EmptyReceiveBuffer,
}

impl<E: fmt::Debug, P: fmt::Debug, S: fmt::Debug> fmt::Display for InvokeError<E, P, S> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            InvokeError::Request(e) => write!(f, "invalid request: {e}"),
            InvokeError::Payload(e) => write!(f, "payload source failed: {e:?}"),
            InvokeError::Sink(e) => write!(f, "payload sink failed: {e:?}"),
            InvokeError::Transport { error, reason } => {
                write!(f, "transport failed: {error:?} ({})", reason.as_str())
            }
            InvokeError::Response { error, reason } => {
                write!(f, "bad response: {error} ({})", reason.as_str())
            }
            InvokeError::EmptyReceiveBuffer => f.write_str("empty receive buffer"),
        }
    }
}

impl<E: fmt::Debug, P: fmt::Debug, S: fmt::Debug> core::error::Error for InvokeError<E, P, S> {}

/// What one attempt ended with, before the retry decision.
enum Attempt<E, P, S> {
    /// A complete response, in [`InPlace::outcome`].
    Complete,
    /// A failure the retry policy decides about.
    Failed(AttemptFailure<E>),
    /// A failure no retry can fix (caller input, the payload source or sink).
    Fatal(InvokeError<E, P, S>),
}

/// Where a failed attempt broke off.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
#[cfg_attr(feature = "defmt", derive(defmt::Format))]
pub enum AttemptStage {
    /// Opening the connection: nothing was sent.
    Connect,
    /// Writing the request: it may be partly sent.
    Send,
    /// Reading the response: the whole request was sent, so the function may have run.
    Receive,
}

/// An attempt that failed in a way the retry policy decides about, for
/// [`Invocation::after_failure`]. Shared by every I/O loop over the driver's parts (the blocking
/// one here, the async one in `picolambda-nal`).
#[derive(Debug)]
pub enum AttemptFailure<E> {
    /// The transport failed.
    Transport(AttemptStage, E),
    /// The response was malformed or cut short.
    Malformed(ReadError<core::convert::Infallible>),
}

/// The outcome an [`InPlace`] loop left in its slot; `Err` only were a loop to return `Ok`
/// without one (none does), reported as a response that never came rather than trusted.
pub fn placed_outcome<E, P, S>(
    outcome: Option<InvokeOutcome>,
) -> Result<InvokeOutcome, InvokeError<E, P, S>> {
    outcome.ok_or_else(missing_outcome)
}

fn missing_outcome<E, P, S>() -> InvokeError<E, P, S> {
    InvokeError::Response {
        error: ReadError::Http(ResponseError::ClosedBeforeResponse),
        reason: GiveUpReason::NotRetryable,
    }
}

/// The error of an invoke over connector `C` with payload source `P` and sink `S`.
pub type InvokeErrorOf<C, P, S> =
    InvokeError<<C as Connector>::Error, <P as PayloadSource>::Error, <S as PayloadSink>::Error>;

/// The result of [`invoke`]: the outcome, or why there is none.
pub type InvokeResult<C, P, S> = Result<InvokeOutcome, InvokeErrorOf<C, P, S>>;

/// Sends `request` with `payload`, retrying as the client's policy allows, and returns the
/// outcome: a success (the payload went to `sink`, the log into `buffers.log`) or a typed
/// service error.
///
/// The payload is hashed once, then sent on each attempt (re-read from the start for a
/// seekable source).
pub fn invoke<C, N, P, S>(
    client: &mut Client<'_>,
    connector: &mut C,
    env: &mut N,
    request: &InvokeRequest<'_>,
    payload: &mut P,
    buffers: &mut Buffers<'_>,
    sink: &mut S,
) -> InvokeResult<C, P, S>
where
    C: Connector,
    N: Environment,
    P: PayloadSource,
    S: PayloadSink,
{
    let mut reader: InvokeResponseReader<'_> = InvokeResponseReader::new(buffers.log);
    let mut outcome = None;
    let mut place = InPlace {
        head: buffers.head,
        rx: buffers.rx,
        reader: &mut reader,
        outcome: &mut outcome,
    };
    invoke_in_place(client, connector, env, request, payload, &mut place, sink)?;
    placed_outcome(outcome)
}

/// [`invoke`] with the response reader and the outcome in the caller's storage ([`InPlace`]):
/// on `Ok(())` the outcome is in `place.outcome` and the decoded log in the reader's buffer.
/// Nothing large is on the driver's stack, which is what firmware with a 2 KiB stack budget
/// needs.
pub fn invoke_in_place<C, N, P, S>(
    client: &mut Client<'_>,
    connector: &mut C,
    env: &mut N,
    request: &InvokeRequest<'_>,
    payload: &mut P,
    place: &mut InPlace<'_, '_>,
    sink: &mut S,
) -> Result<(), InvokeErrorOf<C, P, S>>
where
    C: Connector,
    N: Environment,
    P: PayloadSource,
    S: PayloadSink,
{
    if place.rx.is_empty() {
        return Err(InvokeError::EmptyReceiveBuffer);
    }
    // The hash stays in the `Result` it came in (moved out, it was a `memcpy`; see `begin`).
    let hashed = payload.hash();
    let hash = match hashed {
        Ok(ref hash) => hash,
        Err(e) => return Err(InvokeError::Payload(e)),
    };
    let mut invocation = client.begin(request, hash);
    loop {
        *place.outcome = None;
        let failure = match attempt(client, &invocation, connector, env, payload, place, sink) {
            Attempt::Complete => {
                let (now, random) = (env.now(), env.random_u32());
                match invocation.after_response(client, place.outcome.as_ref(), now, random)? {
                    Some(delay_ms) => {
                        env.sleep_ms(delay_ms);
                        continue;
                    }
                    None => return Ok(()),
                }
            }
            Attempt::Failed(failure) => failure,
            Attempt::Fatal(e) => {
                connector.disconnect();
                return Err(e);
            }
        };
        connector.disconnect();
        let (now, random) = (env.now(), env.random_u32());
        let delay_ms = invocation.after_failure(client, failure, now, random)?;
        env.sleep_ms(delay_ms);
    }
}

fn attempt<C, N, P, S>(
    client: &mut Client<'_>,
    invocation: &Invocation<'_>,
    connector: &mut C,
    env: &mut N,
    payload: &mut P,
    place: &mut InPlace<'_, '_>,
    sink: &mut S,
) -> Attempt<C::Error, P::Error, S::Error>
where
    C: Connector,
    N: Environment,
    P: PayloadSource,
    S: PayloadSink,
{
    let head_len = match client.write_head(invocation, env.now(), place.head) {
        Ok(n) => n,
        Err(e) => return Attempt::Fatal(InvokeError::Request(e)),
    };
    let endpoint = *client.endpoint();
    let stream = match connector.connect(&endpoint) {
        Ok(s) => s,
        Err(e) => return Attempt::Failed(AttemptFailure::Transport(AttemptStage::Connect, e)),
    };
    let head = place.head.get(..head_len).unwrap_or_default();
    if let Err(e) = stream.write_all(head) {
        return Attempt::Failed(AttemptFailure::Transport(AttemptStage::Send, e));
    }
    match payload.send(stream, place.head) {
        Ok(()) => {}
        Err(PayloadSendError::Write(e)) => {
            return Attempt::Failed(AttemptFailure::Transport(AttemptStage::Send, e))
        }
        Err(PayloadSendError::Source(e)) => return Attempt::Fatal(InvokeError::Payload(e)),
    }
    if let Err(e) = stream.flush() {
        return Attempt::Failed(AttemptFailure::Transport(AttemptStage::Send, e));
    }
    place.reader.reset();
    loop {
        let n = match stream.read(place.rx) {
            Ok(n) => n,
            Err(e) => return Attempt::Failed(AttemptFailure::Transport(AttemptStage::Receive, e)),
        };
        if n == 0 {
            return match place.reader.handle_eof_into(sink, place.outcome) {
                Ok(()) if place.outcome.is_some() => {
                    connector.disconnect();
                    Attempt::Complete
                }
                // The end was already reported: cannot happen after a reset reader's input.
                Ok(()) => Attempt::Failed(AttemptFailure::Malformed(ReadError::Http(
                    ResponseError::ClosedBeforeResponse,
                ))),
                Err(e) => classify_read_error(e),
            };
        }
        let input = place.rx.get(..n).unwrap_or_default();
        match place.reader.handle_input_into(input, sink, place.outcome) {
            Ok(consumed) => {
                if let Some(outcome) = place.outcome.as_ref() {
                    // Bytes after the response (nothing was pipelined) mean the peer is confused:
                    // do not reuse the connection.
                    if !outcome.meta().reusable || consumed < n {
                        connector.disconnect();
                    }
                    return Attempt::Complete;
                }
            }
            Err(e) => return classify_read_error(e),
        }
    }
}

fn classify_read_error<E, P, S>(e: ReadError<S>) -> Attempt<E, P, S> {
    match e {
        ReadError::Sink(s) => Attempt::Fatal(InvokeError::Sink(s)),
        ReadError::Http(h) => Attempt::Failed(AttemptFailure::Malformed(ReadError::Http(h))),
        ReadError::Header { header, problem } => {
            Attempt::Failed(AttemptFailure::Malformed(ReadError::Header {
                header,
                problem,
            }))
        }
    }
}

#[cfg(test)]
mod tests;
