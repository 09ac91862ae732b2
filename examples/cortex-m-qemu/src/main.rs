//! picolambda on a Cortex-M4 with no heap: invokes Lambda functions over UART0.
//!
//! Runs under `qemu-system-arm -machine mps2-an386`, whose UART0 is connected to a TCP server on
//! the host (`-serial tcp:127.0.0.1:PORT`): normally `picolambda serve`. Over that one
//! connection (HTTP/1.1 keep-alive) it
//!
//! 1. invokes `echo:live` with a JSON payload and `LogType=Tail`, and checks the status, that the
//!    payload came back unchanged and that the decoded `X-Amz-Log-Result` is the function's log;
//! 2. invokes a function that does not exist and checks for the typed
//!    `ResourceNotFoundException`;
//!
//! then prints `stack_peak_bytes=N` (the deepest the stack went during both invokes, measured by
//! painting) and exits through semihosting with status 0 only if every check held.
//!
//! The firmware's buffers (head, receive, log and payload) are in a static, and the
//! `InvokeResponseReader` (about 1.6 KiB of caller-owned parser state, reset in place between
//! invokes), the client and the outcome in `run`'s frame, above the painted stack, so the stack
//! figure is the library's: signing, the head writer, the response reader's processing and the
//! core driver's loop (`invoke_in_place`).
//!
//! Build-time settings (environment variables read by `build.rs` / `option_env!`):
//!
//! | variable | default | meaning |
//! |---|---|---|
//! | `PICOLAMBDA_FW_START_UNIX` | `0` (1970) | what the clock reads (there is no RTC) |
//! | `PICOLAMBDA_FW_ENDPOINT` | `http://127.0.0.1:9001` | the endpoint URL (its `Host` is signed) |
//! | `PICOLAMBDA_FW_REGION` | `us-east-1` | the signing region |
//! | `PICOLAMBDA_FW_ACCESS_KEY_ID` / `PICOLAMBDA_FW_SECRET_ACCESS_KEY` | run.sh's test pair | credentials |
#![no_std]
#![no_main]

use core::convert::Infallible;
use core::mem::size_of;

use cortex_m_rt::entry;
use picolambda::driver::{invoke_in_place, Client, Connector, Environment, InPlace, InvokeError};
use picolambda::endpoint::Endpoint;
use picolambda::http::response::{BodyBuffer, BufferTooSmall};
use picolambda::invoke::response::{
    InvokeOutcome, InvokeResponseReader, LogResult, ReadError, ServiceErrorKind,
    MAX_LOG_RESULT_BYTES,
};
use picolambda::invoke::{FunctionName, InvokeRequest, LogType, Qualifier, RequestError};
use picolambda::sigv4::Credentials;
use picolambda::time::Timestamp;
use picolambda_cortex_m_qemu::cell::TakeOnce;
use picolambda_cortex_m_qemu::host::{print, print_kv, print_u32};
use picolambda_cortex_m_qemu::uart::Uart0;
use picolambda_cortex_m_qemu::{host, paint_stack};

/// `option_env!` with a default, usable in a `const`.
macro_rules! env_or {
    ($name:literal, $default:literal) => {
        match option_env!($name) {
            Some(value) => value,
            None => $default,
        }
    };
}

const ENDPOINT_URL: &str = env_or!("PICOLAMBDA_FW_ENDPOINT", "http://127.0.0.1:9001");
const REGION: &str = env_or!("PICOLAMBDA_FW_REGION", "us-east-1");
/// A test key pair, the one run.sh gives `picolambda serve`. Never a real key: firmware images are
/// not secret.
const ACCESS_KEY_ID: &str = env_or!("PICOLAMBDA_FW_ACCESS_KEY_ID", "AKIDPICOLAMBDAQEMU01");
const SECRET_ACCESS_KEY: &str = env_or!(
    "PICOLAMBDA_FW_SECRET_ACCESS_KEY",
    "picolambda/qemu/not-a-real-secret/0123456789"
);
/// 2020-01-01: a clock reading earlier than this is certainly wrong.
const CLOCK_PLAUSIBLE_AFTER: u64 = 1_577_836_800;
/// What the clock reads, always: there is no RTC (see `build.rs`; 1970 unless set).
const START: Timestamp = Timestamp::from_unix_secs(parse_decimal(env!("PICOLAMBDA_FW_START_UNIX")));

const ECHO_FUNCTION: &str = "echo";
const ECHO_QUALIFIER: &str = "live";
/// A name no endpoint defines.
const MISSING_FUNCTION: &str = "picolambda-qemu-no-such-function";
const PAYLOAD: &[u8] = br#"{"device":"qemu-mps2-an386","reading":21.5,"seq":1}"#;
/// What every `LogType=Tail` log of `echo` holds: the runtime's `START` and `END` lines for the
/// request, and the function's own line, `echo: ` with the payload length and ` bytes`
/// (`picolambda serve`, examples/picolambda-cli/src/serve.rs).
const LOG_MUST_CONTAIN: [&[u8]; 3] = [b"START RequestId:", b"END RequestId:", b"echo: 51 bytes"];
// The length in the line above, as text written at compile time (no buffer to fill at run time).
const _: () = assert!(
    PAYLOAD.len() == 51,
    "update echo's log line in LOG_MUST_CONTAIN"
);

/// The firmware's buffers. All in one static (`.bss`), none on the stack.
struct Buffers {
    /// The signed request head. An `Invoke` head with a short name, a qualifier and
    /// `LogType` is about 600 bytes.
    head: [u8; 1024],
    /// What one UART read fills.
    rx: [u8; 256],
    /// The decoded `X-Amz-Log-Result`: the largest Lambda returns.
    log: [u8; MAX_LOG_RESULT_BYTES],
    /// The function's response payload.
    payload: [u8; 512],
}

static BUFFERS: TakeOnce<Buffers> = TakeOnce::new(Buffers {
    head: [0; 1024],
    rx: [0; 256],
    log: [0; MAX_LOG_RESULT_BYTES],
    payload: [0; 512],
});

#[entry]
fn main() -> ! {
    let ok = run();
    print(if ok {
        b"result=ok\n"
    } else {
        b"result=FAILED\n"
    });
    host::exit(ok)
}

/// The UART as the driver's connection: the stream is always "connected" (a modem in transparent
/// mode), and there is nothing to hang up. The server keeps the connection alive for both
/// invokes; were it to close, the UART would not see it (reads block), so run.sh's QEMU timeout
/// is the backstop.
struct UartLink(Uart0);

impl Connector for UartLink {
    type Error = Infallible;
    type Stream = Uart0;

    fn connect(&mut self, _endpoint: &Endpoint<'_>) -> Result<&mut Uart0, Infallible> {
        Ok(&mut self.0)
    }

    fn disconnect(&mut self) {}
}

/// No real-time clock: the clock always reads [`START`] (1970 by default), and the driver's
/// clock-skew correction, learnt from the first response's `Date`, makes the signing time right;
/// retry delays spin; jitter from a xorshift generator.
struct Board {
    seed: u32,
}

impl Environment for Board {
    fn now(&mut self) -> Timestamp {
        START
    }

    fn sleep_ms(&mut self, ms: u32) {
        // 25 MHz, the AN386's system clock.
        cortex_m::asm::delay(ms.saturating_mul(25_000));
    }

    fn random_u32(&mut self) -> u32 {
        self.seed ^= self.seed << 13;
        self.seed ^= self.seed >> 17;
        self.seed ^= self.seed << 5;
        self.seed
    }
}

/// What an invoke failed with: the UART cannot fail, the payload is a slice, and the payload
/// sink fails only when the response does not fit its buffer.
type FwInvokeError = InvokeError<Infallible, Infallible, BufferTooSmall>;

/// One `Invoke` through the core's driver ([`invoke_in_place`]: retries, clock skew), with the
/// response reader and the outcome in the caller's storage (`run`'s frame, above the painted
/// stack) so neither is in the stack the invoke measures. The payload of a 2xx is collected
/// into `payload_buf`, the decoded log into the reader's buffer.
#[allow(clippy::too_many_arguments)]
fn invoke_once(
    link: &mut UartLink,
    client: &mut Client<'_>,
    board: &mut Board,
    request: &InvokeRequest<'_>,
    mut payload: &[u8],
    head_buf: &mut [u8],
    rx_buf: &mut [u8],
    reader: &mut InvokeResponseReader<'_>,
    payload_buf: &mut [u8],
    outcome: &mut Option<InvokeOutcome>,
) -> Result<(), FwInvokeError> {
    let mut sink = BodyBuffer::new(payload_buf);
    invoke_in_place(
        client,
        link,
        board,
        request,
        &mut payload,
        &mut InPlace {
            head: head_buf,
            rx: rx_buf,
            reader,
            outcome,
        },
        &mut sink,
    )
}

fn run() -> bool {
    let (Some(uart), Some(bufs)) = (Uart0::take(), BUFFERS.take()) else {
        print(b"UART0 or buffers already taken\n");
        return false;
    };
    let Buffers {
        head: head_buf,
        rx: rx_buf,
        log: log_buf,
        payload: payload_buf,
    } = bufs;
    // Built once, in this frame (above the painted stack, as the client and the outcome are),
    // and reset by the driver for each attempt. Not in a static: the constructor's stores go
    // to a temporary, and moving its 1.6 KiB into a static linked `memcpy`.
    let reader = &mut InvokeResponseReader::new(log_buf);
    let credentials = match Credentials::new(ACCESS_KEY_ID, SECRET_ACCESS_KEY, None) {
        Ok(c) => c,
        Err(e) => return fail(b"credentials: ", e.as_str().as_bytes()),
    };
    let endpoint = match Endpoint::from_url(ENDPOINT_URL, REGION) {
        Ok(e) => e,
        Err(e) => return fail(b"endpoint: ", e.as_str().as_bytes()),
    };
    let (echo, missing) = match requests() {
        Ok(r) => r,
        Err(e) => return fail(b"request: ", e.as_str().as_bytes()),
    };
    let mut client = Client::new(credentials, endpoint);
    let mut link = UartLink(uart);
    let mut board = Board { seed: 0x9e37_79b9 };

    print(b"clock reads unix time ");
    print_u32(START.as_unix_secs() as u32);
    print(b" for ");
    print(ENDPOINT_URL.as_bytes());
    print(b"\n");

    // Sizes of the library's state, for the README's RAM table.
    print_kv(
        b"size_of_reader",
        size_of::<InvokeResponseReader<'static>>() as u32,
    );
    print_kv(b"size_of_outcome", size_of::<InvokeOutcome>() as u32);
    print_kv(b"size_of_client", size_of::<Client<'static>>() as u32);

    // Each invoke runs on a freshly painted stack; the peak is measured before the checks run.
    // Where the result goes: the caller's (this frame's, above the painted stack).
    let mut outcome = None;
    let painted = paint_stack!();
    let echoed = invoke_once(
        &mut link,
        &mut client,
        &mut board,
        &echo,
        PAYLOAD,
        head_buf,
        rx_buf,
        reader,
        payload_buf,
        &mut outcome,
    );
    let echo_stack = painted.peak_bytes();
    let echo_ok = match (echoed, &outcome) {
        (Ok(()), Some(outcome)) => check_echo(outcome, payload_buf, reader.log_result()),
        (Ok(()), None) => false,
        (Err(e), _) => report_error(b"echo", &e),
    };
    print_kv(b"echo_stack_peak_bytes", echo_stack);
    // A clock far behind the endpoint's must have been corrected by the first invoke (its first
    // attempt rejected for its time, the second signed at the time of the response's `Date`).
    let offset = client.clock().offset_secs();
    print_kv(b"clock_offset_secs", u32::try_from(offset).unwrap_or(0));
    let skew_ok = START.as_unix_secs() >= CLOCK_PLAUSIBLE_AFTER || offset > 0;
    if !skew_ok {
        print(b"the clock was not corrected\n");
    }
    let echo_ok = echo_ok && skew_ok;

    // The second invoke goes over the same connection, so only if the first left it usable.
    let mut missing_stack = 0;
    let missing_ok = echo_ok && {
        let painted = paint_stack!();
        let result = invoke_once(
            &mut link,
            &mut client,
            &mut board,
            &missing,
            b"{}",
            head_buf,
            rx_buf,
            reader,
            payload_buf,
            &mut outcome,
        );
        missing_stack = painted.peak_bytes();
        print_kv(b"missing_stack_peak_bytes", missing_stack);
        match (result, &outcome) {
            (Ok(()), Some(outcome)) => check_missing(outcome),
            (Ok(()), None) => false,
            (Err(e), _) => report_error(b"missing", &e),
        }
    };

    print_kv(b"stack_peak_bytes", echo_stack.max(missing_stack));
    echo_ok && missing_ok
}

/// `echo:live` with `LogType=Tail`, and a function that does not exist.
fn requests() -> Result<(InvokeRequest<'static>, InvokeRequest<'static>), RequestError> {
    let echo = InvokeRequest::new(FunctionName::new(ECHO_FUNCTION)?)
        .with_qualifier(Qualifier::new(ECHO_QUALIFIER)?)
        .with_log_type(LogType::Tail);
    let missing = InvokeRequest::new(FunctionName::new(MISSING_FUNCTION)?);
    Ok((echo, missing))
}

/// `log` is the decoded `X-Amz-Log-Result` ([`InvokeResponseReader::log_result`]).
fn check_echo(outcome: &InvokeOutcome, payload_buf: &[u8], log: Option<&[u8]>) -> bool {
    let success = match outcome {
        InvokeOutcome::Success(s) => s,
        InvokeOutcome::ServiceError(e) => {
            print(b"echo: service error status=");
            print_u32(e.status.into());
            print(b" code=");
            print(e.code.as_deref().unwrap_or("-").as_bytes());
            print(b" message=");
            print(e.message().as_bytes());
            print(b"\n");
            return false;
        }
    };
    let mut ok = true;
    print(b"echo: status=");
    print_u32(success.status.into());
    ok &= success.status == 200;

    let payload = usize::try_from(success.payload_len)
        .ok()
        .and_then(|n| payload_buf.get(..n))
        .unwrap_or_default();
    print(b" payload=");
    print(payload);
    let same = same(payload, PAYLOAD);
    print(if same { b" (unchanged)" } else { b" (CHANGED)" });
    ok &= same;

    if let Some(fe) = &success.function_error {
        print(b" function_error=");
        print(fe.as_str().as_bytes());
        ok = false;
    }
    print(b" executed_version=");
    print(
        success
            .executed_version
            .as_deref()
            .unwrap_or("-")
            .as_bytes(),
    );
    print(b" reusable=");
    print(if success.meta.reusable { b"yes" } else { b"NO" });
    ok &= success.meta.reusable;
    print(b"\n");

    match success.log_result {
        Some(LogResult::Decoded { len }) => {
            let log = log.unwrap_or_default();
            print(b"echo: log (");
            print_u32(len as u32);
            print(b" bytes):\n");
            print(log);
            let complete =
                !log.is_empty() && LOG_MUST_CONTAIN.iter().all(|needle| contains(log, needle));
            print(if complete {
                b"echo: log ok\n".as_slice()
            } else {
                b"echo: log INCOMPLETE\n".as_slice()
            });
            ok &= complete;
        }
        Some(LogResult::BufferTooSmall { required }) => {
            print_kv(b"echo: log buffer too small, required", required as u32);
            ok = false;
        }
        None => {
            print(b"echo: no X-Amz-Log-Result\n");
            ok = false;
        }
    }
    ok
}

fn check_missing(outcome: &InvokeOutcome) -> bool {
    match outcome {
        InvokeOutcome::ServiceError(e) => {
            print(b"missing: status=");
            print_u32(e.status.into());
            // The code as received: `kind.code()` would link the full code table a second time.
            print(b" code=");
            print(e.code.as_deref().unwrap_or("none").as_bytes());
            print(b" message=");
            print(e.message().as_bytes());
            print(b"\n");
            e.kind == ServiceErrorKind::ResourceNotFoundException && e.status == 404
        }
        InvokeOutcome::Success(s) => {
            print(b"missing: unexpected success, status=");
            print_u32(s.status.into());
            print(b"\n");
            false
        }
    }
}

fn report_error(what: &[u8], e: &FwInvokeError) -> bool {
    print(what);
    print(b": ");
    print(match e {
        InvokeError::Request(e) => e.as_str().as_bytes(),
        InvokeError::Sink(_) => b"payload larger than the payload buffer",
        InvokeError::Response {
            error: ReadError::Http(_),
            ..
        } => b"malformed or cut-short HTTP response",
        InvokeError::Response {
            error: ReadError::Header { .. },
            ..
        } => b"unacceptable Lambda header value",
        InvokeError::Response { .. } => b"response error",
        _ => b"invoke failed",
    });
    print(b"\n");
    false
}

/// Whether `needle` occurs in `haystack` (a naive search: logs are at most 4 KiB).
fn contains(haystack: &[u8], needle: &[u8]) -> bool {
    let mut start: usize = 0;
    while let Some(window) = haystack.get(start..start.wrapping_add(needle.len())) {
        if same(window, needle) {
            return true;
        }
        start += 1;
    }
    false
}

/// `a == b`, byte by byte: `==` on slices calls `memcmp`, which nothing else in the firmware
/// links.
fn same(a: &[u8], b: &[u8]) -> bool {
    a.len() == b.len() && a.iter().zip(b).all(|(x, y)| x == y)
}

fn fail(what: &[u8], why: &[u8]) -> bool {
    print(what);
    print(why);
    print(b"\n");
    false
}

/// Decimal digits to a number, at compile time (a non-digit fails the build).
const fn parse_decimal(s: &str) -> u64 {
    let bytes = s.as_bytes();
    let mut n: u64 = 0;
    let mut i = 0;
    while i < bytes.len() {
        let d = bytes[i];
        assert!(
            d.is_ascii_digit(),
            "PICOLAMBDA_FW_START_UNIX must be decimal"
        );
        n = n * 10 + (d - b'0') as u64;
        i += 1;
    }
    n
}
