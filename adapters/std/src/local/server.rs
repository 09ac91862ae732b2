//! The running endpoint: accept loop, one thread per connection, routing, function resolution,
//! invocation, and the `Event` queue.

use std::collections::HashMap;
use std::io::Write;
use std::net::{Shutdown, SocketAddr, TcpListener, TcpStream};
use std::panic::{catch_unwind, AssertUnwindSafe};
use std::sync::atomic::{AtomicBool, AtomicU64, Ordering};
use std::sync::mpsc::{self, Receiver, SyncSender, TrySendError};
use std::sync::{Arc, Condvar, Mutex, MutexGuard};
use std::thread::{self, JoinHandle};
use std::time::{Duration, Instant};

use base64::Engine as _;
use picolambda::endpoint::Partition;
use picolambda::invoke::{
    FunctionName, InvocationType, LogType, Qualifier, MAX_CLIENT_CONTEXT_LEN,
};

use super::auth::{parse_query, percent_decode, AcceptedKey, Verifier};
use super::clock::{imf_fixdate, server_now, RequestIds};
use super::error::ApiError;
use super::http::{serialize, BodyMode, Conn, ReadError, Request, Response, Version};
use super::{
    Function, FunctionError, Handler, Invocation, Stats, LOG_TAIL_BYTES, MAX_BODY_BYTES,
    MAX_RESPONSE_PAYLOAD_BYTES,
};

/// The validated configuration, shared read-only by every thread.
pub(crate) struct Config {
    pub(crate) functions: HashMap<String, Function>,
    pub(crate) keys: Vec<AcceptedKey>,
    pub(crate) region: String,
    pub(crate) account_id: String,
    pub(crate) clock_offset: i64,
    pub(crate) body_mode: BodyMode,
    pub(crate) read_timeout: Duration,
    pub(crate) idle_timeout: Duration,
    pub(crate) max_connections: usize,
    pub(crate) max_queued_events: usize,
    pub(crate) log_to_stderr: bool,
}

#[derive(Default)]
struct Counters {
    connections: AtomicU64,
    requests: AtomicU64,
    invocations: AtomicU64,
    events_queued: AtomicU64,
    events_completed: AtomicU64,
}

/// An `Event` invocation waiting for the event thread.
struct EventJob {
    handler: Handler,
    function_name: String,
    qualifier: Option<String>,
    executed_version: String,
    payload: Vec<u8>,
    client_context: Option<Vec<u8>>,
    request_id: String,
    tenant_id: Option<String>,
}

/// State shared by the handle, the accept loop, the connections and the event thread.
pub(crate) struct Shared {
    pub(crate) config: Config,
    counters: Counters,
    stop: AtomicBool,
    ids: RequestIds,
    /// A clone of every open connection's socket, so that `stop` can shut them down and
    /// unblock their threads.
    conns: Mutex<HashMap<u64, TcpStream>>,
    next_conn: AtomicU64,
    /// Connection threads alive, and a condition variable signalled when one ends.
    active: Mutex<usize>,
    idle: Condvar,
    events: Mutex<Option<SyncSender<EventJob>>>,
}

/// Locks, ignoring poisoning: the data behind these mutexes (a socket list, a counter, a
/// sender) stays consistent even if a thread panicked while holding the lock.
fn lock<T>(m: &Mutex<T>) -> MutexGuard<'_, T> {
    m.lock().unwrap_or_else(|e| e.into_inner())
}

impl Shared {
    pub(crate) fn stats(&self) -> Stats {
        let c = &self.counters;
        Stats {
            connections: c.connections.load(Ordering::SeqCst),
            requests: c.requests.load(Ordering::SeqCst),
            invocations: c.invocations.load(Ordering::SeqCst),
            events_queued: c.events_queued.load(Ordering::SeqCst),
            events_completed: c.events_completed.load(Ordering::SeqCst),
        }
    }

    /// `arn:PARTITION:lambda:REGION:ACCOUNT:function:NAME[:QUALIFIER]` for this endpoint.
    pub(crate) fn function_arn(&self, name: &str, qualifier: Option<&str>) -> String {
        arn(
            &self.config.region,
            &self.config.account_id,
            name,
            qualifier,
        )
    }
}

fn arn(region: &str, account: &str, name: &str, qualifier: Option<&str>) -> String {
    let partition = Partition::of_region(region).id;
    match qualifier {
        Some(q) => format!("arn:{partition}:lambda:{region}:{account}:function:{name}:{q}"),
        None => format!("arn:{partition}:lambda:{region}:{account}:function:{name}"),
    }
}

/// Binds and starts the accept loop and the event thread.
pub(crate) fn start(
    config: Config,
    port: u16,
) -> std::io::Result<(Arc<Shared>, SocketAddr, Vec<JoinHandle<()>>)> {
    let listener = TcpListener::bind(("127.0.0.1", port))?;
    let addr = listener.local_addr()?;
    let (tx, rx) = mpsc::sync_channel(config.max_queued_events);
    let shared = Arc::new(Shared {
        config,
        counters: Counters::default(),
        stop: AtomicBool::new(false),
        ids: RequestIds::new(),
        conns: Mutex::new(HashMap::new()),
        next_conn: AtomicU64::new(0),
        active: Mutex::new(0),
        idle: Condvar::new(),
        events: Mutex::new(Some(tx)),
    });
    let mut threads = Vec::new();
    let s = shared.clone();
    threads.push(
        thread::Builder::new()
            .name("picolambda-local-events".into())
            .spawn(move || event_loop(&s, rx))?,
    );
    let s = shared.clone();
    let accept = thread::Builder::new()
        .name("picolambda-local-accept".into())
        .spawn(move || accept_loop(&s, listener));
    match accept {
        Ok(t) => threads.push(t),
        Err(e) => {
            stop(&shared, addr, threads);
            return Err(e);
        }
    }
    Ok((shared, addr, threads))
}

/// Stops the server: wakes the accept loop, shuts every connection down, closes the event
/// queue, then waits for the accept, event and connection threads, all together at most 5 s: a
/// function that never returns must not hang the caller's drop (its thread is left detached).
pub(crate) fn stop(shared: &Shared, addr: SocketAddr, threads: Vec<JoinHandle<()>>) {
    if shared.stop.swap(true, Ordering::SeqCst) {
        return;
    }
    // `accept` has no timeout: a connection of our own wakes it to see the flag.
    let _ = TcpStream::connect_timeout(&addr, Duration::from_secs(1));
    for (_, s) in lock(&shared.conns).drain() {
        let _ = s.shutdown(Shutdown::Both);
    }
    lock(&shared.events).take();
    let deadline = Instant::now() + Duration::from_secs(5);
    for t in threads {
        while !t.is_finished() && Instant::now() < deadline {
            thread::sleep(Duration::from_millis(1));
        }
        if t.is_finished() {
            let _ = t.join();
        }
    }
    let mut active = lock(&shared.active);
    while *active > 0 {
        let left = deadline.saturating_duration_since(Instant::now());
        if left.is_zero() {
            break;
        }
        active = match shared.idle.wait_timeout(active, left) {
            Ok((g, _)) => g,
            Err(e) => e.into_inner().0,
        };
    }
}

/// Releases a connection's slot and registry entry when its thread ends (or fails to start).
struct ConnGuard {
    shared: Arc<Shared>,
    id: u64,
}

impl Drop for ConnGuard {
    fn drop(&mut self) {
        lock(&self.shared.conns).remove(&self.id);
        let mut active = lock(&self.shared.active);
        *active = active.saturating_sub(1);
        self.shared.idle.notify_all();
    }
}

fn accept_loop(shared: &Arc<Shared>, listener: TcpListener) {
    for stream in listener.incoming() {
        if shared.stop.load(Ordering::SeqCst) {
            break;
        }
        let stream = match stream {
            Ok(s) => s,
            Err(_) => {
                // Out of file descriptors and the like: back off instead of spinning.
                thread::sleep(Duration::from_millis(10));
                continue;
            }
        };
        shared.counters.connections.fetch_add(1, Ordering::SeqCst);
        // Responses are written whole; Nagle would only delay them behind the client's ACKs.
        let _ = stream.set_nodelay(true);
        // A client that stops reading must not pin a thread on a blocked write either.
        let _ = stream.set_write_timeout(Some(
            shared.config.read_timeout.max(Duration::from_millis(1)),
        ));
        {
            let mut active = lock(&shared.active);
            if *active >= shared.config.max_connections {
                drop(active);
                refuse(shared, stream);
                continue;
            }
            *active += 1;
        }
        let id = shared.next_conn.fetch_add(1, Ordering::SeqCst);
        if let Ok(clone) = stream.try_clone() {
            lock(&shared.conns).insert(id, clone);
        }
        let guard = ConnGuard {
            shared: shared.clone(),
            id,
        };
        // If the spawn fails the closure is dropped, and with it the guard and the stream.
        let _ = thread::Builder::new()
            .name("picolambda-local-conn".into())
            .spawn(move || {
                serve_connection(&guard.shared, stream);
                drop(guard);
            });
    }
}

/// Answers a connection over the limit with `503` and closes it.
fn refuse(shared: &Shared, mut stream: TcpStream) {
    let mut response = ApiError::new(
        503,
        "ServiceException",
        "Too many connections to the local endpoint.",
    )
    .into_response();
    response
        .headers
        .push(("x-amzn-RequestId", shared.ids.next()));
    let date = imf_fixdate(server_now(shared.config.clock_offset));
    let (head, body) = serialize(&response, &date, false, BodyMode::ContentLength);
    let _ = stream.write_all(&head);
    let _ = stream.write_all(body);
    let _ = stream.shutdown(Shutdown::Write);
}

fn serve_connection(shared: &Shared, stream: TcpStream) {
    let config = &shared.config;
    let mut conn = Conn::new(
        stream,
        config.read_timeout,
        config.idle_timeout,
        MAX_BODY_BYTES,
    );
    let mut verifier = Verifier::new(&config.keys, &config.region);
    loop {
        if shared.stop.load(Ordering::SeqCst) {
            return;
        }
        let request = match conn.read_request() {
            Ok(Some(r)) => r,
            Ok(None) | Err(ReadError::Io) => return,
            Err(e) => {
                // The request's framing is unknown, so nothing after it can be trusted: answer
                // and close.
                let error = match e {
                    ReadError::Malformed(what) => ApiError::new(
                        400,
                        "BadRequestException",
                        format!("Malformed HTTP request: {what}."),
                    ),
                    ReadError::HeadTooLarge => ApiError::new(
                        431,
                        "RequestHeaderFieldsTooLargeException",
                        "Request header fields too large.",
                    ),
                    ReadError::BodyTooLarge => request_too_large(InvocationType::RequestResponse),
                    ReadError::UnsupportedTransferEncoding => ApiError::new(
                        501,
                        "NotImplementedException",
                        "Only the chunked transfer coding is supported.",
                    ),
                    ReadError::Io => return,
                };
                // The version is unknown after a malformed head: frame by length, which every
                // client reads.
                let _ = respond(shared, &mut conn, error.into_response(), false, false);
                conn.linger_close();
                return;
            }
        };
        let response = handle(shared, &mut verifier, &request);
        let keep_alive = request.keep_alive && !shared.stop.load(Ordering::SeqCst);
        // HTTP/1.0 clients cannot read chunked bodies.
        let chunked_ok = request.version == Version::Http11;
        if respond(shared, &mut conn, response, keep_alive, chunked_ok).is_err() {
            return;
        }
        if !keep_alive {
            conn.linger_close();
            return;
        }
    }
}

/// Adds the headers every response carries and writes it.
fn respond(
    shared: &Shared,
    conn: &mut Conn,
    mut response: Response,
    keep_alive: bool,
    chunked_ok: bool,
) -> std::io::Result<()> {
    if !response
        .headers
        .iter()
        .any(|(n, _)| *n == "x-amzn-RequestId")
    {
        response
            .headers
            .push(("x-amzn-RequestId", shared.ids.next()));
    }
    if !response.headers.iter().any(|(n, _)| *n == "Content-Type") {
        response
            .headers
            .push(("Content-Type", "application/json".to_owned()));
    }
    let mode = if chunked_ok {
        shared.config.body_mode
    } else {
        BodyMode::ContentLength
    };
    let date = imf_fixdate(server_now(shared.config.clock_offset));
    let (head, body) = serialize(&response, &date, keep_alive, mode);
    // Counted before the write, so a client that has read the response sees it counted.
    shared.counters.requests.fetch_add(1, Ordering::SeqCst);
    conn.write_response(&head, body)
}

/// `POST /2015-03-31/functions/{FunctionName}/invocations`: the raw (encoded) name segment.
fn route(request: &Request) -> Option<&str> {
    let name = request
        .path
        .strip_prefix("/2015-03-31/functions/")?
        .strip_suffix("/invocations")?;
    (request.method == "POST" && !name.is_empty() && !name.contains('/')).then_some(name)
}

fn handle(shared: &Shared, verifier: &mut Verifier<'_>, request: &Request) -> Response {
    let request_id = shared.ids.next();
    let mut response = match invoke(shared, verifier, request, &request_id) {
        Ok(r) => r,
        Err(e) => e.into_response(),
    };
    log::debug!(
        "local lambda: {} {} -> {} ({request_id})",
        request.method,
        request.path,
        response.status
    );
    response.headers.push(("x-amzn-RequestId", request_id));
    response
}

fn request_too_large(invocation_type: InvocationType) -> ApiError {
    ApiError::new(
        413,
        "RequestTooLargeException",
        format!(
            "Request must be smaller than {} bytes for the InvokeFunction operation",
            invocation_type.max_payload_len()
        ),
    )
}

/// The model's `FunctionName` pattern, quoted in validation errors as Lambda does.
const FUNCTION_NAME_PATTERN: &str = "(arn:(aws[a-zA-Z-]*)?:lambda:)?([a-z]{2}((-gov)|(-iso([a-z]?)))?-[a-z]+-\\d{1}:)?(\\d{12}:)?(function:)?([a-zA-Z0-9-_\\.]+)(:(\\$LATEST|[a-zA-Z0-9-_]+))?";

/// The parts of a `FunctionName` in any of its forms.
struct NameParts<'a> {
    region: Option<&'a str>,
    account: Option<&'a str>,
    name: &'a str,
    qualifier: Option<&'a str>,
}

/// Splits a `FunctionName` the core has validated: `name[:q]`, `function:name[:q]`,
/// `ACCOUNT:function:name[:q]`, `REGION:ACCOUNT:function:name[:q]` or
/// `arn:PARTITION:lambda:REGION:ACCOUNT:function:name[:q]`. Prefixes are tried longest first,
/// as the model's greedy pattern does.
fn split_function_name(s: &str) -> Option<NameParts<'_>> {
    let segs: Vec<&str> = s.split(':').collect();
    let account_like = |a: &str| a.len() == 12 && a.bytes().all(|b| b.is_ascii_digit());
    let (region, account, rest) = match segs.as_slice() {
        ["arn", _, "lambda", region, account, "function", rest @ ..] => {
            (Some(*region), Some(*account), rest)
        }
        [account, "function", rest @ ..] if account_like(account) => (None, Some(*account), rest),
        [region, account, "function", rest @ ..] if account_like(account) => {
            (Some(*region), Some(*account), rest)
        }
        ["function", rest @ ..] if !rest.is_empty() => (None, None, rest),
        rest => (None, None, rest),
    };
    match rest {
        [name] => Some(NameParts {
            region,
            account,
            name,
            qualifier: None,
        }),
        [name, q] => Some(NameParts {
            region,
            account,
            name,
            qualifier: Some(q),
        }),
        _ => None,
    }
}

/// The function version an invoke resolves to.
struct Resolved<'c> {
    name: &'c str,
    handler: Handler,
    executed_version: String,
    qualifier: Option<String>,
}

fn resolve<'c>(
    config: &'c Config,
    function_name: &str,
    query_qualifier: Option<&str>,
) -> Result<Resolved<'c>, ApiError> {
    let invalid = || {
        ApiError::validation(format!(
            "1 validation error detected: Value '{function_name}' at 'functionName' failed to \
             satisfy constraint: Member must satisfy regular expression pattern: \
             {FUNCTION_NAME_PATTERN}"
        ))
    };
    FunctionName::new(function_name).map_err(|_| invalid())?;
    let parts = split_function_name(function_name).ok_or_else(invalid)?;
    if let Some(q) = query_qualifier {
        Qualifier::new(q).map_err(|_| {
            ApiError::validation(format!(
                "1 validation error detected: Value '{q}' at 'qualifier' failed to satisfy \
                 constraint: Member must satisfy regular expression pattern: (|[a-zA-Z0-9$_-]+)"
            ))
        })?;
    }
    let qualifier = match (parts.qualifier, query_qualifier) {
        (Some(a), Some(b)) if a != b => {
            return Err(ApiError::new(
                400,
                "InvalidParameterValueException",
                "The derived qualifier from the function name does not match the specified \
                 qualifier.",
            ))
        }
        (a, b) => a.or(b),
    };
    let not_found = || {
        ApiError::function_not_found(&arn(
            parts.region.unwrap_or(&config.region),
            parts.account.unwrap_or(&config.account_id),
            parts.name,
            qualifier,
        ))
    };
    if parts.region.is_some_and(|r| r != config.region)
        || parts.account.is_some_and(|a| a != config.account_id)
    {
        return Err(not_found());
    }
    let (name, function) = config
        .functions
        .get_key_value(parts.name)
        .ok_or_else(not_found)?;
    // A qualifier of digits is a version (written without leading zeros, as Lambda numbers
    // them); anything else but `$LATEST` is an alias.
    let version = match qualifier {
        None | Some("$LATEST") => "$LATEST",
        Some(q) if q.bytes().all(|b| b.is_ascii_digit()) => q,
        Some(alias) => function.aliases.get(alias).ok_or_else(not_found)?.as_str(),
    };
    let handler = if version == "$LATEST" {
        function.latest.clone()
    } else {
        version
            .parse::<u32>()
            .ok()
            .filter(|v| v.to_string() == version)
            .and_then(|v| function.versions.get(&v))
            .ok_or_else(not_found)?
            .clone()
    };
    let version = version.to_owned();
    Ok(Resolved {
        name,
        handler,
        executed_version: version,
        qualifier: qualifier.map(str::to_owned),
    })
}

/// Lambda only accepts JSON payloads (an empty one included).
fn check_json(payload: &[u8]) -> Result<(), ApiError> {
    if payload.is_empty() {
        return Ok(());
    }
    serde_json::from_slice::<serde::de::IgnoredAny>(payload)
        .map(|_| ())
        .map_err(|e| {
            ApiError::new(
                400,
                "InvalidRequestContentException",
                format!("Could not parse request body into json: Could not parse payload into json: {e}"),
            )
        })
}

fn invoke(
    shared: &Shared,
    verifier: &mut Verifier<'_>,
    request: &Request,
    request_id: &str,
) -> Result<Response, ApiError> {
    let config = &shared.config;
    let Some(raw_name) = route(request) else {
        return Err(ApiError::new(
            404,
            "UnknownOperationException",
            format!("Unknown operation: {} {}", request.method, request.path),
        ));
    };
    let query = match &request.query {
        Some(q) => parse_query(q)
            .ok_or_else(|| ApiError::new(400, "BadRequestException", "Malformed query string."))?,
        None => Vec::new(),
    };
    verifier.verify(request, &query, server_now(config.clock_offset))?;

    let function_name = percent_decode(raw_name).ok_or_else(|| {
        ApiError::validation(format!(
            "1 validation error detected: Value '{raw_name}' at 'functionName' failed to \
             satisfy constraint: Member must satisfy regular expression pattern: \
             {FUNCTION_NAME_PATTERN}"
        ))
    })?;
    let mut query_qualifier = None;
    for (name, value) in &query {
        if name == "Qualifier" {
            if query_qualifier.is_some() {
                return Err(ApiError::validation("Qualifier given more than once."));
            }
            query_qualifier = Some(value.as_str());
        }
    }
    let invocation_type = match request.header("x-amz-invocation-type") {
        None => InvocationType::RequestResponse,
        Some(v) => InvocationType::parse(v).ok_or_else(|| {
            ApiError::validation(format!(
                "1 validation error detected: Value '{v}' at 'invocationType' failed to satisfy \
                 constraint: Member must satisfy enum value set: [Event, RequestResponse, DryRun]"
            ))
        })?,
    };
    let log_type = match request.header("x-amz-log-type") {
        None => LogType::None,
        Some(v) => LogType::parse(v).ok_or_else(|| {
            ApiError::validation(format!(
                "1 validation error detected: Value '{v}' at 'logType' failed to satisfy \
                 constraint: Member must satisfy enum value set: [None, Tail]"
            ))
        })?,
    };
    let client_context = match request.header("x-amz-client-context") {
        None => None,
        Some(v) => Some(decode_client_context(v)?),
    };
    let tenant_id = request.header("x-amz-tenant-id");

    if request.body.len() as u64 > invocation_type.max_payload_len() {
        return Err(request_too_large(invocation_type));
    }
    let resolved = resolve(config, &function_name, query_qualifier)?;
    check_json(&request.body)?;

    match invocation_type {
        InvocationType::DryRun => Ok(Response {
            status: 204,
            headers: Vec::new(),
            body: Vec::new(),
        }),
        InvocationType::Event => {
            let job = EventJob {
                handler: resolved.handler,
                function_name: resolved.name.to_owned(),
                qualifier: resolved.qualifier,
                executed_version: resolved.executed_version,
                payload: request.body.clone(),
                client_context,
                request_id: request_id.to_owned(),
                tenant_id: tenant_id.map(str::to_owned),
            };
            let sent = match lock(&shared.events).as_ref() {
                Some(tx) => tx.try_send(job),
                None => Err(TrySendError::Disconnected(job)),
            };
            match sent {
                Ok(()) => {
                    shared.counters.events_queued.fetch_add(1, Ordering::SeqCst);
                    Ok(Response {
                        status: 202,
                        headers: Vec::new(),
                        body: Vec::new(),
                    })
                }
                Err(TrySendError::Full(_)) => Err(ApiError {
                    reason: Some("CallerRateLimitExceeded"),
                    ..ApiError::new(429, "TooManyRequestsException", "Rate Exceeded.")
                }),
                Err(TrySendError::Disconnected(_)) => Err(ApiError::new(
                    503,
                    "ServiceException",
                    "The local endpoint is shutting down.",
                )),
            }
        }
        InvocationType::RequestResponse => {
            let (result, log) = run(
                shared,
                &resolved.handler,
                RunInputs {
                    payload: &request.body,
                    invocation_type,
                    function_name: resolved.name,
                    qualifier: resolved.qualifier.as_deref(),
                    executed_version: &resolved.executed_version,
                    client_context: client_context.as_deref(),
                    request_id,
                    tenant_id,
                },
            );
            let mut headers = vec![("X-Amz-Executed-Version", resolved.executed_version.clone())];
            let body = match result {
                Ok(payload) => payload,
                Err(e) => {
                    headers.push(("X-Amz-Function-Error", e.header_value().to_owned()));
                    match e {
                        FunctionError::Unhandled(p) | FunctionError::Handled(p) => p,
                    }
                }
            };
            if log_type == LogType::Tail {
                let tail = log
                    .get(log.len().saturating_sub(LOG_TAIL_BYTES)..)
                    .unwrap_or(&log);
                headers.push((
                    "X-Amz-Log-Result",
                    base64::engine::general_purpose::STANDARD.encode(tail),
                ));
            }
            Ok(Response {
                status: 200,
                headers,
                body,
            })
        }
    }
}

/// Decodes `X-Amz-Client-Context`: base64 of a JSON object, at most 3,583 characters.
fn decode_client_context(value: &str) -> Result<Vec<u8>, ApiError> {
    let invalid = || {
        ApiError::new(
            400,
            "InvalidRequestContentException",
            "Client context must be a valid Base64-encoded JSON object.",
        )
    };
    if value.len() > MAX_CLIENT_CONTEXT_LEN {
        return Err(invalid());
    }
    let raw = base64::engine::general_purpose::STANDARD
        .decode(value)
        .map_err(|_| invalid())?;
    match serde_json::from_slice::<serde_json::Value>(&raw) {
        Ok(serde_json::Value::Object(_)) => Ok(raw),
        _ => Err(invalid()),
    }
}

/// Everything a function run needs besides the handler.
struct RunInputs<'a> {
    payload: &'a [u8],
    invocation_type: InvocationType,
    function_name: &'a str,
    qualifier: Option<&'a str>,
    executed_version: &'a str,
    client_context: Option<&'a [u8]>,
    request_id: &'a str,
    tenant_id: Option<&'a str>,
}

/// Runs a function between Lambda's `START` and `END`/`REPORT` log lines, catching panics, and
/// returns its result and the whole log.
fn run(
    shared: &Shared,
    handler: &Handler,
    inputs: RunInputs<'_>,
) -> (Result<Vec<u8>, FunctionError>, Vec<u8>) {
    let id = inputs.request_id;
    let mut invocation = Invocation {
        payload: inputs.payload,
        invocation_type: inputs.invocation_type,
        function_name: inputs.function_name,
        qualifier: inputs.qualifier,
        executed_version: inputs.executed_version,
        client_context: inputs.client_context,
        request_id: id,
        tenant_id: inputs.tenant_id,
        log: format!(
            "START RequestId: {id} Version: {}\n",
            inputs.executed_version
        )
        .into_bytes(),
    };
    shared.counters.invocations.fetch_add(1, Ordering::SeqCst);
    let started = Instant::now();
    let result = match catch_unwind(AssertUnwindSafe(|| handler(&mut invocation))) {
        Ok(Ok(payload)) if payload.len() > MAX_RESPONSE_PAYLOAD_BYTES => {
            Err(FunctionError::unhandled(
                "Function.ResponseSizeTooLarge",
                &format!(
                    "Response payload size exceeded maximum allowed payload size \
                     ({MAX_RESPONSE_PAYLOAD_BYTES} bytes)."
                ),
            ))
        }
        Ok(result) => result,
        Err(panic) => {
            let what = panic
                .downcast_ref::<&str>()
                .map(|s| (*s).to_owned())
                .or_else(|| panic.downcast_ref::<String>().cloned())
                .unwrap_or_else(|| "panic".to_owned());
            invocation.log(format!("panicked: {what}"));
            Err(FunctionError::unhandled(
                "Runtime.ExitError",
                &format!("RequestId: {id} Error: Runtime exited with error: {what}"),
            ))
        }
    };
    let elapsed = started.elapsed();
    let ms = elapsed.as_secs_f64() * 1000.0;
    let billed = elapsed.as_millis().saturating_add(1);
    let mut log = invocation.log;
    log.extend_from_slice(
        format!(
            "END RequestId: {id}\nREPORT RequestId: {id}\tDuration: {ms:.2} ms\tBilled Duration: \
             {billed} ms\tMemory Size: 128 MB\tMax Memory Used: 1 MB\t\n"
        )
        .as_bytes(),
    );
    if shared.config.log_to_stderr {
        eprint!("{}", String::from_utf8_lossy(&log));
    }
    (result, log)
}

fn event_loop(shared: &Shared, rx: Receiver<EventJob>) {
    while let Ok(job) = rx.recv() {
        if shared.stop.load(Ordering::SeqCst) {
            break;
        }
        // Lambda retries failed async invocations twice and then drops them (or sends them to
        // a destination); here the error is only in the log.
        let _ = run(
            shared,
            &job.handler,
            RunInputs {
                payload: &job.payload,
                invocation_type: InvocationType::Event,
                function_name: &job.function_name,
                qualifier: job.qualifier.as_deref(),
                executed_version: &job.executed_version,
                client_context: job.client_context.as_deref(),
                request_id: &job.request_id,
                tenant_id: job.tenant_id.as_deref(),
            },
        );
        shared
            .counters
            .events_completed
            .fetch_add(1, Ordering::SeqCst);
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn splits_every_function_name_form() {
        let cases = [
            ("f", (None, None, "f", None)),
            ("f:live", (None, None, "f", Some("live"))),
            ("function:f", (None, None, "f", None)),
            (
                "123456789012:function:f:3",
                (None, Some("123456789012"), "f", Some("3")),
            ),
            (
                "us-west-2:123456789012:function:f",
                (Some("us-west-2"), Some("123456789012"), "f", None),
            ),
            (
                "arn:aws:lambda:us-east-1:123456789012:function:f:$LATEST",
                (
                    Some("us-east-1"),
                    Some("123456789012"),
                    "f",
                    Some("$LATEST"),
                ),
            ),
        ];
        for (text, want) in cases {
            let p = split_function_name(text).unwrap();
            assert_eq!((p.region, p.account, p.name, p.qualifier), want, "{text}");
        }
        assert!(split_function_name("a:b:c").is_none());
    }
}
