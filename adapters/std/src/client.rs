//! [`LambdaClient`]: the whole invoke on a host, with owned configuration.

use std::io;

use picolambda::driver::{self, Buffers, Client, InvokeError, PayloadSource};
use picolambda::endpoint::{Endpoint, EndpointOptions};
use picolambda::invoke::response::{InvokeOutcome, LogResult, PayloadSink};
use picolambda::invoke::{InvokeRequest, RequestError};
use picolambda::retry::{ClockSkew, RetryConfig, RetryQuota};
use picolambda::sigv4::Credentials;

use crate::config::{self, OwnedCredentials};
use crate::env::StdEnvironment;
use crate::net::{NetConfig, StdConnector};

/// Head buffer size: a head with a 3,583-byte client context and a long session token fits.
const HEAD_BUF: usize = 8 * 1024;
/// Receive buffer size.
const RX_BUF: usize = 16 * 1024;
/// The largest decoded log tail Lambda returns.
const LOG_BUF: usize = 4096;

/// Everything a [`LambdaClient`] needs.
#[derive(Debug, Clone)]
pub struct ClientConfig {
    /// Credentials.
    pub credentials: OwnedCredentials,
    /// The signing region.
    pub region: String,
    /// A custom endpoint (`http://127.0.0.1:9001`); `None` for AWS.
    pub endpoint_url: Option<String>,
    /// FIPS and dual-stack AWS endpoints.
    pub endpoint_options: EndpointOptions,
    /// Timeouts and TLS.
    pub net: NetConfig,
    /// Retry policy.
    pub retry: RetryConfig,
}

/// Why a client could not be configured.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum ConfigError {
    /// No credentials in the environment or the shared credentials file.
    NoCredentials,
    /// No region given or configured.
    NoRegion,
}

impl std::fmt::Display for ConfigError {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(match self {
            ConfigError::NoCredentials => {
                "no AWS credentials (environment or shared credentials file)"
            }
            ConfigError::NoRegion => "no AWS region (AWS_REGION or AWS_DEFAULT_REGION)",
        })
    }
}

impl std::error::Error for ConfigError {}

impl ClientConfig {
    /// Configuration from the environment, as the AWS SDKs read it.
    pub fn from_env() -> Result<Self, ConfigError> {
        Ok(Self {
            credentials: config::default_credentials().ok_or(ConfigError::NoCredentials)?,
            region: config::default_region().ok_or(ConfigError::NoRegion)?,
            endpoint_url: config::default_endpoint_url(),
            endpoint_options: EndpointOptions::default(),
            net: NetConfig::default(),
            retry: RetryConfig::default(),
        })
    }
}

/// A finished invoke with the payload collected.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct InvokeResponse {
    /// Status, function error, executed version, request id, or the service error.
    pub outcome: InvokeOutcome,
    /// The payload (empty for service errors).
    pub payload: Vec<u8>,
    /// The decoded log tail, when asked for.
    pub log: Option<Vec<u8>>,
}

/// An outcome and the decoded log tail, when one was asked for.
pub type Outcome = (InvokeOutcome, Option<Vec<u8>>);

/// The error type of [`LambdaClient`] calls.
pub type Error<P, S> = InvokeError<io::Error, P, S>;

/// A Lambda client for hosts: std sockets, rustls, keep-alive, retries, clock-skew correction.
///
/// The core's [`Client`] borrows its credentials and endpoint; this type owns them and keeps the
/// state that must outlive a call (connection, retry quota, clock offset).
#[derive(Debug)]
pub struct LambdaClient {
    config: ClientConfig,
    connector: StdConnector,
    env: StdEnvironment,
    quota: RetryQuota,
    clock: ClockSkew,
    head: Vec<u8>,
    rx: Vec<u8>,
    log: Vec<u8>,
}

impl LambdaClient {
    /// A client for `config`. Nothing is connected until the first invoke.
    pub fn new(config: ClientConfig) -> Self {
        Self {
            connector: StdConnector::new(config.net.clone()),
            config,
            env: StdEnvironment::default(),
            quota: RetryQuota::new(),
            clock: ClockSkew::new(),
            head: vec![0; HEAD_BUF],
            rx: vec![0; RX_BUF],
            log: vec![0; LOG_BUF],
        }
    }

    /// The configuration.
    pub fn config(&self) -> &ClientConfig {
        &self.config
    }

    /// TCP connections opened so far.
    pub fn connections_opened(&self) -> u64 {
        self.connector.connections_opened()
    }

    /// The clock offset learnt from the server (seconds, server minus local).
    pub fn clock_offset_secs(&self) -> i64 {
        self.clock.offset_secs()
    }

    /// Invokes with the payload from `payload`, streaming the response payload into `sink`.
    pub fn invoke_with<P: PayloadSource, S: PayloadSink>(
        &mut self,
        request: &InvokeRequest<'_>,
        payload: &mut P,
        sink: &mut S,
    ) -> Result<Outcome, Error<P::Error, S::Error>> {
        let c = &self.config;
        let credentials = Credentials::new(
            &c.credentials.access_key_id,
            &c.credentials.secret_access_key,
            c.credentials.session_token.as_deref(),
        )
        .map_err(|e| InvokeError::Request(RequestError::Signing(e)))?;
        let endpoint = Endpoint::resolve(&c.region, c.endpoint_url.as_deref(), c.endpoint_options)
            .map_err(|e| InvokeError::Request(RequestError::Endpoint(e)))?;
        let mut client = Client::new(credentials, endpoint)
            .with_retry_config(c.retry)
            .with_state(self.quota, self.clock);
        let mut buffers = Buffers {
            head: &mut self.head,
            rx: &mut self.rx,
            log: &mut self.log,
        };
        let result = driver::invoke(
            &mut client,
            &mut self.connector,
            &mut self.env,
            request,
            payload,
            &mut buffers,
            sink,
        );
        self.quota = *client.quota();
        self.clock = *client.clock();
        let outcome = result?;
        let log = match &outcome {
            InvokeOutcome::Success(s) => match s.log_result {
                Some(LogResult::Decoded { len }) => self.log.get(..len).map(<[u8]>::to_vec),
                _ => None,
            },
            InvokeOutcome::ServiceError(_) => None,
        };
        Ok((outcome, log))
    }

    /// Invokes with an in-memory payload and collects the response payload.
    pub fn invoke(
        &mut self,
        request: &InvokeRequest<'_>,
        payload: &[u8],
    ) -> Result<InvokeResponse, Error<core::convert::Infallible, core::convert::Infallible>> {
        let mut collected = Vec::new();
        let mut sink = |chunk: &[u8]| -> Result<(), core::convert::Infallible> {
            collected.extend_from_slice(chunk);
            Ok(())
        };
        let mut source = payload;
        let (outcome, log) = self.invoke_with(request, &mut source, &mut sink)?;
        Ok(InvokeResponse {
            outcome,
            payload: collected,
            log,
        })
    }
}
