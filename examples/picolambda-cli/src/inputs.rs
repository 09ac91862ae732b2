//! Invoke inputs as the command line and `--jsonl` give them, turned into core types.

use picolambda::endpoint::{Endpoint, EndpointOptions};
use picolambda::invoke::{
    ClientContext, FunctionName, InvocationType, InvokeRequest, LogType, Qualifier, RequestError,
};
use picolambda::sigv4::Credentials;
use picolambda::time::Timestamp;

/// The AWS documentation's example key pair, used by `sign` when no credentials are configured
/// (signing needs some key; nothing is sent).
pub(crate) const EXAMPLE_ACCESS_KEY: &str = "AKIDEXAMPLE";
/// See [`EXAMPLE_ACCESS_KEY`].
pub(crate) const EXAMPLE_SECRET_KEY: &str = "wJalrXUtnFEMI/K7MDENG+bPxRfiCYEXAMPLEKEY";

/// Owned inputs of one invoke, before validation.
#[derive(Debug, Clone, Default)]
pub(crate) struct Inputs {
    pub(crate) region: String,
    pub(crate) endpoint: Option<String>,
    pub(crate) fips: bool,
    pub(crate) dual_stack: bool,
    pub(crate) access_key: String,
    pub(crate) secret_key: String,
    pub(crate) session_token: Option<String>,
    /// `None`: now.
    pub(crate) amz_date: Option<String>,
    pub(crate) function_name: String,
    pub(crate) qualifier: Option<String>,
    pub(crate) invocation_type: Option<String>,
    pub(crate) log_type: Option<String>,
    /// Raw JSON, encoded by the core.
    pub(crate) client_context_json: Option<String>,
    /// Already base64, sent as given.
    pub client_context_b64: Option<String>,
    pub(crate) payload: Vec<u8>,
}

/// An error while turning inputs into a request: the core's typed error, or a CLI-level one.
#[derive(Debug)]
pub(crate) enum InputError {
    Core(RequestError),
    Other { kind: &'static str, message: String },
}

impl InputError {
    /// The stable error kind: the core's variant name (the inner one for wrapping variants).
    pub(crate) fn kind(&self) -> String {
        match self {
            InputError::Core(e) => match e {
                RequestError::Signing(inner) => format!("{inner:?}"),
                RequestError::Endpoint(inner) => format!("{inner:?}"),
                RequestError::Time(inner) => format!("{inner:?}"),
                other => other.kind().to_string(),
            },
            InputError::Other { kind, .. } => (*kind).to_string(),
        }
    }

    pub(crate) fn message(&self) -> String {
        match self {
            InputError::Core(e) => e.to_string(),
            InputError::Other { message, .. } => message.clone(),
        }
    }
}

impl std::fmt::Display for InputError {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(f, "{}: {}", self.kind(), self.message())
    }
}

impl<E: Into<RequestError>> From<E> for InputError {
    fn from(e: E) -> Self {
        InputError::Core(e.into())
    }
}

/// Borrowed, validated core values for one invoke.
pub(crate) struct Prepared<'a> {
    pub(crate) request: InvokeRequest<'a>,
    pub(crate) endpoint: Endpoint<'a>,
    pub(crate) credentials: Credentials<'a>,
    pub(crate) now: Timestamp,
}

impl Inputs {
    pub(crate) fn prepare(&self) -> Result<Prepared<'_>, InputError> {
        let mut request = InvokeRequest::new(FunctionName::new(&self.function_name)?);
        if let Some(q) = &self.qualifier {
            request = request.with_qualifier(Qualifier::new(q)?);
        }
        if let Some(t) = &self.invocation_type {
            let t = InvocationType::parse(t).ok_or_else(|| InputError::Other {
                kind: "InvalidInvocationType",
                message: format!("invocation type {t:?} is not RequestResponse, Event or DryRun"),
            })?;
            request = request.with_invocation_type(t);
        }
        if let Some(t) = &self.log_type {
            let t = LogType::parse(t).ok_or_else(|| InputError::Other {
                kind: "InvalidLogType",
                message: format!("log type {t:?} is not None or Tail"),
            })?;
            request = request.with_log_type(t);
        }
        if let Some(b64) = &self.client_context_b64 {
            request = request.with_client_context(ClientContext::base64(b64)?);
        } else if let Some(json) = &self.client_context_json {
            request = request.with_client_context(ClientContext::json(json.as_bytes())?);
        }
        let endpoint = Endpoint::resolve(
            &self.region,
            self.endpoint.as_deref(),
            EndpointOptions {
                fips: self.fips,
                dual_stack: self.dual_stack,
            },
        )?;
        let credentials = Credentials::new(
            &self.access_key,
            &self.secret_key,
            self.session_token.as_deref(),
        )?;
        let now = match &self.amz_date {
            Some(d) => Timestamp::parse_amz_date(d.as_bytes())?,
            None => Timestamp::from_unix_secs(
                std::time::SystemTime::now()
                    .duration_since(std::time::UNIX_EPOCH)
                    .map(|d| d.as_secs())
                    .unwrap_or(0),
            ),
        };
        Ok(Prepared {
            request,
            endpoint,
            credentials,
            now,
        })
    }

    /// Inputs from one `--jsonl` line, shaped like the `inputs` of `invoke_public.jsonl`.
    pub(crate) fn from_json(v: &serde_json::Value) -> Result<Self, InputError> {
        use base64::Engine as _;
        let bad = |message: String| InputError::Other {
            kind: "InvalidInput",
            message,
        };
        let opt_str = |k: &str| -> Result<Option<String>, InputError> {
            match v.get(k) {
                None | Some(serde_json::Value::Null) => Ok(None),
                Some(serde_json::Value::String(s)) => Ok(Some(s.clone())),
                Some(other) => Err(bad(format!("{k} must be a string or null, not {other}"))),
            }
        };
        let req_str = |k: &str| -> Result<String, InputError> {
            opt_str(k)?.ok_or_else(|| bad(format!("{k} is required")))
        };
        let flag = |k: &str| -> Result<bool, InputError> {
            match v.get(k) {
                None | Some(serde_json::Value::Null) => Ok(false),
                Some(serde_json::Value::Bool(b)) => Ok(*b),
                Some(other) => Err(bad(format!("{k} must be a boolean, not {other}"))),
            }
        };
        let payload = match opt_str("payload_b64")? {
            Some(b) => base64::engine::general_purpose::STANDARD
                .decode(b)
                .map_err(|e| bad(format!("payload_b64: {e}")))?,
            None => Vec::new(),
        };
        Ok(Inputs {
            region: req_str("region")?,
            endpoint: opt_str("endpoint")?,
            fips: flag("use_fips_endpoint")?,
            dual_stack: flag("use_dualstack_endpoint")?,
            access_key: req_str("access_key")?,
            secret_key: req_str("secret_key")?,
            session_token: opt_str("session_token")?,
            amz_date: Some(req_str("amz_date")?),
            function_name: req_str("function_name")?,
            qualifier: opt_str("qualifier")?,
            invocation_type: opt_str("invocation_type")?,
            log_type: opt_str("log_type")?,
            client_context_json: opt_str("client_context")?,
            client_context_b64: opt_str("client_context_b64")?,
            payload,
        })
    }
}
