//! Size probe: HTTP response parsing only. `ResponseParser` over a response whose bytes the
//! optimiser cannot see (status line, headers, the values of two named fields, body framing,
//! the body); no Lambda-specific mapping (see `probe_invoke` for that).
#![no_std]
#![no_main]

use picolambda::http::response::{Event, ResponseParser};
use picolambda_cortex_m_qemu::probe::{consume, finish, input, keep_fixtures, RESPONSE_OK};

#[cortex_m_rt::entry]
fn main() -> ! {
    keep_fixtures();
    finish(parse().is_some())
}

fn parse() -> Option<()> {
    let mut parser = ResponseParser::new(&["x-amz-function-error", "x-amz-log-result"]);
    let mut input: &[u8] = input(RESPONSE_OK);
    let mut status = 0u16;
    let mut header_bytes = 0usize;
    let mut body = 0usize;
    loop {
        let progress = parser.handle_input(input).ok()?;
        input = input.get(progress.consumed..)?;
        match progress.event {
            None => {
                // Out of input: the peer closed.
                let _ = parser.handle_eof().ok()?;
                break;
            }
            Some(Event::Header { fragment, .. }) => header_bytes += fragment.len(),
            Some(Event::Head(head)) => status = head.status,
            Some(Event::Body(chunk)) => body += chunk.len(),
            Some(Event::End { reusable }) => {
                consume(&reusable);
                break;
            }
            Some(_) => {}
        }
    }
    consume(&(status, header_bytes, body));
    Some(())
}
