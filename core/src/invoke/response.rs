//! Invoke results and typed Lambda service errors (see issue 3).
