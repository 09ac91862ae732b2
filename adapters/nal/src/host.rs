//! The endpoint's host as something a stack can connect to.

use core::net::IpAddr;

use picolambda::endpoint::Endpoint;

/// Longest DNS name (RFC 1035 §2.3.4); an IPv6 literal with brackets is shorter.
pub(crate) const MAX_HOST: usize = 253;

/// Where to connect: an address written in the endpoint, or a name to resolve.
pub(crate) enum Target<'h> {
    /// An IP literal (`127.0.0.1`, `[::1]`): no lookup.
    Ip(IpAddr),
    /// A DNS name.
    Name(&'h str),
}

/// Writes the endpoint's host into `buf` and says whether it needs resolving. `None` when the
/// host does not fit (it always does in 253 bytes) or a bracketed literal is not an IPv6 address.
pub(crate) fn target<'h>(
    endpoint: &Endpoint<'_>,
    buf: &'h mut [u8; MAX_HOST],
) -> Option<Target<'h>> {
    let host = endpoint.host().write_into(buf)?;
    if let Some(inner) = host.strip_prefix('[').and_then(|h| h.strip_suffix(']')) {
        return inner.parse().ok().map(|v6| Target::Ip(IpAddr::V6(v6)));
    }
    Some(match host.parse::<IpAddr>() {
        Ok(ip) => Target::Ip(ip),
        Err(_) => Target::Name(host),
    })
}
