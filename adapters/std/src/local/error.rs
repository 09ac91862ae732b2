//! Lambda service errors as the endpoint sends them: a status, `x-amzn-ErrorType` and a JSON
//! body `{"Type":"User","message":"…"}`.

use super::http::Response;

/// The `x-amzn-ErrorType` suffix real Lambda sometimes appends (`Code:namespace/`); clients must
/// strip it, so the endpoint sends it on `ResourceNotFoundException` to keep them honest.
pub(crate) const LAMBDA_CORAL_NAMESPACE: &str =
    "http://internal.amazon.com/coral/com.amazonaws.lambda/";

/// One service error.
#[derive(Clone, Debug, PartialEq, Eq)]
pub(crate) struct ApiError {
    pub(crate) status: u16,
    pub(crate) code: &'static str,
    pub(crate) message: String,
    /// Sent as `x-amzn-ErrorType: {code}:{namespace}` when set.
    pub(crate) namespace: Option<&'static str>,
    /// `Reason` field of throttling errors.
    pub(crate) reason: Option<&'static str>,
}

impl ApiError {
    pub(crate) fn new(status: u16, code: &'static str, message: impl Into<String>) -> Self {
        Self {
            status,
            code,
            message: message.into(),
            namespace: None,
            reason: None,
        }
    }

    /// 403 `UnrecognizedClientException`: unknown access key, or a session token that does not
    /// belong to it.
    pub(crate) fn unrecognized_client() -> Self {
        Self::new(
            403,
            "UnrecognizedClientException",
            "The security token included in the request is invalid.",
        )
    }

    /// 403 `InvalidSignatureException`.
    pub(crate) fn invalid_signature(message: impl Into<String>) -> Self {
        Self::new(403, "InvalidSignatureException", message)
    }

    /// 403 `IncompleteSignatureException`: the `Authorization` header is malformed.
    pub(crate) fn incomplete_signature(message: impl Into<String>) -> Self {
        Self::new(403, "IncompleteSignatureException", message)
    }

    /// 400 `ValidationException` for a parameter outside its model constraint.
    pub(crate) fn validation(message: impl Into<String>) -> Self {
        Self::new(400, "ValidationException", message)
    }

    /// 404 `ResourceNotFoundException` for a function ARN, with the coral namespace suffix.
    pub(crate) fn function_not_found(arn: &str) -> Self {
        Self {
            namespace: Some(LAMBDA_CORAL_NAMESPACE),
            ..Self::new(
                404,
                "ResourceNotFoundException",
                format!("Function not found: {arn}"),
            )
        }
    }

    /// The response: JSON body, `x-amzn-ErrorType`, `Content-Type`. The caller adds the request
    /// id and the framing headers.
    pub(crate) fn into_response(self) -> Response {
        let kind = if self.status >= 500 {
            "Service"
        } else {
            "User"
        };
        let mut body = serde_json::Map::new();
        if let Some(reason) = self.reason {
            body.insert("Reason".into(), reason.into());
        }
        body.insert("Type".into(), kind.into());
        body.insert("message".into(), self.message.into());
        let error_type = match self.namespace {
            Some(ns) => format!("{}:{ns}", self.code),
            None => self.code.to_owned(),
        };
        Response {
            status: self.status,
            headers: vec![
                ("Content-Type", "application/json".to_owned()),
                ("x-amzn-ErrorType", error_type),
            ],
            body: serde_json::Value::Object(body).to_string().into_bytes(),
        }
    }
}
