//! Where requests go: Lambda's regional endpoints in every AWS partition (standard, FIPS,
//! dual-stack) or a custom endpoint such as a local emulator.
//!
//! Host names follow the Lambda endpoint rule set that botocore ships (`partitions.json`):
//!
//! | partition    | region pattern            | host                                   | dual-stack suffix              |
//! |--------------|---------------------------|----------------------------------------|--------------------------------|
//! | `aws`        | `(us|eu|ap|sa|ca|me|af|il|mx)-\w+-\d+`, and any other valid region | `lambda.R.amazonaws.com` | `api.aws` |
//! | `aws-cn`     | `cn-\w+-\d+`              | `lambda.R.amazonaws.com.cn`            | `api.amazonwebservices.com.cn` |
//! | `aws-us-gov` | `us-gov-\w+-\d+`          | `lambda.R.amazonaws.com`               | `api.aws`                      |
//! | `aws-iso`    | `us-iso-\w+-\d+`          | `lambda.R.c2s.ic.gov`                  | `api.aws.ic.gov`               |
//! | `aws-iso-b`  | `us-isob-\w+-\d+`         | `lambda.R.sc2s.sgov.gov`               | `api.aws.scloud`               |
//! | `aws-iso-e`  | `eu-isoe-\w+-\d+`         | `lambda.R.cloud.adc-e.uk`              | `api.cloud-aws.adc-e.uk`       |
//! | `aws-iso-f`  | `us-isof-\w+-\d+`         | `lambda.R.csp.hci.ic.gov`              | `api.aws.hci.ic.gov`           |
//! | `aws-eusc`   | `eusc-de-\w+-\d+`         | `lambda.R.amazonaws.eu`                | `api.amazonwebservices.eu`     |
//!
//! FIPS replaces `lambda.` with `lambda-fips.`; dual-stack replaces the DNS suffix. Every
//! partition supports both. The signing region is always the configured region.

use core::fmt;

use crate::encode::{put_decimal, Emit, Sink};

/// Why an endpoint could not be built. Always caller configuration, never peer data.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
#[cfg_attr(feature = "defmt", derive(defmt::Format))]
#[non_exhaustive]
pub enum EndpointError {
    /// The region is not a valid DNS label (letters, digits, `-`; at most 63; no leading `-`).
    InvalidRegion,
    /// The endpoint URL is not `http(s)://host[:port][/path]`, or has user info, a query, a
    /// fragment, or path characters other than unreserved ones and `/`.
    InvalidUrl,
    /// The endpoint URL's scheme is neither `http` nor `https`.
    UnsupportedScheme,
    /// The endpoint host is empty or has characters a host name or IP literal cannot have.
    InvalidHost,
    /// The port is not a number from 1 to 65535.
    InvalidPort,
}

impl EndpointError {
    /// A short static description, also used by `Display`.
    pub const fn as_str(self) -> &'static str {
        match self {
            Self::InvalidRegion => "invalid region",
            Self::InvalidUrl => "invalid endpoint URL",
            Self::UnsupportedScheme => "endpoint scheme must be http or https",
            Self::InvalidHost => "invalid endpoint host",
            Self::InvalidPort => "invalid endpoint port",
        }
    }
}

impl fmt::Display for EndpointError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.as_str())
    }
}

impl core::error::Error for EndpointError {}

/// `http` or `https`.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
#[cfg_attr(feature = "defmt", derive(defmt::Format))]
pub enum Scheme {
    /// Plain HTTP (local endpoints and emulators).
    Http,
    /// HTTP over TLS (every AWS endpoint).
    Https,
}

impl Scheme {
    /// 80 or 443.
    pub const fn default_port(self) -> u16 {
        match self {
            Self::Http => 80,
            Self::Https => 443,
        }
    }
}

/// An AWS partition: its DNS suffixes.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
#[cfg_attr(feature = "defmt", derive(defmt::Format))]
pub struct Partition {
    /// The partition id, e.g. `aws-cn`.
    pub id: &'static str,
    /// The DNS suffix of regional endpoints, e.g. `amazonaws.com.cn`.
    pub dns_suffix: &'static str,
    /// The DNS suffix of dual-stack endpoints, e.g. `api.amazonwebservices.com.cn`.
    pub dual_stack_dns_suffix: &'static str,
}

/// `aws`, with its suffixes as [`Partition::of_region_dotted`] gives them.
const AWS: Partition = Partition {
    id: "aws",
    dns_suffix: ".amazonaws.com",
    dual_stack_dns_suffix: ".api.aws",
};

impl Partition {
    /// The partition a region belongs to; regions matching no pattern fall back to `aws`, as in
    /// botocore.
    pub fn of_region(region: &str) -> Self {
        let p = Self::of_region_dotted(region);
        let undot = |s: &'static str| s.get(1..).unwrap_or_default();
        Self {
            dns_suffix: undot(p.dns_suffix),
            dual_stack_dns_suffix: undot(p.dual_stack_dns_suffix),
            ..p
        }
    }

    /// [`Partition::of_region`] with a `.` before each DNS suffix: the suffix pieces of an AWS
    /// [`Host`], which writes the `.` after the region with the suffix.
    fn of_region_dotted(region: &str) -> Self {
        let mut parts = crate::encode::split_byte(region, b'-');
        let (a, b, c, d, e) = (
            parts.next(),
            parts.next(),
            parts.next(),
            parts.next(),
            parts.next(),
        );
        let word = |s: Option<&str>| {
            s.is_some_and(|s| {
                !s.is_empty() && s.bytes().all(|b| b.is_ascii_alphanumeric() || b == b'_')
            })
        };
        let num = |s: Option<&str>| {
            s.is_some_and(|s| !s.is_empty() && s.bytes().all(|b| b.is_ascii_digit()))
        };
        let p = |id, dns_suffix, dual_stack_dns_suffix| Partition {
            id,
            dns_suffix,
            dual_stack_dns_suffix,
        };
        match (a, b) {
            (Some("cn"), _) if word(b) && num(c) && d.is_none() => p(
                "aws-cn",
                ".amazonaws.com.cn",
                ".api.amazonwebservices.com.cn",
            ),
            (Some("eusc"), Some("de")) if word(c) && num(d) && e.is_none() => {
                p("aws-eusc", ".amazonaws.eu", ".api.amazonwebservices.eu")
            }
            (Some("us"), Some("gov")) if word(c) && num(d) && e.is_none() => {
                p("aws-us-gov", ".amazonaws.com", ".api.aws")
            }
            (Some("us"), Some("iso")) if word(c) && num(d) && e.is_none() => {
                p("aws-iso", ".c2s.ic.gov", ".api.aws.ic.gov")
            }
            (Some("us"), Some("isob")) if word(c) && num(d) && e.is_none() => {
                p("aws-iso-b", ".sc2s.sgov.gov", ".api.aws.scloud")
            }
            (Some("us"), Some("isof")) if word(c) && num(d) && e.is_none() => {
                p("aws-iso-f", ".csp.hci.ic.gov", ".api.aws.hci.ic.gov")
            }
            (Some("eu"), Some("isoe")) if word(c) && num(d) && e.is_none() => {
                p("aws-iso-e", ".cloud.adc-e.uk", ".api.cloud-aws.adc-e.uk")
            }
            _ => AWS,
        }
    }
}

/// Options for AWS endpoints, as boto3's `use_fips_endpoint` and `use_dualstack_endpoint`.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
#[cfg_attr(feature = "defmt", derive(defmt::Format))]
pub struct EndpointOptions {
    /// Use the FIPS 140 endpoint, `lambda-fips.…`.
    pub fips: bool,
    /// Use the dual-stack (IPv4 and IPv6) endpoint.
    pub dual_stack: bool,
}

/// A host name as the three pieces it is written from: `lambda.` (or `lambda-fips.`), the
/// region, and `.` with the DNS suffix for an AWS endpoint; the host alone, between two empty
/// pieces, for a custom one. Written the same way for both (three pieces, no match), and
/// printed as the enum of the two kinds it stands for.
#[derive(Clone, Copy, PartialEq, Eq)]
struct Host<'a> {
    prefix: &'static str,
    name: &'a str,
    suffix: &'static str,
}

impl<'a> Host<'a> {
    /// A custom endpoint's host.
    const fn custom(host: &'a str) -> Self {
        Self {
            prefix: "",
            name: host,
            suffix: "",
        }
    }
}

/// As the enum `Aws { fips, region, suffix } | Custom(host)` prints (an AWS host's prefix is
/// never empty).
impl fmt::Debug for Host<'_> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        if self.prefix.is_empty() {
            f.debug_tuple("Custom").field(&self.name).finish()
        } else {
            f.debug_struct("Aws")
                .field("fips", &(self.prefix == "lambda-fips."))
                .field("region", &self.name)
                .field("suffix", &self.suffix.get(1..).unwrap_or_default())
                .finish()
        }
    }
}

/// A Lambda endpoint: scheme, host and port to connect to, and the region to sign for.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct Endpoint<'a> {
    scheme: Scheme,
    host: Host<'a>,
    port: u16,
    /// A custom endpoint's path, prepended to every request path (empty, or `/…` without a
    /// trailing slash), as botocore does with `endpoint_url`.
    path_prefix: &'a str,
    region: &'a str,
}

/// Validates a region as a DNS label: it becomes part of a host name and of the credential scope.
pub fn validate_region(region: &str) -> Result<(), EndpointError> {
    // A credential scope's part (1 to 63 letters, digits and `-`: the signer's own check,
    // which firmware links anyway) whose first byte is not `-`, so is alphanumeric.
    if crate::sigv4::valid_scope_part(region, crate::sigv4::MAX_REGION_LEN)
        && region.as_bytes().first() != Some(&b'-')
    {
        Ok(())
    } else {
        Err(EndpointError::InvalidRegion)
    }
}

fn valid_host(host: &str) -> bool {
    let b = host.as_bytes();
    // A slice pattern (byte compares) rather than `strip_prefix`/`strip_suffix` (calls).
    if let [b'[', inner @ .., b']'] = b {
        // An IPv6 literal: hex digits, colons, dots (embedded IPv4); no zone ids.
        return !inner.is_empty()
            && inner
                .iter()
                .all(|&c| c.is_ascii_hexdigit() || c == b':' || c == b'.');
    }
    if b.len() > 253 {
        return false;
    }
    // Dot-separated labels of 1 to 63 letters, digits, `-` and `_`, checked in one pass (an
    // empty host ends with an empty label, so it fails the last test).
    let mut label = 0usize;
    for &c in b {
        label = if c == b'.' && label != 0 {
            0
        } else if (c.is_ascii_alphanumeric() || c == b'-' || c == b'_') && label < 63 {
            label + 1
        } else {
            return false;
        };
    }
    label != 0
}

impl<'a> Endpoint<'a> {
    /// The regional AWS endpoint for `region`.
    pub fn aws(region: &'a str, options: EndpointOptions) -> Result<Self, EndpointError> {
        validate_region(region)?;
        let partition = Partition::of_region_dotted(region);
        Ok(Self {
            scheme: Scheme::Https,
            host: Host {
                prefix: if options.fips {
                    "lambda-fips."
                } else {
                    "lambda."
                },
                name: region,
                suffix: if options.dual_stack {
                    partition.dual_stack_dns_suffix
                } else {
                    partition.dns_suffix
                },
            },
            port: 443,
            path_prefix: "",
            region,
        })
    }

    /// A custom endpoint from a URL such as `http://127.0.0.1:4566`. A path (`/prefix`) is
    /// prepended to request paths, as botocore does; user info, a query or a fragment are
    /// rejected. Requests are signed for `region`.
    pub fn from_url(url: &'a str, region: &'a str) -> Result<Self, EndpointError> {
        validate_region(region)?;
        // Byte searches and the checked `split_str_at` (one out-of-line routine for every split
        // here) rather than `split_once`/`find`/`split_at`: the `str` pattern machinery keeps
        // panic paths and code that firmware does not need.
        let sep = url
            .as_bytes()
            .windows(3)
            .position(|w| w == b"://")
            .ok_or(EndpointError::InvalidUrl)?;
        // After `://`, which is ASCII: a character boundary.
        let rest = crate::encode::split_str_at(url, sep + 3).1;
        // `http` or `https` in any case, in one pass: a byte with bit 5 set is the lower-case
        // letter it is compared with only if it was that letter in either case (this is
        // `eq_ignore_ascii_case`, without its out-of-line comparison and `str` wrapper).
        let s = url.as_bytes().get(..sep).unwrap_or_default();
        if !(matches!(s.len(), 4 | 5) && s.iter().zip(b"https").all(|(&c, &l)| c | 0x20 == l)) {
            return Err(EndpointError::UnsupportedScheme);
        }
        let scheme = if s.len() == 5 {
            Scheme::Https
        } else {
            Scheme::Http
        };
        // One pass finds where the path starts and checks both parts: no `?`, `#` or `@` before
        // it, only unreserved characters and `/` in it.
        let mut path_start = rest.len();
        for (i, b) in rest.bytes().enumerate() {
            let ok = if i < path_start {
                if b == b'/' {
                    path_start = i;
                }
                !matches!(b, b'?' | b'#' | b'@')
            } else {
                crate::encode::is_unreserved(b) || b == b'/'
            };
            if !ok {
                return Err(EndpointError::InvalidUrl);
            }
        }
        let (authority, path) = crate::encode::split_str_at(rest, path_start);
        // A trailing `/` dropped by a byte pattern (`strip_suffix` compares through a call).
        let path_prefix = match path.as_bytes() {
            [.., b'/'] => crate::encode::split_str_at(path, path.len() - 1).0,
            _ => path,
        };
        // Split host and port; an IPv6 literal carries its own colons inside brackets, so the
        // last `:` separates a port only if no `]` follows it: one search from the end for
        // either, and a port only if it finds the `:`.
        let (host, port) = match authority.bytes().rposition(|b| matches!(b, b':' | b']')) {
            Some(i) if authority.as_bytes().get(i) == Some(&b':') => {
                let (h, p) = crate::encode::split_str_at(authority, i);
                (h, Some(crate::encode::split_str_at(p, 1).1))
            }
            _ => (authority, None),
        };
        let port = match port {
            None => scheme.default_port(),
            Some(p) => parse_port(p)?,
        };
        Self::custom_in_valid_region(scheme, host, port, path_prefix, region)
    }

    /// A custom endpoint from its parts.
    pub fn custom(
        scheme: Scheme,
        host: &'a str,
        port: u16,
        region: &'a str,
    ) -> Result<Self, EndpointError> {
        validate_region(region)?;
        Self::custom_in_valid_region(scheme, host, port, "", region)
    }

    /// [`Endpoint::custom`] with a path prefix, for a region already validated:
    /// [`Endpoint::from_url`] checks the region first (its first error), and need not check it
    /// twice.
    fn custom_in_valid_region(
        scheme: Scheme,
        host: &'a str,
        port: u16,
        path_prefix: &'a str,
        region: &'a str,
    ) -> Result<Self, EndpointError> {
        if !valid_host(host) {
            return Err(EndpointError::InvalidHost);
        }
        if port == 0 {
            return Err(EndpointError::InvalidPort);
        }
        Ok(Self {
            scheme,
            host: Host::custom(host),
            port,
            path_prefix,
            region,
        })
    }

    /// The endpoint for a configuration as boto3 takes it: a custom URL if given, else the AWS
    /// endpoint for the region and options. As in botocore, a custom URL wins: the FIPS and
    /// dual-stack options only choose among AWS endpoints and are ignored with a custom one.
    pub fn resolve(
        region: &'a str,
        url: Option<&'a str>,
        options: EndpointOptions,
    ) -> Result<Self, EndpointError> {
        match url {
            Some(url) => Self::from_url(url, region),
            None => Self::aws(region, options),
        }
    }

    /// The path prepended to request paths: empty for AWS endpoints, or a custom URL's path.
    pub fn path_prefix(&self) -> &'a str {
        self.path_prefix
    }

    /// `http` or `https`.
    pub fn scheme(&self) -> Scheme {
        self.scheme
    }

    /// The TCP port to connect to.
    pub fn port(&self) -> u16 {
        self.port
    }

    /// The region requests are signed for.
    pub fn region(&self) -> &'a str {
        self.region
    }

    /// The host name (or IP literal) to resolve and to present in TLS SNI, without the port.
    pub fn host(&self) -> HostName<'a> {
        HostName(self.host)
    }

    /// The `Host` header value: the host, plus `:port` when the port is not the scheme's default.
    pub fn host_header(&self) -> HostHeader<'a> {
        HostHeader {
            host: self.host,
            port: (self.port != self.scheme.default_port()).then_some(self.port),
        }
    }
}

fn parse_port(p: &str) -> Result<u16, EndpointError> {
    if p.len() > 5 {
        return Err(EndpointError::InvalidPort);
    }
    // Checked and summed in one pass; at most five digits, so no overflow. An empty text sums
    // to 0, refused with it.
    let mut n = 0u32;
    for d in p.bytes() {
        if !d.is_ascii_digit() {
            return Err(EndpointError::InvalidPort);
        }
        n = n * 10 + u32::from(d - b'0');
    }
    match u16::try_from(n) {
        Ok(port) if port != 0 => Ok(port),
        _ => Err(EndpointError::InvalidPort),
    }
}

impl Emit for Host<'_> {
    fn emit(&self, sink: &mut dyn Sink) {
        sink.put(self.prefix.as_bytes());
        sink.put(self.name.as_bytes());
        sink.put(self.suffix.as_bytes());
    }
}

/// An endpoint's host name, written on demand (AWS host names are built from parts, not stored).
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct HostName<'a>(Host<'a>);

impl HostName<'_> {
    /// Writes the host name into `out` and returns it as text, or `None` if `out` is too small
    /// (253 bytes always suffice).
    pub fn write_into<'b>(&self, out: &'b mut [u8]) -> Option<&'b str> {
        let mut w = crate::encode::SliceWriter::new(out);
        self.0.emit(&mut w);
        if w.overflowed {
            return None;
        }
        let n = w.pos;
        out.get(..n).and_then(|b| core::str::from_utf8(b).ok())
    }
}

impl Emit for HostName<'_> {
    fn emit(&self, sink: &mut dyn Sink) {
        self.0.emit(sink);
    }
}

/// A `Host` header value: host name, and the port when it is not the scheme's default.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct HostHeader<'a> {
    host: Host<'a>,
    port: Option<u16>,
}

impl Emit for HostHeader<'_> {
    fn emit(&self, sink: &mut dyn Sink) {
        self.host.emit(sink);
        if let Some(port) = self.port {
            sink.put(b":");
            put_decimal(u32::from(port), sink);
        }
    }
}

/// An endpoint's [`HostHeader`], written from the endpoint itself: what bare-metal targets
/// sign and send, so that no copy of the host is made for it. The tests compare the two.
#[cfg(any(test, target_os = "none"))]
pub(crate) struct HostHeaderOf<'e>(pub(crate) &'e Endpoint<'e>);

#[cfg(any(test, target_os = "none"))]
impl Emit for HostHeaderOf<'_> {
    fn emit(&self, sink: &mut dyn Sink) {
        let e = self.0;
        e.host.emit(sink);
        if e.port != e.scheme.default_port() {
            sink.put(b":");
            put_decimal(u32::from(e.port), sink);
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn host(e: &Endpoint<'_>) -> std::string::String {
        let mut buf = [0u8; 253];
        e.host().write_into(&mut buf).unwrap().into()
    }

    fn host_header(e: &Endpoint<'_>) -> std::string::String {
        let mut v = std::vec::Vec::new();
        struct V<'v>(&'v mut std::vec::Vec<u8>);
        impl Sink for V<'_> {
            fn put(&mut self, b: &[u8]) {
                self.0.extend_from_slice(b);
            }
        }
        e.host_header().emit(&mut V(&mut v));
        std::string::String::from_utf8(v).unwrap()
    }

    /// The checks as they were before the size work, as references for the rewritten ones.
    mod reference {
        use super::super::EndpointError;

        pub(super) fn validate_region(region: &str) -> Result<(), EndpointError> {
            let b = region.as_bytes();
            match b.first() {
                Some(first)
                    if first.is_ascii_alphanumeric()
                        && b.len() <= 63
                        && b.iter().all(|&c| c.is_ascii_alphanumeric() || c == b'-') =>
                {
                    Ok(())
                }
                _ => Err(EndpointError::InvalidRegion),
            }
        }

        pub(super) fn valid_host(host: &str) -> bool {
            let b = host.as_bytes();
            if let Some(inner) = b.strip_prefix(b"[").and_then(|h| h.strip_suffix(b"]")) {
                return !inner.is_empty()
                    && inner
                        .iter()
                        .all(|&c| c.is_ascii_hexdigit() || c == b':' || c == b'.');
            }
            if b.is_empty() || b.len() > 253 {
                return false;
            }
            let mut label = 0usize;
            for &c in b {
                if c == b'.' {
                    if label == 0 {
                        return false;
                    }
                    label = 0;
                } else if c.is_ascii_alphanumeric() || c == b'-' || c == b'_' {
                    label += 1;
                    if label > 63 {
                        return false;
                    }
                } else {
                    return false;
                }
            }
            label != 0
        }

        /// `Endpoint::from_url` before the size work, with the reference checks above.
        pub(super) fn from_url<'a>(
            url: &'a str,
            region: &'a str,
        ) -> Result<super::super::Endpoint<'a>, EndpointError> {
            use super::super::{Endpoint, Host, Scheme};
            validate_region(region)?;
            let sep = url
                .as_bytes()
                .windows(3)
                .position(|w| w == b"://")
                .ok_or(EndpointError::InvalidUrl)?;
            let scheme_text = url.get(..sep).ok_or(EndpointError::InvalidUrl)?;
            let rest = url.get(sep + 3..).ok_or(EndpointError::InvalidUrl)?;
            let scheme = if scheme_text.eq_ignore_ascii_case("https") {
                Scheme::Https
            } else if scheme_text.eq_ignore_ascii_case("http") {
                Scheme::Http
            } else {
                return Err(EndpointError::UnsupportedScheme);
            };
            let (authority, path) = match rest.bytes().position(|b| b == b'/') {
                Some(i) => crate::encode::split_str_at(rest, i),
                None => (rest, ""),
            };
            let path_prefix = path.strip_suffix('/').unwrap_or(path);
            if authority.bytes().any(|b| matches!(b, b'?' | b'#' | b'@'))
                || !path_prefix
                    .bytes()
                    .all(|b| crate::encode::is_unreserved(b) || b == b'/')
            {
                return Err(EndpointError::InvalidUrl);
            }
            let close = authority.bytes().rposition(|b| b == b']');
            let (host, port) = match authority.bytes().rposition(|b| b == b':') {
                Some(i) if close.is_none_or(|c| c < i) => {
                    let (h, p) = crate::encode::split_str_at(authority, i);
                    (h, Some(p.get(1..).unwrap_or_default()))
                }
                _ => (authority, None),
            };
            let port = match port {
                None => scheme.default_port(),
                Some(p) => parse_port(p)?,
            };
            // `Endpoint::custom`, with the reference checks.
            validate_region(region)?;
            if !valid_host(host) {
                return Err(EndpointError::InvalidHost);
            }
            if port == 0 {
                return Err(EndpointError::InvalidPort);
            }
            Ok(Endpoint {
                scheme,
                host: Host::custom(host),
                port,
                path_prefix,
                region,
            })
        }

        pub(super) fn parse_port(p: &str) -> Result<u16, EndpointError> {
            if p.is_empty() || p.len() > 5 || !p.bytes().all(|b| b.is_ascii_digit()) {
                return Err(EndpointError::InvalidPort);
            }
            let n = p
                .bytes()
                .fold(0u32, |acc, d| acc * 10 + u32::from(d - b'0'));
            match u16::try_from(n) {
                Ok(port) if port != 0 => Ok(port),
                _ => Err(EndpointError::InvalidPort),
            }
        }
    }

    /// Every string over `alphabet` up to `max_len` bytes.
    fn each_string(alphabet: &[u8], max_len: u32, mut f: impl FnMut(&str)) {
        let mut buf = std::vec::Vec::new();
        for len in 0..=max_len {
            for mut n in 0..alphabet.len().pow(len) {
                buf.clear();
                for _ in 0..len {
                    buf.push(alphabet[n % alphabet.len()]);
                    n /= alphabet.len();
                }
                f(std::str::from_utf8(&buf).unwrap());
            }
        }
    }

    #[test]
    fn region_host_and_port_checks_match_the_reference() {
        // Every class of byte the checks tell apart, and the brackets of an IPv6 literal.
        let alphabet = b"aZ09f-_.:[] ";
        each_string(alphabet, 5, |s| {
            assert_eq!(validate_region(s), reference::validate_region(s), "{s:?}");
            assert_eq!(valid_host(s), reference::valid_host(s), "{s:?}");
        });
        each_string(b"0159x ", 6, |s| {
            assert_eq!(parse_port(s), reference::parse_port(s), "{s:?}");
        });
        for n in 0..=100_000u32 {
            for s in [std::format!("{n}"), std::format!("{n:05}")] {
                assert_eq!(parse_port(&s), reference::parse_port(&s), "{s:?}");
            }
        }
        let url_agrees = |url: &str| {
            assert_eq!(
                Endpoint::from_url(url, "us-east-1"),
                reference::from_url(url, "us-east-1"),
                "{url:?}"
            );
        };
        // URLs: every short authority and path over the bytes that split or end their parts.
        each_string(b"a1:/[]?@#%.", 5, |tail| {
            for head in [
                "http://",
                "HTTPS://",
                "ftp://",
                "http:/",
                "://",
                "http://x:",
            ] {
                let url = std::format!("{head}{tail}");
                url_agrees(&url);
            }
        });
        // Schemes: every short one over the letters of `https` in both cases and `x` (a letter
        // of neither scheme), and some with non-ASCII characters.
        each_string(b"hHtTpPsSx", 6, |scheme| {
            let url = std::format!("{scheme}://a");
            url_agrees(&url);
        });
        for scheme in [
            "\u{130}ttp",
            "http\u{17f}",
            "htt\u{fe0}",
            "h\u{0}tp",
            "HTTP\u{e9}",
        ] {
            let url = std::format!("{scheme}://a");
            url_agrees(&url);
        }
        for (url, region) in [("http://a", "-x"), ("ftp://a", ""), ("http://a?", "a b")] {
            assert_eq!(
                Endpoint::from_url(url, region),
                reference::from_url(url, region)
            );
        }
        // The length limits: 63 bytes for a region and a label, 253 for a host.
        for len in [62, 63, 64, 252, 253, 254] {
            for s in [
                "a".repeat(len),
                std::format!("-{}", "a".repeat(len)),
                std::format!("{}.b", "a".repeat(len)),
                std::format!("[{}]", "f".repeat(len)),
                std::format!("a.{}", "b".repeat(len)),
            ] {
                assert_eq!(validate_region(&s), reference::validate_region(&s), "{s:?}");
                assert_eq!(valid_host(&s), reference::valid_host(&s), "{s:?}");
            }
        }
    }

    /// The host as it was before it was kept as three pieces: an enum of the two kinds, its
    /// `Debug` derived, written by a match.
    #[derive(Clone, Copy, Debug, PartialEq, Eq)]
    enum ReferenceHost<'a> {
        Aws {
            fips: bool,
            region: &'a str,
            suffix: &'static str,
        },
        Custom(&'a str),
    }

    impl ReferenceHost<'_> {
        fn text(&self) -> std::string::String {
            match *self {
                Self::Aws {
                    fips,
                    region,
                    suffix,
                } => {
                    let prefix = if fips { "lambda-fips." } else { "lambda." };
                    std::format!("{prefix}{region}.{suffix}")
                }
                Self::Custom(h) => h.into(),
            }
        }
    }

    /// The reference `Partition::of_region`: the suffixes without the dot the pieces carry.
    fn reference_of_region(region: &str) -> Partition {
        let regions = [
            (
                "cn-north-1",
                "aws-cn",
                "amazonaws.com.cn",
                "api.amazonwebservices.com.cn",
            ),
            (
                "eusc-de-east-1",
                "aws-eusc",
                "amazonaws.eu",
                "api.amazonwebservices.eu",
            ),
            ("us-gov-west-1", "aws-us-gov", "amazonaws.com", "api.aws"),
            ("us-iso-east-1", "aws-iso", "c2s.ic.gov", "api.aws.ic.gov"),
            (
                "us-isob-east-1",
                "aws-iso-b",
                "sc2s.sgov.gov",
                "api.aws.scloud",
            ),
            (
                "us-isof-south-1",
                "aws-iso-f",
                "csp.hci.ic.gov",
                "api.aws.hci.ic.gov",
            ),
            (
                "eu-isoe-west-1",
                "aws-iso-e",
                "cloud.adc-e.uk",
                "api.cloud-aws.adc-e.uk",
            ),
        ];
        let (id, dns_suffix, dual_stack_dns_suffix) = regions
            .iter()
            .find(|r| r.0 == region)
            .map_or(("aws", "amazonaws.com", "api.aws"), |r| (r.1, r.2, r.3));
        Partition {
            id,
            dns_suffix,
            dual_stack_dns_suffix,
        }
    }

    /// Hosts as three pieces against the enum they replaced: the same text (host name and
    /// `Host` header), the same `Debug` output (of the endpoint, its host name and header), and
    /// equality exactly where the enum's is, for AWS endpoints of every partition and option
    /// and for custom ones.
    #[test]
    fn host_pieces_match_the_enum() {
        let mut all = std::vec::Vec::new();
        for region in [
            "us-east-1",
            "cn-north-1",
            "eusc-de-east-1",
            "us-gov-west-1",
            "us-iso-east-1",
            "us-isob-east-1",
            "us-isof-south-1",
            "eu-isoe-west-1",
            "local",
            "lambda",
        ] {
            assert_eq!(Partition::of_region(region), reference_of_region(region));
            for (fips, dual_stack) in [(false, false), (true, false), (false, true), (true, true)] {
                let e = Endpoint::aws(region, EndpointOptions { fips, dual_stack }).unwrap();
                let p = reference_of_region(region);
                let suffix = if dual_stack {
                    p.dual_stack_dns_suffix
                } else {
                    p.dns_suffix
                };
                all.push((
                    e,
                    ReferenceHost::Aws {
                        fips,
                        region,
                        suffix,
                    },
                ));
            }
        }
        for (url, host) in [
            ("http://127.0.0.1:9001", "127.0.0.1"),
            (
                "https://lambda.us-east-1.amazonaws.com",
                "lambda.us-east-1.amazonaws.com",
            ),
            ("http://[::1]", "[::1]"),
            ("http://us-east-1", "us-east-1"),
            ("http://local", "local"),
            ("http://local:443", "local"),
            ("https://local:80", "local"),
            ("https://local:443", "local"),
            ("http://local:65535", "local"),
        ] {
            let e = Endpoint::from_url(url, "us-east-1").unwrap();
            all.push((e, ReferenceHost::Custom(host)));
        }
        for (e, r) in &all {
            assert_eq!(host(e), r.text());
            let port = e.host_header().port;
            let header = port.map_or(r.text(), |p| std::format!("{}:{p}", r.text()));
            assert_eq!(host_header(e), header);
            // And as bare-metal targets write it, from the endpoint.
            let mut of = std::vec::Vec::new();
            struct V<'v>(&'v mut std::vec::Vec<u8>);
            impl Sink for V<'_> {
                fn put(&mut self, b: &[u8]) {
                    self.0.extend_from_slice(b);
                }
            }
            HostHeaderOf(e).emit(&mut V(&mut of));
            assert_eq!(of, header.as_bytes());
            assert_eq!(std::format!("{:?}", e.host), std::format!("{r:?}"));
            assert_eq!(std::format!("{:#?}", e.host), std::format!("{r:#?}"));
            assert_eq!(
                std::format!("{:?}", e.host()),
                std::format!("HostName({r:?})")
            );
            assert_eq!(
                std::format!("{:?}", e.host_header()),
                std::format!("HostHeader {{ host: {r:?}, port: {port:?} }}")
            );
            assert_eq!(
                std::format!("{e:?}"),
                std::format!(
                    "Endpoint {{ scheme: {:?}, host: {r:?}, port: {}, path_prefix: {:?}, region: {:?} }}",
                    e.scheme(),
                    e.port(),
                    e.path_prefix(),
                    e.region()
                )
            );
            for (f, q) in &all {
                assert_eq!(e.host == f.host, r == q, "{r:?} {q:?}");
            }
        }
    }

    #[test]
    fn resolves_every_partition() {
        let none = EndpointOptions::default();
        let fips = EndpointOptions {
            fips: true,
            dual_stack: false,
        };
        let ds = EndpointOptions {
            fips: false,
            dual_stack: true,
        };
        let both = EndpointOptions {
            fips: true,
            dual_stack: true,
        };
        let cases = [
            ("us-east-1", none, "lambda.us-east-1.amazonaws.com"),
            ("us-east-1", fips, "lambda-fips.us-east-1.amazonaws.com"),
            ("us-east-1", ds, "lambda.us-east-1.api.aws"),
            ("us-east-1", both, "lambda-fips.us-east-1.api.aws"),
            ("cn-north-1", none, "lambda.cn-north-1.amazonaws.com.cn"),
            (
                "cn-north-1",
                ds,
                "lambda.cn-north-1.api.amazonwebservices.com.cn",
            ),
            ("us-gov-west-1", none, "lambda.us-gov-west-1.amazonaws.com"),
            (
                "us-gov-west-1",
                fips,
                "lambda-fips.us-gov-west-1.amazonaws.com",
            ),
            ("us-gov-west-1", ds, "lambda.us-gov-west-1.api.aws"),
            ("us-iso-east-1", none, "lambda.us-iso-east-1.c2s.ic.gov"),
            ("us-isob-east-1", ds, "lambda.us-isob-east-1.api.aws.scloud"),
            (
                "eu-isoe-west-1",
                none,
                "lambda.eu-isoe-west-1.cloud.adc-e.uk",
            ),
            (
                "us-isof-south-1",
                none,
                "lambda.us-isof-south-1.csp.hci.ic.gov",
            ),
            ("eusc-de-east-1", none, "lambda.eusc-de-east-1.amazonaws.eu"),
            ("local", none, "lambda.local.amazonaws.com"),
        ];
        for (region, options, want) in cases {
            let e = Endpoint::aws(region, options).unwrap();
            assert_eq!(host(&e), want, "{region} {options:?}");
            assert_eq!(host_header(&e), want);
            assert_eq!(e.port(), 443);
            assert_eq!(e.region(), region);
        }
    }

    #[test]
    fn parses_custom_urls() {
        let e = Endpoint::from_url("http://127.0.0.1:4566", "us-east-1").unwrap();
        assert_eq!((e.scheme(), e.port()), (Scheme::Http, 4566));
        assert_eq!(host(&e), "127.0.0.1");
        assert_eq!(host_header(&e), "127.0.0.1:4566");
        let e = Endpoint::from_url("https://example.internal/", "eu-west-1").unwrap();
        assert_eq!(host_header(&e), "example.internal");
        assert_eq!(e.port(), 443);
        let e = Endpoint::from_url("http://localhost:80", "eu-west-1").unwrap();
        assert_eq!(host_header(&e), "localhost");
        let e = Endpoint::from_url("http://[::1]:9001", "eu-west-1").unwrap();
        assert_eq!(host_header(&e), "[::1]:9001");
        let e = Endpoint::from_url("HTTP://localhost:9001/prefix/v1/", "eu-west-1").unwrap();
        assert_eq!((e.scheme(), e.path_prefix()), (Scheme::Http, "/prefix/v1"));
        let e = Endpoint::from_url("https://[::1]", "eu-west-1").unwrap();
        assert_eq!((host(&e).as_str(), e.port()), ("[::1]", 443));
        for (url, err) in [
            ("ftp://x", EndpointError::UnsupportedScheme),
            ("127.0.0.1:4566", EndpointError::InvalidUrl),
            ("http://a/b c", EndpointError::InvalidUrl),
            ("http://a/b%20", EndpointError::InvalidUrl),
            ("http://u@a", EndpointError::InvalidUrl),
            ("http://a?x", EndpointError::InvalidUrl),
            ("http://", EndpointError::InvalidHost),
            ("http://a b", EndpointError::InvalidHost),
            ("http://a\r\nX-Evil", EndpointError::InvalidHost),
            ("http://a\r\nX: y", EndpointError::InvalidPort),
            ("http://a:0", EndpointError::InvalidPort),
            ("http://a:65536", EndpointError::InvalidPort),
            ("http://a:", EndpointError::InvalidPort),
            ("http://a:12x", EndpointError::InvalidPort),
        ] {
            assert_eq!(Endpoint::from_url(url, "us-east-1"), Err(err), "{url}");
        }
    }

    #[test]
    fn validates_regions_and_combinations() {
        for bad in ["", "-us", "us east", "us/east", "a\r\nb", &"a".repeat(64)] {
            assert_eq!(
                Endpoint::aws(bad, EndpointOptions::default()),
                Err(EndpointError::InvalidRegion)
            );
        }
        // A custom endpoint wins over FIPS and dual-stack, as in botocore.
        let e = Endpoint::resolve(
            "us-east-1",
            Some("http://localhost:1"),
            EndpointOptions {
                fips: true,
                dual_stack: true,
            },
        )
        .unwrap();
        assert_eq!(host(&e), "localhost");
    }
}
