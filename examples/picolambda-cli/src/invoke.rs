//! `picolambda invoke FUNCTION [options]`: the whole call, through `picolambda-std`.
//!
//! With no credentials and no endpoint configured it starts the local endpoint in-process (with
//! `serve`'s demo functions) and invokes that, saying so on stderr, so it works on a fresh
//! machine.

use std::fs::File;
use std::io::{self, Seek as _, Write as _};
use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::Arc;
use std::time::{Duration, Instant};

use picolambda::driver::{InvokeError, SeekablePayload};
use picolambda::endpoint::EndpointOptions;
use picolambda::invoke::response::InvokeOutcome;
use picolambda_std::local::LocalLambda;
use picolambda_std::{config, ClientConfig, LambdaClient, OwnedCredentials};

use crate::inputs::Inputs;
use crate::output::{outcome_json, EXIT_FAILURE, EXIT_OK, EXIT_SERVICE_ERROR};
use crate::serve;

/// A file payload read twice (hash, then send) and never held in memory.
struct FileSource(File);

impl embedded_io::ErrorType for FileSource {
    type Error = io::Error;
}

impl embedded_io::Read for FileSource {
    fn read(&mut self, buf: &mut [u8]) -> io::Result<usize> {
        io::Read::read(&mut self.0, buf)
    }
}

impl embedded_io::Seek for FileSource {
    fn seek(&mut self, pos: embedded_io::SeekFrom) -> io::Result<u64> {
        self.0.seek(match pos {
            embedded_io::SeekFrom::Start(n) => io::SeekFrom::Start(n),
            embedded_io::SeekFrom::End(n) => io::SeekFrom::End(n),
            embedded_io::SeekFrom::Current(n) => io::SeekFrom::Current(n),
        })
    }
}

/// Where the payload comes from.
pub(crate) enum PayloadArg {
    Inline(Vec<u8>),
    File(String),
}

pub(crate) struct InvokeArgs {
    pub(crate) inputs: Inputs,
    pub(crate) payload: PayloadArg,
    pub(crate) json: bool,
    pub(crate) outfile: Option<String>,
}

/// Prints "still waiting" on stderr every few seconds while a synchronous invoke runs.
struct Progress {
    done: Arc<AtomicBool>,
    thread: Option<std::thread::JoinHandle<()>>,
}

impl Progress {
    fn start(function: String) -> Self {
        let done = Arc::new(AtomicBool::new(false));
        let flag = done.clone();
        let thread = std::thread::spawn(move || {
            let start = Instant::now();
            let mut next = Duration::from_secs(5);
            while !flag.load(Ordering::Relaxed) {
                std::thread::sleep(Duration::from_millis(100));
                if start.elapsed() >= next {
                    eprintln!(
                        "picolambda: waiting for {function} ({} s)",
                        start.elapsed().as_secs()
                    );
                    next += Duration::from_secs(5);
                }
            }
        });
        Self {
            done,
            thread: Some(thread),
        }
    }
}

impl Drop for Progress {
    fn drop(&mut self) {
        self.done.store(true, Ordering::Relaxed);
        if let Some(t) = self.thread.take() {
            let _ = t.join();
        }
    }
}

pub(crate) fn run(mut args: InvokeArgs) -> i32 {
    // Credentials and endpoint: the SDKs' sources; with neither, an in-process local endpoint.
    let credentials = config::default_credentials();
    let mut _local = None;
    let credentials = match (credentials, &args.inputs.endpoint) {
        (Some(c), _) => c,
        (None, Some(_)) => {
            eprintln!(
                "picolambda invoke: no AWS credentials (environment or shared credentials file)"
            );
            return EXIT_FAILURE;
        }
        (None, None) => {
            let server = match serve::with_demo_functions(LocalLambda::new())
                .credentials(serve::LOCAL_ACCESS_KEY, serve::LOCAL_SECRET_KEY)
                .region(&args.inputs.region)
                .start()
            {
                Ok(s) => s,
                Err(e) => {
                    eprintln!("picolambda invoke: cannot start the local endpoint: {e}");
                    return EXIT_FAILURE;
                }
            };
            eprintln!(
                "picolambda: no AWS credentials or endpoint configured; invoking the in-process \
                 local endpoint at {} (functions: echo, fail, log)",
                server.endpoint_url()
            );
            args.inputs.endpoint = Some(server.endpoint_url());
            _local = Some(server);
            OwnedCredentials {
                access_key_id: serve::LOCAL_ACCESS_KEY.into(),
                secret_access_key: serve::LOCAL_SECRET_KEY.into(),
                session_token: None,
            }
        }
    };
    args.inputs.access_key = credentials.access_key_id.clone();
    args.inputs.secret_key = credentials.secret_access_key.clone();
    args.inputs.session_token = credentials.session_token.clone();
    // Validate every input with the core before connecting.
    let prepared = match args.inputs.prepare() {
        Ok(p) => p,
        Err(e) => {
            eprintln!("picolambda invoke: {e}");
            return EXIT_FAILURE;
        }
    };
    let mut client = LambdaClient::new(ClientConfig {
        credentials,
        region: args.inputs.region.clone(),
        endpoint_url: args.inputs.endpoint.clone(),
        endpoint_options: EndpointOptions {
            fips: args.inputs.fips,
            dual_stack: args.inputs.dual_stack,
        },
        net: Default::default(),
        retry: Default::default(),
    });
    let synchronous = prepared.request.effective_invocation_type()
        == picolambda::invoke::InvocationType::RequestResponse;
    let progress = synchronous.then(|| Progress::start(args.inputs.function_name.clone()));
    let mut payload_out = Vec::new();
    let mut sink = |c: &[u8]| -> Result<(), std::convert::Infallible> {
        payload_out.extend_from_slice(c);
        Ok(())
    };
    let result: Result<_, String> = match &args.payload {
        PayloadArg::Inline(bytes) => {
            let mut source: &[u8] = bytes;
            client
                .invoke_with(&prepared.request, &mut source, &mut sink)
                .map_err(|e| describe(&e))
        }
        PayloadArg::File(path) => {
            match File::open(path).and_then(|f| SeekablePayload::new(FileSource(f))) {
                Ok(mut source) => client
                    .invoke_with(&prepared.request, &mut source, &mut sink)
                    .map_err(|e| describe(&e)),
                Err(e) => Err(format!("--payload file://{path}: {e}")),
            }
        }
    };
    drop(progress);
    let (outcome, log) = match result {
        Ok(r) => r,
        Err(message) => {
            eprintln!("picolambda invoke: {message}");
            return EXIT_FAILURE;
        }
    };
    if let Some(path) = &args.outfile {
        if let Err(e) = std::fs::write(path, &payload_out) {
            eprintln!("picolambda invoke: --outfile {path}: {e}");
            return EXIT_FAILURE;
        }
    }
    if args.json {
        let (value, code) = outcome_json(&outcome, log.as_deref(), &payload_out);
        println!("{value}");
        return code;
    }
    print_text(
        &outcome,
        log.as_deref(),
        &payload_out,
        args.outfile.is_none(),
    )
}

fn describe<E: std::fmt::Debug, P: std::fmt::Debug, S: std::fmt::Debug>(
    e: &InvokeError<E, P, S>,
) -> String {
    match e {
        InvokeError::Transport { error, reason } => {
            format!("transport failed: {error:?} ({})", reason.as_str())
        }
        other => other.to_string(),
    }
}

fn print_text(
    outcome: &InvokeOutcome,
    log: Option<&[u8]>,
    payload: &[u8],
    show_payload: bool,
) -> i32 {
    let mut out = io::stdout().lock();
    match outcome {
        InvokeOutcome::Success(ok) => {
            let _ = writeln!(out, "StatusCode: {}", ok.status);
            if let Some(v) = &ok.executed_version {
                let _ = writeln!(out, "ExecutedVersion: {v}");
            }
            if let Some(fe) = &ok.function_error {
                let _ = writeln!(out, "FunctionError: {}", fe.as_str());
            }
            if let Some(id) = &ok.meta.request_id {
                let _ = writeln!(out, "RequestId: {id}");
            }
            if let Some(log) = log {
                let _ = writeln!(
                    out,
                    "--- log ---\n{}",
                    String::from_utf8_lossy(log).trim_end()
                );
            }
            if show_payload {
                let _ = writeln!(out, "--- payload ---");
                let _ = out.write_all(payload);
                let _ = writeln!(out);
            }
            EXIT_OK
        }
        InvokeOutcome::ServiceError(e) => {
            eprintln!(
                "picolambda invoke: {} ({}): {}",
                e.code.as_ref().map_or("error", |c| c.as_str()),
                e.status,
                e.message()
            );
            EXIT_SERVICE_ERROR
        }
    }
}
