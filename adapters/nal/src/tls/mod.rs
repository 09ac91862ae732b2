//! TLS 1.3 as a layer over any connector, with `embedded-tls`.
//!
//! [`TlsConnector`] (blocking) and [`AsyncTlsConnector`] put an `embedded-tls` session over the
//! stream of any connector that can lend it ([`HoldsStream`], [`AsyncConnector`]): this crate's
//! TCP connectors, a modem's socket, a UART. The server's certificate is always verified: the
//! handshake must present a certificate chain that the [`CryptoProvider`]'s verifier accepts
//! for the endpoint's host name, and a `CertificateVerify` signature it accepts, or the
//! connection fails before a byte of the request is sent. A provider with no verifier, or a
//! server that skips either message, is refused ([`TlsError::NotVerified`]).
//!
//! # What `embedded-tls` can verify without a heap
//!
//! [`CaProvider`] uses `embedded-tls`'s `rustpki` verifier (pure Rust, no `alloc`):
//!
//! | chain | features | heap |
//! |---|---|---|
//! | ECDSA P-256 / SHA-256 (certificates and `CertificateVerify`) | `tls` (default) | no |
//! | ECDSA P-384 / SHA-384 | `p384` | no |
//! | RSA PKCS#1 v1.5 / PSS (SHA-256/384/512) | `rsa` | **yes**: the `rsa` crate needs `alloc` |
//!
//! What that means for users:
//!
//! - **Amazon's public endpoints present RSA chains** (`lambda.<region>.amazonaws.com` is served
//!   with an RSA-2048 certificate from an "Amazon RSA 2048" intermediate under Amazon Root CA 1).
//!   Verifying them needs the `rsa` feature, hence a global allocator in the firmware (the `rsa`
//!   crate's big-integer arithmetic allocates), and some 20–30 KiB more flash. Without it the
//!   handshake fails with `InvalidSignatureScheme`: it does **not** fall back to skipping
//!   verification.
//! - Without a heap, use an endpoint whose chain is ECDSA: a private CA behind a proxy or API
//!   gateway you run, or a service that serves ECDSA certificates.
//! - The verifier checks the chain **exactly as the server sends it**: the trust anchor you
//!   give must be the issuer of the last certificate the server sends (no path building, no
//!   cross-signed alternatives), each certificate's signature is checked against the next one
//!   up, and the host name is matched against the leaf's first 3 DNS `subjectAltName`s (or its
//!   common name) — never against IP addresses, so a TLS endpoint must be a DNS name.
//! - It does **not** check `basicConstraints` or key usage: any certificate the trust anchor
//!   signed can act as an intermediate. Trust only a CA that issues certificates to hosts you
//!   trust (a private CA), not a public root or a public intermediate that issues to anyone.
//! - Validity periods are checked only with a [`TlsClock`] that knows the time (the default
//!   `NoClock` skips them: a device without a real-time clock cannot check them anyway).
//!
//! # Buffers
//!
//! | buffer | size |
//! |---|---|
//! | record read buffer | 16,640 B: a full TLS record (servers send 16 KiB records; AWS does not negotiate smaller ones) |
//! | record write buffer | ≥ 1 KiB; each record carries 128 B of overhead, so 4 KiB keeps them few |
//! | [`CaProvider`] | `CERT` bytes to keep the server's certificate message between the two checks (4 KiB default; Amazon's RSA chains need about 5 KiB) |
//!
//! # One session per connector
//!
//! `embedded-tls` borrows its record buffers for the lifetime of a session and never gives
//! them back, so a connector cannot open a second session on the same buffers without
//! `unsafe`. A [`TlsConnector`] therefore carries **one** TLS session: it keeps it alive across
//! invokes (keep-alive), and once the session ends (the server closed it, an error, a response
//! that is not reusable) its `connect` answers [`TlsError::SessionEnded`]. Make a new
//! `TlsConnector` over the same inner connector and buffers for the next session; the borrows
//! end when the old one is dropped. A TCP connection that fails before the handshake does not
//! use the session up (the driver's connect retries work); a session that ends in the middle
//! of an invoke is not re-opened within that invoke.
//!
//! A kept-alive session cannot be checked before reuse (the stream below is inside
//! `embedded-tls`), so a session the server closed while idle is found dead only when the
//! response does not come, and a `RequestResponse` invoke is then not retried ("may have run").
//! After an idle period longer than the server's keep-alive timeout (AWS closes idle
//! connections after tens of seconds), [`disconnect`](picolambda::driver::Connector::disconnect)
//! and start a new session before the next invoke.

mod asynch;
mod blocking;

use core::fmt;

use embedded_io::ErrorKind;
use embedded_tls::pki::CertVerifier;
pub use embedded_tls::{
    Aes128GcmSha256, CertificateRef, CertificateVerifyRef, CryptoProvider, NoClock, TlsCipherSuite,
    TlsClock, TlsError as EmbeddedTlsError, TlsVerifier,
};
use rand_core::CryptoRngCore;

pub use self::asynch::{AsyncTlsConnector, AsyncTlsStream};
pub use self::blocking::{TlsConnector, TlsStream};
#[allow(unused_imports)] // named in the docs above
use crate::{asynch::AsyncConnector, blocking::HoldsStream};

/// Default room for the server's certificate message in [`CaProvider`].
pub const DEFAULT_CERT_BYTES: usize = 4096;

/// Why the TLS layer failed.
#[derive(Clone, Copy, Debug)]
#[non_exhaustive]
pub enum TlsError<E> {
    /// The connector below failed to connect.
    Transport(E),
    /// The handshake or a record failed (`embedded-tls`'s error; an I/O error below keeps its
    /// kind as `EmbeddedTlsError::Io(kind)`).
    Tls(EmbeddedTlsError),
    /// The handshake finished without a verified certificate and `CertificateVerify` (a
    /// provider without a verifier, or a server that skipped them).
    NotVerified,
    /// This connector's one session is over: make a new connector (see the module docs).
    SessionEnded,
    /// The endpoint's host is an IP address: the verifier matches DNS names only.
    IpHost,
}

impl<E> TlsError<E> {
    /// A short static description, also used by `Display`.
    pub const fn as_str(&self) -> &'static str {
        match self {
            TlsError::Transport(_) => "transport below TLS failed",
            TlsError::Tls(_) => "TLS failed",
            TlsError::NotVerified => "server certificate not verified",
            TlsError::SessionEnded => "TLS session ended; make a new connector",
            TlsError::IpHost => "TLS endpoint host is an IP address",
        }
    }
}

impl<E: fmt::Debug> fmt::Display for TlsError<E> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            TlsError::Transport(e) => write!(f, "{}: {e:?}", self.as_str()),
            TlsError::Tls(e) => write!(f, "{}: {e:?}", self.as_str()),
            _ => f.write_str(self.as_str()),
        }
    }
}

impl<E: fmt::Debug> core::error::Error for TlsError<E> {}

impl<E: embedded_io::Error> embedded_io::Error for TlsError<E> {
    fn kind(&self) -> ErrorKind {
        match self {
            TlsError::Transport(e) => e.kind(),
            // Keeps `TimedOut` from below, which the retry policy counts.
            TlsError::Tls(EmbeddedTlsError::Io(kind)) => *kind,
            TlsError::Tls(_) => ErrorKind::InvalidData,
            TlsError::NotVerified => ErrorKind::PermissionDenied,
            TlsError::SessionEnded => ErrorKind::NotConnected,
            TlsError::IpHost => ErrorKind::InvalidInput,
        }
    }
}

#[cfg(feature = "defmt")]
impl<E> defmt::Format for TlsError<E> {
    fn format(&self, f: defmt::Formatter<'_>) {
        match self {
            TlsError::Tls(e) => defmt::write!(f, "{=str}: {}", self.as_str(), e),
            _ => defmt::write!(f, "{=str}", self.as_str()),
        }
    }
}

/// A [`CryptoProvider`] that verifies the server against one trust anchor with `embedded-tls`'s
/// `rustpki` verifier, with TLS_AES_128_GCM_SHA256 (SHA-256, the hash the core already links).
///
/// `R` is the random number generator for the key exchange: a hardware TRNG or a CSPRNG seeded
/// from one — never a fixed seed. `C` is the clock for validity periods ([`NoClock`] skips
/// them). `CERT` bytes hold the server's certificate message between the two checks. See the
/// [module docs](self) for what it verifies.
pub struct CaProvider<'a, R, C = NoClock, const CERT: usize = DEFAULT_CERT_BYTES>
where
    C: TlsClock,
{
    rng: R,
    verifier: CertVerifier<'a, Aes128GcmSha256, C, CERT>,
}

impl<R, C: TlsClock, const CERT: usize> fmt::Debug for CaProvider<'_, R, C, CERT> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("CaProvider").finish_non_exhaustive()
    }
}

impl<'a, R, C, const CERT: usize> CaProvider<'a, R, C, CERT>
where
    R: CryptoRngCore,
    C: TlsClock,
{
    /// Trusts the CA whose certificate (DER) is `ca_der`.
    pub fn new(rng: R, ca_der: &'a [u8]) -> Self {
        Self {
            rng,
            verifier: CertVerifier::new(embedded_tls::Certificate::X509(ca_der)),
        }
    }
}

impl<R, C, const CERT: usize> CryptoProvider for CaProvider<'_, R, C, CERT>
where
    R: CryptoRngCore,
    C: TlsClock,
{
    type CipherSuite = Aes128GcmSha256;
    // No client certificate: Lambda authenticates requests with SigV4.
    type Signature = &'static [u8];

    fn rng(&mut self) -> impl CryptoRngCore {
        &mut self.rng
    }

    fn verifier(&mut self) -> Result<&mut impl TlsVerifier<Self::CipherSuite>, EmbeddedTlsError> {
        Ok(&mut self.verifier)
    }
}

/// Which verification steps a handshake has passed.
#[derive(Clone, Copy, PartialEq, Eq)]
enum Stage {
    Start,
    HostSet,
    Certificate,
    Signature,
}

/// Wraps the caller's provider for one handshake and insists on verification: the host name
/// set, then one certificate verified, then its `CertificateVerify`. `embedded-tls` skips both
/// checks when a server sends neither message, and its `rustpki` verifier panics on a
/// `CertificateVerify` that comes before a certificate; this wrapper refuses both cases.
struct Checked<'p, P> {
    inner: &'p mut P,
    stage: Stage,
}

impl<'p, P: CryptoProvider> Checked<'p, P> {
    fn new(inner: &'p mut P) -> Self {
        Self {
            inner,
            stage: Stage::Start,
        }
    }

    fn verified(&self) -> bool {
        self.stage == Stage::Signature
    }

    fn advance(&mut self, from: Stage, to: Stage) -> Result<(), EmbeddedTlsError> {
        if self.stage != from {
            return Err(EmbeddedTlsError::InvalidHandshake);
        }
        self.stage = to;
        Ok(())
    }
}

impl<P: CryptoProvider> CryptoProvider for Checked<'_, P> {
    type CipherSuite = P::CipherSuite;
    type Signature = P::Signature;

    fn rng(&mut self) -> impl CryptoRngCore {
        self.inner.rng()
    }

    fn verifier(&mut self) -> Result<&mut impl TlsVerifier<Self::CipherSuite>, EmbeddedTlsError> {
        Ok(self)
    }
}

impl<P: CryptoProvider> TlsVerifier<P::CipherSuite> for Checked<'_, P> {
    fn set_hostname_verification(&mut self, hostname: &str) -> Result<(), EmbeddedTlsError> {
        self.inner.verifier()?.set_hostname_verification(hostname)?;
        self.advance(Stage::Start, Stage::HostSet)
    }

    fn verify_certificate(
        &mut self,
        transcript: &<P::CipherSuite as TlsCipherSuite>::Hash,
        cert: CertificateRef<'_>,
    ) -> Result<(), EmbeddedTlsError> {
        // Checked before the inner verifier runs: a second certificate message is refused.
        if self.stage != Stage::HostSet {
            return Err(EmbeddedTlsError::InvalidHandshake);
        }
        self.inner
            .verifier()?
            .verify_certificate(transcript, cert)?;
        self.advance(Stage::HostSet, Stage::Certificate)
    }

    fn verify_signature(
        &mut self,
        verify: CertificateVerifyRef<'_>,
    ) -> Result<(), EmbeddedTlsError> {
        if self.stage != Stage::Certificate {
            return Err(EmbeddedTlsError::InvalidHandshake);
        }
        self.inner.verifier()?.verify_signature(verify)?;
        self.advance(Stage::Certificate, Stage::Signature)
    }
}

/// Why a handshake was refused: kept by a connector whose session never opened.
#[derive(Clone, Copy, Debug)]
enum Refused {
    Tls(EmbeddedTlsError),
    NotVerified,
}

impl<E> From<Refused> for TlsError<E> {
    fn from(r: Refused) -> Self {
        match r {
            Refused::Tls(e) => TlsError::Tls(e),
            Refused::NotVerified => TlsError::NotVerified,
        }
    }
}

/// The life of one TLS session, the same for the blocking and the async connector: `I` is the
/// connector below, `S` the open stream.
enum Session<'b, I, S> {
    /// No session yet: the buffers wait for the handshake.
    Idle {
        inner: &'b mut I,
        read_buf: &'b mut [u8],
        write_buf: &'b mut [u8],
    },
    Open(S),
    /// The session is over, and so is the TCP connection under it (or it never opened: the
    /// handshake's failure is kept and repeated, so the driver's last error says why).
    Ended(Option<Refused>),
}

impl<'b, I, S> Session<'b, I, S> {
    fn new(inner: &'b mut I, read_buf: &'b mut [u8], write_buf: &'b mut [u8]) -> Self {
        Session::Idle {
            inner,
            read_buf,
            write_buf,
        }
    }

    fn label(&self) -> &'static str {
        match self {
            Session::Idle { .. } => "idle",
            Session::Open(_) => "open",
            Session::Ended(_) => "ended",
        }
    }

    fn is_idle(&self) -> bool {
        matches!(self, Session::Idle { .. })
    }

    fn is_open(&self) -> bool {
        matches!(self, Session::Open(_))
    }

    fn is_ended(&self) -> bool {
        matches!(self, Session::Ended(_))
    }

    /// The connector below, while no session has started.
    fn idle_inner(&mut self) -> Option<&mut I> {
        match self {
            Session::Idle { inner, .. } => Some(inner),
            _ => None,
        }
    }

    /// Hands the connector below and the record buffers to a handshake. From here on they belong
    /// to this session, whatever the handshake does: the session reads as ended until
    /// [`settle`](Self::settle) records how the handshake went.
    fn start(&mut self) -> Option<(&'b mut I, &'b mut [u8], &'b mut [u8])> {
        match core::mem::replace(self, Session::Ended(None)) {
            Session::Idle {
                inner,
                read_buf,
                write_buf,
            } => Some((inner, read_buf, write_buf)),
            other => {
                *self = other;
                None
            }
        }
    }

    /// Records a handshake's outcome: the open stream, or why it was refused (the caller has
    /// already closed the refused connection).
    fn settle<E>(&mut self, outcome: Result<S, Refused>) -> Result<(), TlsError<E>> {
        match outcome {
            Ok(stream) => {
                *self = Session::Open(stream);
                Ok(())
            }
            Err(refused) => {
                *self = Session::Ended(Some(refused));
                Err(refused.into())
            }
        }
    }

    /// The open stream, or why there is none.
    fn stream<E>(&mut self) -> Result<&mut S, TlsError<E>> {
        match self {
            Session::Open(stream) => Ok(stream),
            Session::Ended(Some(refused)) => Err((*refused).into()),
            _ => Err(TlsError::SessionEnded),
        }
    }

    fn open_stream(&mut self) -> Option<&mut S> {
        match self {
            Session::Open(stream) => Some(stream),
            _ => None,
        }
    }

    /// Ends an open session: returns its stream to close; the session reads as ended.
    fn take_open(&mut self) -> Option<S> {
        if !self.is_open() {
            return None;
        }
        match core::mem::replace(self, Session::Ended(None)) {
            Session::Open(stream) => Some(stream),
            _ => None,
        }
    }
}

/// Why a finished handshake left no session: it failed, or it succeeded without the verifier
/// having checked the server (never accepted).
fn refusal(opened: Result<(), EmbeddedTlsError>, verified: bool) -> Option<Refused> {
    match opened {
        Ok(()) if verified => None,
        Ok(()) => Some(Refused::NotVerified),
        Err(e) => Some(Refused::Tls(e)),
    }
}

/// The endpoint's host name for SNI and verification; IP literals are refused.
fn server_name<'h, E>(
    endpoint: &picolambda::endpoint::Endpoint<'_>,
    buf: &'h mut [u8; crate::host::MAX_HOST],
) -> Result<&'h str, TlsError<E>> {
    match crate::host::target(endpoint, buf) {
        Some(crate::host::Target::Name(name)) => Ok(name),
        _ => Err(TlsError::IpHost),
    }
}

/// How a read error ends the input: a `close_notify`, or the TCP connection closing between or
/// inside records, are the end of the response for HTTP framing (the core's reader reports a
/// body cut short).
fn is_end_of_input(e: &EmbeddedTlsError) -> bool {
    matches!(
        e,
        EmbeddedTlsError::ConnectionClosed | EmbeddedTlsError::IoError
    )
}

/// The stream below, reached through the connector that holds it (an error type of our own,
/// because "no stream" has no value in the connector's error type; `embedded-tls` keeps only
/// the kind).
#[derive(Debug)]
enum Below<E> {
    Io(E),
    NotConnected,
}

impl<E: fmt::Debug> fmt::Display for Below<E> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        fmt::Debug::fmt(self, f)
    }
}

impl<E: fmt::Debug> core::error::Error for Below<E> {}

impl<E: embedded_io::Error> embedded_io::Error for Below<E> {
    fn kind(&self) -> ErrorKind {
        match self {
            Below::Io(e) => e.kind(),
            Below::NotConnected => ErrorKind::NotConnected,
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use embedded_tls::{CertificateVerifyRef, SignatureScheme};

    /// A provider whose verifier accepts everything and counts the calls.
    #[derive(Default)]
    struct Lenient {
        calls: u32,
    }

    impl TlsVerifier<Aes128GcmSha256> for Lenient {
        fn set_hostname_verification(&mut self, _: &str) -> Result<(), EmbeddedTlsError> {
            self.calls += 1;
            Ok(())
        }
        fn verify_certificate(
            &mut self,
            _: &<Aes128GcmSha256 as TlsCipherSuite>::Hash,
            _: CertificateRef<'_>,
        ) -> Result<(), EmbeddedTlsError> {
            self.calls += 1;
            Ok(())
        }
        fn verify_signature(
            &mut self,
            _: CertificateVerifyRef<'_>,
        ) -> Result<(), EmbeddedTlsError> {
            self.calls += 1;
            Ok(())
        }
    }

    struct Rng;
    impl rand_core::RngCore for Rng {
        fn next_u32(&mut self) -> u32 {
            4
        }
        fn next_u64(&mut self) -> u64 {
            4
        }
        fn fill_bytes(&mut self, dest: &mut [u8]) {
            dest.fill(4);
        }
        fn try_fill_bytes(&mut self, dest: &mut [u8]) -> Result<(), rand_core::Error> {
            dest.fill(4);
            Ok(())
        }
    }
    impl rand_core::CryptoRng for Rng {}

    struct Provider(Lenient);
    impl CryptoProvider for Provider {
        type CipherSuite = Aes128GcmSha256;
        type Signature = &'static [u8];
        fn rng(&mut self) -> impl CryptoRngCore {
            Rng
        }
        fn verifier(
            &mut self,
        ) -> Result<&mut impl TlsVerifier<Self::CipherSuite>, EmbeddedTlsError> {
            Ok(&mut self.0)
        }
    }

    fn verify() -> CertificateVerifyRef<'static> {
        CertificateVerifyRef {
            signature_scheme: SignatureScheme::EcdsaSecp256r1Sha256,
            signature: &[],
        }
    }

    #[test]
    fn a_certificate_verify_before_any_certificate_is_refused_without_reaching_the_verifier() {
        let mut provider = Provider(Lenient::default());
        let mut checked = Checked::new(&mut provider);
        checked.set_hostname_verification("lambda.test").unwrap();
        assert!(matches!(
            checked.verify_signature(verify()),
            Err(EmbeddedTlsError::InvalidHandshake)
        ));
        assert!(!checked.verified());
        assert_eq!(
            provider.0.calls, 1,
            "only the host name reached the verifier"
        );
    }

    #[test]
    fn a_handshake_that_verified_nothing_is_not_verified() {
        let mut provider = Provider(Lenient::default());
        let mut checked = Checked::new(&mut provider);
        // A server that sends neither Certificate nor CertificateVerify: embedded-tls calls
        // only the host name setter.
        checked.set_hostname_verification("lambda.test").unwrap();
        assert!(!checked.verified());
    }

    #[test]
    fn a_provider_without_a_verifier_fails_the_handshake() {
        struct NoVerifier;
        impl CryptoProvider for NoVerifier {
            type CipherSuite = Aes128GcmSha256;
            type Signature = &'static [u8];
            fn rng(&mut self) -> impl CryptoRngCore {
                Rng
            }
        }
        let mut provider = NoVerifier;
        let mut checked = Checked::new(&mut provider);
        assert!(checked.set_hostname_verification("lambda.test").is_err());
        assert!(!checked.verified());
    }
}
