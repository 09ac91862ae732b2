//! The JSON shapes `decode` and `invoke --output json` print, and their exit codes.
//!
//! Success (exit 0, also when the function failed, as `aws lambda invoke` does):
//! `{"StatusCode": 200, "FunctionError": "Unhandled", "LogResult": "…", "ExecutedVersion": "7",
//! "RequestId": "…", "Payload": "…"}` — fields the response lacks are left out; `Payload` is
//! always there. Service error (exit 1): `{"Error": {"Code": "…"|null, "Message": "…",
//! "StatusCode": 404}}`. Anything else (malformed response, transport failure) exits 2 with a
//! message on stderr.

use picolambda::invoke::response::InvokeOutcome;
use serde_json::{json, Map, Value};

/// Exit code of a successful call.
pub(crate) const EXIT_OK: i32 = 0;
/// Exit code of a service error.
pub(crate) const EXIT_SERVICE_ERROR: i32 = 1;
/// Exit code of a malformed response, a transport failure or bad usage.
pub(crate) const EXIT_FAILURE: i32 = 2;

/// The JSON object for an outcome, and its exit code.
pub(crate) fn outcome_json(
    outcome: &InvokeOutcome,
    log: Option<&[u8]>,
    payload: &[u8],
) -> (Value, i32) {
    match outcome {
        InvokeOutcome::Success(ok) => {
            let mut m = Map::new();
            m.insert("StatusCode".into(), json!(ok.status));
            if let Some(fe) = &ok.function_error {
                m.insert("FunctionError".into(), json!(fe.as_str()));
            }
            if let Some(log) = log {
                m.insert("LogResult".into(), json!(String::from_utf8_lossy(log)));
            }
            if let Some(v) = &ok.executed_version {
                m.insert("ExecutedVersion".into(), json!(v.as_str()));
            }
            if let Some(id) = &ok.meta.request_id {
                m.insert("RequestId".into(), json!(id.as_str()));
            }
            m.insert("Payload".into(), json!(String::from_utf8_lossy(payload)));
            (Value::Object(m), EXIT_OK)
        }
        InvokeOutcome::ServiceError(e) => (
            json!({"Error": {
                "Code": e.code.as_ref().map(|c| c.as_str()),
                "Message": e.message(),
                "StatusCode": e.status,
            }}),
            EXIT_SERVICE_ERROR,
        ),
    }
}
