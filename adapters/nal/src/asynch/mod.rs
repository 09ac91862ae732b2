//! The async adapter: the same invoke over `embedded-io-async` streams, for embassy-net and
//! other executors.
//!
//! [`invoke`] is the core's blocking `driver::invoke` loop written once more for `.await`, and
//! nothing else: [`Client::write_head`] signs each attempt, [`InvokeResponseReader`] parses
//! what comes back, and [`Invocation::finish`] makes every retry decision. It parses, signs
//! and decides nothing itself. Payloads are in memory (`&[u8]`): a seekable source read twice
//! would need an async `Seek`, which no embedded stack offers.

mod nal;

use core::convert::Infallible;

use embedded_io::ErrorType;
use embedded_io_async::{Read, Write};
use picolambda::driver::{
    placed_outcome, AttemptFailure, AttemptStage, Buffers, Client, InPlace, Invocation, InvokeError,
};
use picolambda::endpoint::Endpoint;
use picolambda::http::response::ResponseError;
use picolambda::invoke::response::{InvokeOutcome, InvokeResponseReader, PayloadSink, ReadError};
use picolambda::invoke::InvokeRequest;
use picolambda::sigv4::PayloadHash;
use picolambda::time::Timestamp;

pub use self::nal::{AsyncNalConnector, AsyncNalError, AsyncNalStream};

/// Opens connections to an endpoint, asynchronously: the async twin of the core's
/// [`Connector`](picolambda::driver::Connector).
// `async fn` in a public trait: callers cannot require the futures to be `Send`, which
// embedded executors (single-threaded, like embassy's) do not need; embedded-nal-async's
// traits are written the same way.
#[allow(async_fn_in_trait)]
pub trait AsyncConnector {
    /// The transport's error (connect and I/O).
    type Error: embedded_io::Error;
    /// A connected byte stream.
    type Stream: Read + Write + ErrorType<Error = Self::Error>;

    /// A stream connected to `endpoint`: the kept-alive one if it is still open, else a new one.
    async fn connect(&mut self, endpoint: &Endpoint<'_>) -> Result<&mut Self::Stream, Self::Error>;

    /// Drops the current connection: the peer closed it, or it is in an unknown state.
    async fn disconnect(&mut self);

    /// The open stream, if there is one, without connecting (what a layer over this connector,
    /// such as TLS, reads and writes).
    fn open_stream(&mut self) -> Option<&mut Self::Stream>;
}

/// The outside world the loop needs: a clock, an async sleep and random numbers (the async
/// twin of the core's [`Environment`](picolambda::driver::Environment)).
#[allow(async_fn_in_trait)] // see `AsyncConnector`
pub trait AsyncEnvironment {
    /// The local clock (may be wrong, even 1970: the server's `Date` corrects it).
    fn now(&mut self) -> Timestamp;
    /// Waits `ms` milliseconds before a retry (`embassy_time::Timer::after_millis`).
    async fn sleep_ms(&mut self, ms: u32);
    /// A random number for retry jitter.
    fn random_u32(&mut self) -> u32;
}

/// Why an async invoke over connector `C` with sink `S` failed.
pub type AsyncInvokeError<C, S> =
    InvokeError<<C as AsyncConnector>::Error, Infallible, <S as PayloadSink>::Error>;

/// The result of [`invoke`]: the outcome, or why there is none.
pub type AsyncInvokeResult<C, S> = Result<InvokeOutcome, AsyncInvokeError<C, S>>;

/// What one attempt ended with, before the retry decision (as in the core's driver).
enum Attempt<E, S> {
    /// A complete response, in [`InPlace::outcome`].
    Complete,
    Failed(AttemptFailure<E>),
    Fatal(InvokeError<E, Infallible, S>),
}

/// Sends `request` with `payload`, retrying as the client's policy allows, and returns the
/// outcome: a success (the payload went to `sink`, the log into `buffers.log`) or a typed
/// service error. The same contract as the core's `driver::invoke`.
pub async fn invoke<C, N, S>(
    client: &mut Client<'_>,
    connector: &mut C,
    env: &mut N,
    request: &InvokeRequest<'_>,
    payload: &[u8],
    buffers: &mut Buffers<'_>,
    sink: &mut S,
) -> AsyncInvokeResult<C, S>
where
    C: AsyncConnector,
    N: AsyncEnvironment,
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
    invoke_in_place(client, connector, env, request, payload, &mut place, sink).await?;
    placed_outcome(outcome)
}

/// [`invoke`] with the response reader and the outcome in the caller's storage, as the core's
/// `driver::invoke_in_place`: on `Ok(())` the outcome is in `place.outcome` and the decoded log
/// in the reader's buffer, and neither was on this future's state (which, for an embassy task,
/// is in the task's static storage anyway, but counts against it).
pub async fn invoke_in_place<C, N, S>(
    client: &mut Client<'_>,
    connector: &mut C,
    env: &mut N,
    request: &InvokeRequest<'_>,
    payload: &[u8],
    place: &mut InPlace<'_, '_>,
    sink: &mut S,
) -> Result<(), AsyncInvokeError<C, S>>
where
    C: AsyncConnector,
    N: AsyncEnvironment,
    S: PayloadSink,
{
    if place.rx.is_empty() {
        return Err(InvokeError::EmptyReceiveBuffer);
    }
    let hash = PayloadHash::of(payload);
    let mut invocation = client.begin(request, &hash);
    loop {
        *place.outcome = None;
        let attempted = attempt(client, &invocation, connector, env, payload, place, sink).await;
        let failure = match attempted {
            Attempt::Complete => {
                let (now, random) = (env.now(), env.random_u32());
                match invocation.after_response(client, place.outcome.as_ref(), now, random)? {
                    Some(delay_ms) => {
                        env.sleep_ms(delay_ms).await;
                        continue;
                    }
                    None => return Ok(()),
                }
            }
            Attempt::Failed(failure) => failure,
            Attempt::Fatal(e) => {
                connector.disconnect().await;
                return Err(e);
            }
        };
        connector.disconnect().await;
        let (now, random) = (env.now(), env.random_u32());
        let delay_ms = invocation.after_failure(client, failure, now, random)?;
        env.sleep_ms(delay_ms).await;
    }
}

async fn attempt<C, N, S>(
    client: &mut Client<'_>,
    invocation: &Invocation<'_>,
    connector: &mut C,
    env: &mut N,
    payload: &[u8],
    place: &mut InPlace<'_, '_>,
    sink: &mut S,
) -> Attempt<C::Error, S::Error>
where
    C: AsyncConnector,
    N: AsyncEnvironment,
    S: PayloadSink,
{
    let head_len = match client.write_head(invocation, env.now(), place.head) {
        Ok(n) => n,
        Err(e) => return Attempt::Fatal(InvokeError::Request(e)),
    };
    let endpoint = *client.endpoint();
    let stream = match connector.connect(&endpoint).await {
        Ok(s) => s,
        Err(e) => return Attempt::Failed(AttemptFailure::Transport(AttemptStage::Connect, e)),
    };
    let head = place.head.get(..head_len).unwrap_or_default();
    let sent = match stream.write_all(head).await {
        Ok(()) => stream.write_all(payload).await,
        Err(e) => Err(e),
    };
    if let Err(e) = sent {
        return Attempt::Failed(AttemptFailure::Transport(AttemptStage::Send, e));
    }
    if let Err(e) = stream.flush().await {
        return Attempt::Failed(AttemptFailure::Transport(AttemptStage::Send, e));
    }
    // The sink's error is kept aside so the reader's error type carries no sink error: the
    // reader then reports exactly what the core's driver reports, with no conversion.
    let mut kept = KeepError { sink, error: None };
    place.reader.reset();
    loop {
        let n = match stream.read(place.rx).await {
            Ok(n) => n,
            Err(e) => return Attempt::Failed(AttemptFailure::Transport(AttemptStage::Receive, e)),
        };
        if n == 0 {
            let eof = place.reader.handle_eof_into(&mut kept, place.outcome);
            return match (kept.error.take(), eof) {
                (Some(e), _) => Attempt::Fatal(InvokeError::Sink(e)),
                (None, Ok(())) if place.outcome.is_some() => {
                    connector.disconnect().await;
                    Attempt::Complete
                }
                // The end was already reported: cannot happen after a reset reader's input.
                (None, Ok(())) => Attempt::Failed(AttemptFailure::Malformed(ReadError::Http(
                    ResponseError::ClosedBeforeResponse,
                ))),
                (None, Err(e)) => Attempt::Failed(AttemptFailure::Malformed(e)),
            };
        }
        let input = place.rx.get(..n).unwrap_or_default();
        let progress = place
            .reader
            .handle_input_into(input, &mut kept, place.outcome);
        match (kept.error.take(), progress) {
            (Some(e), _) => return Attempt::Fatal(InvokeError::Sink(e)),
            (None, Ok(consumed)) => {
                if let Some(outcome) = place.outcome.as_ref() {
                    // Bytes after the response mean the peer is confused: do not reuse.
                    if !outcome.meta().reusable || consumed < n {
                        connector.disconnect().await;
                    }
                    return Attempt::Complete;
                }
            }
            (None, Err(e)) => return Attempt::Failed(AttemptFailure::Malformed(e)),
        }
    }
}

/// A sink that passes chunks on until the caller's sink fails, then keeps the error and drops
/// the rest of this read's chunks (the attempt ends right after).
struct KeepError<'s, S: PayloadSink> {
    sink: &'s mut S,
    error: Option<S::Error>,
}

impl<S: PayloadSink> PayloadSink for KeepError<'_, S> {
    type Error = Infallible;

    fn begin(&mut self, length: Option<u64>) -> Result<(), Infallible> {
        if let Err(e) = self.sink.begin(length) {
            self.error = Some(e);
        }
        Ok(())
    }

    fn write(&mut self, chunk: &[u8]) -> Result<(), Infallible> {
        if self.error.is_none() {
            if let Err(e) = self.sink.write(chunk) {
                self.error = Some(e);
            }
        }
        Ok(())
    }
}
