//! The Lambda `Invoke` operation: validated inputs, the request, the result and service errors.

mod request;
pub mod response;

pub use request::*;
