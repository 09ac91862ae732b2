//! Size probe: the full invoke path the firmware uses, without the transport. Builds the inputs
//! (endpoint from a URL, function name, qualifier, credentials), signs and writes the head, then
//! reads a response with `InvokeResponseReader`: HTTP parsing, Lambda headers, the
//! `X-Amz-Log-Result` decode into a caller buffer, the payload into a caller buffer, and service
//! error mapping (`x-amzn-ErrorType` and the JSON error body). Which recorded response is read is
//! decided by an opaque input, so both the success and the error paths are kept.
#![no_std]
#![no_main]

use picolambda::http::response::BodyBuffer;
use picolambda::invoke::response::{InvokeResponseReader, MAX_LOG_RESULT_BYTES};
use picolambda_cortex_m_qemu::cell::TakeOnce;
use picolambda_cortex_m_qemu::probe::{
    consume, finish, input, keep_fixtures, write_invoke_head, RESPONSE_NOT_FOUND, RESPONSE_OK,
};

struct Buffers {
    head: [u8; 1024],
    log: [u8; MAX_LOG_RESULT_BYTES],
    payload: [u8; 512],
}

static BUFFERS: TakeOnce<Buffers> = TakeOnce::new(Buffers {
    head: [0; 1024],
    log: [0; MAX_LOG_RESULT_BYTES],
    payload: [0; 512],
});

#[cortex_m_rt::entry]
fn main() -> ! {
    keep_fixtures();
    finish(invoke().is_some())
}

fn invoke() -> Option<()> {
    let bufs = BUFFERS.take()?;
    let n = write_invoke_head(&mut bufs.head)?;
    consume(&bufs.head.get(..n));

    let response = if input(true) {
        RESPONSE_OK
    } else {
        RESPONSE_NOT_FOUND
    };
    let mut reader: InvokeResponseReader<'_> = InvokeResponseReader::new(&mut bufs.log);
    let mut sink = BodyBuffer::new(&mut bufs.payload);
    // As the firmware reads: the outcome built in place (`handle_input_into`), not returned.
    let mut outcome = None;
    reader
        .handle_input_into(input(response), &mut sink, &mut outcome)
        .ok()?;
    if outcome.is_none() {
        reader.handle_eof_into(&mut sink, &mut outcome).ok()?;
    }
    consume(&outcome);
    consume(&sink.filled());
    Some(())
}
