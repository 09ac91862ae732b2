//! `picolambda decode [--chunk N]`: a raw HTTP response on stdin (its end is the peer closing the
//! connection), fed to the core's parser N bytes at a time, printed as one JSON object.
//! Support uses it: "paste the bytes you received".

use std::io::Read;

use picolambda::invoke::response::{InvokeResponseReader, LogResult, MAX_LOG_RESULT_BYTES};

use crate::args::Args;
use crate::output::{outcome_json, EXIT_FAILURE};

pub(crate) fn run(rest: Vec<String>) -> i32 {
    let args = match Args::parse(rest, &["chunk"], &[]) {
        Ok(a) if a.positionals.is_empty() => a,
        Ok(_) => return fail("decode takes no FUNCTION; the response comes on stdin"),
        Err(e) => return fail(&e),
    };
    let chunk = match args.value("chunk").map(str::parse::<usize>) {
        None => usize::MAX,
        Some(Ok(n)) if n > 0 => n,
        Some(_) => return fail("--chunk takes a positive number of bytes"),
    };
    let mut input = Vec::new();
    if let Err(e) = std::io::stdin().read_to_end(&mut input) {
        return fail(&format!("reading stdin: {e}"));
    }
    let mut log = vec![0u8; MAX_LOG_RESULT_BYTES];
    let mut reader: InvokeResponseReader<'_> = InvokeResponseReader::new(&mut log);
    let mut payload = Vec::new();
    let mut sink = |c: &[u8]| -> Result<(), std::convert::Infallible> {
        payload.extend_from_slice(c);
        Ok(())
    };
    let mut outcome = None;
    for piece in input.chunks(chunk) {
        match reader.handle_input(piece, &mut sink) {
            Ok(progress) => {
                if let Some(o) = progress.outcome {
                    outcome = Some(o);
                    break;
                }
            }
            Err(e) => return fail(&format!("malformed response: {e}")),
        }
    }
    let outcome = match outcome {
        Some(o) => o,
        None => match reader.handle_eof(&mut sink) {
            Ok(o) => o,
            Err(e) => return fail(&format!("malformed or truncated response: {e}")),
        },
    };
    let log_text = match &outcome {
        picolambda::invoke::response::InvokeOutcome::Success(s) => match s.log_result {
            Some(LogResult::Decoded { len }) => Some(log[..len].to_vec()),
            _ => None,
        },
        _ => None,
    };
    let (value, code) = outcome_json(&outcome, log_text.as_deref(), &payload);
    println!("{value}");
    code
}

fn fail(message: &str) -> i32 {
    eprintln!("picolambda decode: {message}");
    EXIT_FAILURE
}
