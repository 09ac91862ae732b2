//! A local Lambda-compatible endpoint for host-side tests and firmware development.
//!
//! [`LocalLambda`] serves the Lambda `Invoke` API (`POST /2015-03-31/functions/{FunctionName}/invocations`)
//! over plain HTTP/1.1 on `127.0.0.1`, runs functions registered as Rust closures, and answers as
//! Lambda does:
//!
//! - **SigV4 is verified** against the configured credentials, with Lambda's errors: an unknown
//!   key or a wrong session token is `403 UnrecognizedClientException`, a wrong signature
//!   `403 InvalidSignatureException` (with the canonical request the server computed, to debug
//!   a signer), an `X-Amz-Date` more than 5 minutes from the server's clock
//!   `403 InvalidSignatureException` "Signature expired: …". The server clock can be skewed on
//!   purpose ([`LocalLambda::clock_offset`]); every response carries a `Date` header from it.
//! - **Function names in every form** resolve to the same function: `name`, `name:alias`,
//!   `name:3`, `123456789012:function:name[:q]`, `arn:aws:lambda:REGION:ACCOUNT:function:name[:q]`,
//!   and `?Qualifier=`. Versions and aliases are declared on [`Function`];
//!   `X-Amz-Executed-Version` says which version ran.
//! - **Invocation types**: `RequestResponse` → 200 with the payload (or
//!   `X-Amz-Function-Error: Unhandled|Handled` and an error payload), `X-Amz-Log-Result` with
//!   `X-Amz-Log-Type: Tail`; `Event` → 202, the function runs later on a bounded queue;
//!   `DryRun` → 204.
//! - **Limits**: payloads over 6 MB (1 MB for `Event`) → `413 RequestTooLargeException`; a
//!   payload that is not JSON → `400 InvalidRequestContentException`; an empty payload is accepted.
//! - **HTTP**: keep-alive (`Connection: close` and HTTP/1.0 honoured), `Content-Length` and
//!   chunked request bodies, `Expect: 100-continue`, optionally chunked response bodies
//!   ([`LocalLambda::chunked_responses`]). Heads are capped at 16 KiB and bodies at
//!   [`MAX_BODY_BYTES`]; every read has a timeout, so a stuck or malicious client cannot hang the
//!   server or a test run. Malformed requests get a `400`, never a panic.
//!
//! Errors carry `x-amzn-RequestId`, `x-amzn-ErrorType` and a JSON body `{"Type":"User","message":"…"}`;
//! `ResourceNotFoundException` uses the `Code:http://internal.amazon.com/coral/…` form real Lambda
//! sometimes sends, so clients are tested on it.
//!
//! One thread per connection (at most [`LocalLambda::max_connections`]), one thread for `Event`
//! invocations. The server stops when the handle is dropped or [`LocalLambdaHandle::shutdown`]
//! is called.
//!
//! ```
//! use picolambda_std::local::{Function, FunctionError, LocalLambda};
//!
//! let server = LocalLambda::new()
//!     .credentials("AKIDLOCAL", "local-secret")
//!     .region("us-east-1")
//!     .function("echo", |inv| {
//!         inv.log("echoing");
//!         Ok(inv.payload().to_vec())
//!     })
//!     .register(
//!         Function::new("fail", |_| Err(FunctionError::unhandled("Boom", "it failed")))
//!             .publish_version(1)
//!             .alias("live", "1"),
//!     )
//!     .start()?;
//! println!("invoke me at {}", server.endpoint_url());
//! // … run a client against it, signing for "us-east-1" with the key above …
//! server.shutdown();
//! # Ok::<(), std::io::Error>(())
//! ```

mod auth;
mod clock;
mod error;
mod http;
mod server;

use std::collections::BTreeMap;
use std::fmt;
use std::net::SocketAddr;
use std::sync::Arc;
use std::thread::JoinHandle;
use std::time::Duration;

pub use picolambda::invoke::InvocationType;

/// Largest request body read: Lambda's 6 MB synchronous payload limit plus 64 KiB, so that a
/// payload slightly over the limit is read and answered with Lambda's `413`, while anything
/// larger is refused from its `Content-Length` without reading it.
pub const MAX_BODY_BYTES: usize = 6 * 1024 * 1024 + 64 * 1024;

/// Largest function response: 6 MB plus the 100 bytes of slack Lambda allows. A larger result
/// becomes an `Unhandled` `Function.ResponseSizeTooLarge` error, as in Lambda.
pub const MAX_RESPONSE_PAYLOAD_BYTES: usize = 6 * 1024 * 1024 + 100;

/// Bytes of log returned in `X-Amz-Log-Result` (the last 4 KB, as Lambda does).
pub const LOG_TAIL_BYTES: usize = 4 * 1024;

/// The account id in function ARNs unless [`LocalLambda::account_id`] sets another.
pub const DEFAULT_ACCOUNT_ID: &str = "123456789012";

/// The region requests must be signed for unless [`LocalLambda::region`] sets another.
pub const DEFAULT_REGION: &str = "us-east-1";

/// A function body: gets the invocation, returns the response payload or a function error.
///
/// Called on the connection's thread (`RequestResponse`) or the event thread (`Event`), so it
/// must be `Send + Sync`. A panic is caught and reported as an `Unhandled` error
/// (`Runtime.ExitError`), like a crashed runtime.
pub type Handler =
    Arc<dyn Fn(&mut Invocation<'_>) -> Result<Vec<u8>, FunctionError> + Send + Sync + 'static>;

/// A function error: the payload goes to the client with `X-Amz-Function-Error`.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum FunctionError {
    /// `X-Amz-Function-Error: Unhandled`: the function threw (every modern runtime reports
    /// errors this way).
    Unhandled(Vec<u8>),
    /// `X-Amz-Function-Error: Handled`: the error the legacy Node.js callback style reported.
    Handled(Vec<u8>),
}

impl FunctionError {
    /// An `Unhandled` error with Lambda's payload shape,
    /// `{"errorMessage":"…","errorType":"…"}`.
    pub fn unhandled(error_type: &str, message: &str) -> Self {
        Self::Unhandled(error_payload(error_type, message))
    }

    /// A `Handled` error with Lambda's payload shape.
    pub fn handled(error_type: &str, message: &str) -> Self {
        Self::Handled(error_payload(error_type, message))
    }

    /// The `X-Amz-Function-Error` value.
    pub fn header_value(&self) -> &'static str {
        match self {
            Self::Unhandled(_) => "Unhandled",
            Self::Handled(_) => "Handled",
        }
    }

    /// The error payload sent as the response body.
    pub fn payload(&self) -> &[u8] {
        match self {
            Self::Unhandled(p) | Self::Handled(p) => p,
        }
    }
}

fn error_payload(error_type: &str, message: &str) -> Vec<u8> {
    let mut body = serde_json::Map::new();
    body.insert("errorMessage".into(), message.into());
    body.insert("errorType".into(), error_type.into());
    serde_json::Value::Object(body).to_string().into_bytes()
}

/// What a function sees of one invocation, and where it writes its log.
pub struct Invocation<'a> {
    payload: &'a [u8],
    invocation_type: InvocationType,
    function_name: &'a str,
    qualifier: Option<&'a str>,
    executed_version: &'a str,
    client_context: Option<&'a [u8]>,
    request_id: &'a str,
    tenant_id: Option<&'a str>,
    log: Vec<u8>,
}

impl<'a> Invocation<'a> {
    /// The request payload (JSON, or empty).
    pub fn payload(&self) -> &'a [u8] {
        self.payload
    }

    /// `RequestResponse` or `Event` (`DryRun` never runs the function).
    pub fn invocation_type(&self) -> InvocationType {
        self.invocation_type
    }

    /// The function's name (without ARN parts or qualifier).
    pub fn function_name(&self) -> &'a str {
        self.function_name
    }

    /// The qualifier the caller asked for (in the name or `?Qualifier=`), if any.
    pub fn qualifier(&self) -> Option<&'a str> {
        self.qualifier
    }

    /// The version that runs: `$LATEST` or a version number (an alias resolved).
    pub fn executed_version(&self) -> &'a str {
        self.executed_version
    }

    /// The client context (`X-Amz-Client-Context`), base64-decoded: JSON bytes.
    pub fn client_context(&self) -> Option<&'a [u8]> {
        self.client_context
    }

    /// The request id, as sent in `x-amzn-RequestId`.
    pub fn request_id(&self) -> &'a str {
        self.request_id
    }

    /// The tenant id (`X-Amz-Tenant-Id`), if sent.
    pub fn tenant_id(&self) -> Option<&'a str> {
        self.tenant_id
    }

    /// Appends a line to the function's log (a newline is added if missing). The last 4 KB of
    /// the log, between Lambda's `START`/`END`/`REPORT` lines, is what `LogType: Tail` returns.
    pub fn log(&mut self, line: impl AsRef<str>) {
        let line = line.as_ref();
        self.log.extend_from_slice(line.as_bytes());
        if !line.ends_with('\n') {
            self.log.push(b'\n');
        }
    }

    /// Everything logged so far.
    pub fn log_bytes(&self) -> &[u8] {
        &self.log
    }
}

impl fmt::Write for Invocation<'_> {
    /// Appends raw text to the log (`write!(inv, …)`), without adding a newline.
    fn write_str(&mut self, s: &str) -> fmt::Result {
        self.log.extend_from_slice(s.as_bytes());
        Ok(())
    }
}

impl fmt::Debug for Invocation<'_> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("Invocation")
            .field("function_name", &self.function_name)
            .field("qualifier", &self.qualifier)
            .field("executed_version", &self.executed_version)
            .field("invocation_type", &self.invocation_type)
            .field("request_id", &self.request_id)
            .field("payload_len", &self.payload.len())
            .finish_non_exhaustive()
    }
}

/// A function: its `$LATEST` handler, published versions and aliases.
#[derive(Clone)]
pub struct Function {
    name: String,
    latest: Handler,
    versions: BTreeMap<u32, Handler>,
    aliases: BTreeMap<String, String>,
}

impl Function {
    /// A function named `name` (1 to 64 of `a-z A-Z 0-9 - _`) whose `$LATEST` runs `handler`.
    pub fn new<F>(name: impl Into<String>, handler: F) -> Self
    where
        F: Fn(&mut Invocation<'_>) -> Result<Vec<u8>, FunctionError> + Send + Sync + 'static,
    {
        Self {
            name: name.into(),
            latest: Arc::new(handler),
            versions: BTreeMap::new(),
            aliases: BTreeMap::new(),
        }
    }

    /// Publishes the current `$LATEST` as version `version` (as `PublishVersion` snapshots the
    /// code): later invokes of `name:version` run the same handler.
    pub fn publish_version(mut self, version: u32) -> Self {
        self.versions.insert(version, self.latest.clone());
        self
    }

    /// Declares version `version` with its own handler (an older build of the function).
    pub fn version<F>(mut self, version: u32, handler: F) -> Self
    where
        F: Fn(&mut Invocation<'_>) -> Result<Vec<u8>, FunctionError> + Send + Sync + 'static,
    {
        self.versions.insert(version, Arc::new(handler));
        self
    }

    /// Declares alias `alias` pointing at `target`: `$LATEST` or a published version number.
    pub fn alias(mut self, alias: impl Into<String>, target: impl Into<String>) -> Self {
        self.aliases.insert(alias.into(), target.into());
        self
    }

    /// The function's name.
    pub fn name(&self) -> &str {
        &self.name
    }

    /// Checks the name, versions and aliases against Lambda's rules.
    fn validate(&self) -> Result<(), String> {
        let ident = |s: &str| {
            !s.is_empty()
                && s.bytes()
                    .all(|b| b.is_ascii_alphanumeric() || b == b'-' || b == b'_')
        };
        if !ident(&self.name) || self.name.len() > picolambda::invoke::MAX_NAME_LEN {
            return Err(format!(
                "invalid function name {:?} (1 to 64 of a-z A-Z 0-9 - _)",
                self.name
            ));
        }
        if self.versions.contains_key(&0) {
            return Err(format!("function {}: versions start at 1", self.name));
        }
        for (alias, target) in &self.aliases {
            if !ident(alias) || alias.len() > 128 || alias.bytes().all(|b| b.is_ascii_digit()) {
                return Err(format!(
                    "function {}: invalid alias {alias:?} (1 to 128 of a-z A-Z 0-9 - _, not all \
                     digits)",
                    self.name
                ));
            }
            let ok = target == "$LATEST"
                || target
                    .parse::<u32>()
                    .is_ok_and(|v| self.versions.contains_key(&v));
            if !ok {
                return Err(format!(
                    "function {}: alias {alias} points at {target:?}, which is neither $LATEST \
                     nor a published version",
                    self.name
                ));
            }
        }
        Ok(())
    }
}

impl fmt::Debug for Function {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("Function")
            .field("name", &self.name)
            .field("versions", &self.versions.keys().collect::<Vec<_>>())
            .field("aliases", &self.aliases)
            .finish_non_exhaustive()
    }
}

/// Builder of a local endpoint: functions, accepted credentials, region, clock, limits.
/// [`LocalLambda::start`] binds the socket and returns the running server.
#[derive(Debug)]
pub struct LocalLambda {
    functions: Vec<Function>,
    keys: Vec<auth::AcceptedKey>,
    region: String,
    account_id: String,
    port: u16,
    clock_offset: i64,
    chunked: Option<usize>,
    read_timeout: Duration,
    idle_timeout: Duration,
    max_connections: usize,
    max_queued_events: usize,
    log_to_stderr: bool,
}

impl Default for LocalLambda {
    fn default() -> Self {
        Self::new()
    }
}

impl LocalLambda {
    /// An endpoint with no functions and no credentials, for [`DEFAULT_REGION`] on an ephemeral
    /// port.
    pub fn new() -> Self {
        Self {
            functions: Vec::new(),
            keys: Vec::new(),
            region: DEFAULT_REGION.to_owned(),
            account_id: DEFAULT_ACCOUNT_ID.to_owned(),
            port: 0,
            clock_offset: 0,
            chunked: None,
            read_timeout: Duration::from_secs(10),
            idle_timeout: Duration::from_secs(60),
            max_connections: 64,
            max_queued_events: 1024,
            log_to_stderr: false,
        }
    }

    /// Registers a function with only `$LATEST`.
    pub fn function<F>(self, name: impl Into<String>, handler: F) -> Self
    where
        F: Fn(&mut Invocation<'_>) -> Result<Vec<u8>, FunctionError> + Send + Sync + 'static,
    {
        self.register(Function::new(name, handler))
    }

    /// Registers a function with its versions and aliases.
    pub fn register(mut self, function: Function) -> Self {
        self.functions.push(function);
        self
    }

    /// Accepts long-term credentials (requests must not carry a session token).
    pub fn credentials(mut self, access_key_id: &str, secret_access_key: &str) -> Self {
        self.keys.push(auth::AcceptedKey {
            access_key_id: access_key_id.to_owned(),
            secret_access_key: secret_access_key.to_owned(),
            session_token: None,
        });
        self
    }

    /// Accepts temporary credentials: requests must carry `session_token` in
    /// `X-Amz-Security-Token`.
    pub fn temporary_credentials(
        mut self,
        access_key_id: &str,
        secret_access_key: &str,
        session_token: &str,
    ) -> Self {
        self.keys.push(auth::AcceptedKey {
            access_key_id: access_key_id.to_owned(),
            secret_access_key: secret_access_key.to_owned(),
            session_token: Some(session_token.to_owned()),
        });
        self
    }

    /// The region requests must be signed for and function ARNs name (default
    /// [`DEFAULT_REGION`]).
    pub fn region(mut self, region: &str) -> Self {
        self.region = region.to_owned();
        self
    }

    /// The account id in function ARNs (default [`DEFAULT_ACCOUNT_ID`]).
    pub fn account_id(mut self, account_id: &str) -> Self {
        self.account_id = account_id.to_owned();
        self
    }

    /// The port to listen on (default 0: any free port).
    pub fn port(mut self, port: u16) -> Self {
        self.port = port;
        self
    }

    /// Moves the server's clock by `seconds` (negative: behind the host clock). The clock
    /// decides the SigV4 time window and the `Date` header, so tests can play a server whose
    /// time disagrees with the client's.
    pub fn clock_offset(mut self, seconds: i64) -> Self {
        self.clock_offset = seconds;
        self
    }

    /// Sends every response body with `Transfer-Encoding: chunked`, in chunks of at most
    /// `chunk_size` bytes (except to HTTP/1.0 clients, which cannot read it, and for `204`).
    pub fn chunked_responses(mut self, chunk_size: usize) -> Self {
        self.chunked = Some(chunk_size.max(1));
        self
    }

    /// How long a read inside a request (head or body) may wait (default 10 s).
    pub fn read_timeout(mut self, timeout: Duration) -> Self {
        self.read_timeout = timeout;
        self
    }

    /// How long a keep-alive connection may stay idle between requests (default 60 s).
    pub fn idle_timeout(mut self, timeout: Duration) -> Self {
        self.idle_timeout = timeout;
        self
    }

    /// Most connections served at once (default 64); more are answered `503` and closed.
    pub fn max_connections(mut self, max: usize) -> Self {
        self.max_connections = max.max(1);
        self
    }

    /// Most `Event` invocations waiting to run (default 1024); more get `429`.
    pub fn max_queued_events(mut self, max: usize) -> Self {
        self.max_queued_events = max.max(1);
        self
    }

    /// Also writes each invocation's log (`START` … `REPORT`) to stderr, as CloudWatch would
    /// show it (default off).
    pub fn log_to_stderr(mut self, on: bool) -> Self {
        self.log_to_stderr = on;
        self
    }

    /// Checks the configuration, binds `127.0.0.1:port` and starts serving.
    ///
    /// Fails with `InvalidInput` for an invalid region, key, function, version or alias, or a
    /// function registered twice, and with the bind error if the port is taken.
    pub fn start(self) -> std::io::Result<LocalLambdaHandle> {
        let invalid = |m: String| std::io::Error::new(std::io::ErrorKind::InvalidInput, m);
        picolambda::endpoint::validate_region(&self.region)
            .map_err(|e| invalid(format!("region {:?}: {e}", self.region)))?;
        if self.account_id.len() != 12 || !self.account_id.bytes().all(|b| b.is_ascii_digit()) {
            return Err(invalid(format!(
                "account id {:?} is not 12 digits",
                self.account_id
            )));
        }
        for k in &self.keys {
            picolambda::sigv4::Credentials::new(
                &k.access_key_id,
                &k.secret_access_key,
                k.session_token.as_deref(),
            )
            .map_err(|e| invalid(format!("credentials {}: {e}", k.access_key_id)))?;
        }
        let mut functions = std::collections::HashMap::new();
        for f in self.functions {
            f.validate().map_err(invalid)?;
            let name = f.name.clone();
            if functions.insert(name.clone(), f).is_some() {
                return Err(invalid(format!("function {name} registered twice")));
            }
        }
        let config = server::Config {
            functions,
            keys: self.keys,
            region: self.region,
            account_id: self.account_id,
            clock_offset: self.clock_offset,
            body_mode: match self.chunked {
                Some(n) => http::BodyMode::Chunked(n),
                None => http::BodyMode::ContentLength,
            },
            read_timeout: self.read_timeout,
            idle_timeout: self.idle_timeout,
            max_connections: self.max_connections,
            max_queued_events: self.max_queued_events,
            log_to_stderr: self.log_to_stderr,
        };
        let (shared, addr, threads) = server::start(config, self.port)?;
        Ok(LocalLambdaHandle {
            shared,
            addr,
            threads,
        })
    }
}

/// Counters of one running endpoint, for tests (e.g. that 100 invokes used one connection).
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
#[non_exhaustive]
pub struct Stats {
    /// TCP connections accepted.
    pub connections: u64,
    /// HTTP requests answered (every final response, errors included; not `100 Continue`).
    pub requests: u64,
    /// Function runs (`RequestResponse` and `Event`; `DryRun` runs nothing).
    pub invocations: u64,
    /// `Event` invocations accepted (202) so far.
    pub events_queued: u64,
    /// `Event` invocations that have finished running.
    pub events_completed: u64,
}

/// A running local endpoint. Stops when dropped.
pub struct LocalLambdaHandle {
    shared: Arc<server::Shared>,
    addr: SocketAddr,
    threads: Vec<JoinHandle<()>>,
}

impl LocalLambdaHandle {
    /// The address it listens on (`127.0.0.1:port`).
    pub fn addr(&self) -> SocketAddr {
        self.addr
    }

    /// `http://127.0.0.1:port`, for `endpoint_url` in boto3 or `--endpoint` in the CLI.
    pub fn endpoint_url(&self) -> String {
        format!("http://{}", self.addr)
    }

    /// The region requests must be signed for.
    pub fn region(&self) -> &str {
        &self.shared.config.region
    }

    /// The account id in function ARNs.
    pub fn account_id(&self) -> &str {
        &self.shared.config.account_id
    }

    /// The ARN of a function (`arn:aws:lambda:REGION:ACCOUNT:function:NAME`).
    pub fn function_arn(&self, name: &str) -> String {
        self.shared.function_arn(name, None)
    }

    /// A snapshot of the counters.
    pub fn stats(&self) -> Stats {
        self.shared.stats()
    }

    /// Waits until every queued `Event` invocation has run, or `timeout` passes. Returns whether
    /// the queue drained.
    pub fn wait_for_events(&self, timeout: Duration) -> bool {
        let deadline = std::time::Instant::now() + timeout;
        loop {
            let s = self.stats();
            if s.events_completed >= s.events_queued {
                return true;
            }
            if std::time::Instant::now() >= deadline {
                return false;
            }
            std::thread::sleep(Duration::from_millis(2));
        }
    }

    /// Stops accepting, closes every connection and waits (boundedly) for the threads.
    pub fn shutdown(mut self) {
        self.stop();
    }

    fn stop(&mut self) {
        server::stop(&self.shared, self.addr, std::mem::take(&mut self.threads));
    }
}

impl Drop for LocalLambdaHandle {
    fn drop(&mut self) {
        self.stop();
    }
}

impl fmt::Debug for LocalLambdaHandle {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("LocalLambdaHandle")
            .field("addr", &self.addr)
            .field("stats", &self.stats())
            .finish_non_exhaustive()
    }
}
