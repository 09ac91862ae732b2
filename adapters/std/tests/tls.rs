//! `LambdaClient` over TLS against a loopback rustls server (TLS 1.3 only) whose CA and
//! certificates are made at test time with rcgen: trusted end to end with the test CA; refused
//! when the certificate names another host, has expired, or chains to a CA the client does not
//! trust (the public roots of the default `NetConfig`). A refused connection never carries the
//! request.

mod scripted_common;

use std::io;
use std::net::{SocketAddr, TcpListener};
use std::sync::mpsc::{self, Sender};
use std::sync::Arc;
use std::thread::JoinHandle;
use std::time::{Duration, Instant};

use picolambda::driver::InvokeError;
use picolambda::invoke::response::InvokeOutcome;
use picolambda::retry::GiveUpReason;
use picolambda_std::net::{tls_with_custom_ca, NetConfig};
use rcgen::{
    BasicConstraints, CertificateParams, DnType, ExtendedKeyUsagePurpose, IsCa, Issuer, KeyPair,
    KeyUsagePurpose,
};
use rustls::pki_types::{CertificateDer, PrivateKeyDer, PrivatePkcs8KeyDer};
use rustls::{CertificateError, ProtocolVersion};
use scripted_common::*;

/// A test CA: its certificate (the trust anchor) and the issuer that signs server certificates.
struct TestCa {
    der: CertificateDer<'static>,
    issuer: Issuer<'static, KeyPair>,
}

fn test_ca() -> TestCa {
    let mut params = CertificateParams::new(Vec::<String>::new()).unwrap();
    params.is_ca = IsCa::Ca(BasicConstraints::Unconstrained);
    params
        .distinguished_name
        .push(DnType::CommonName, "picolambda test CA");
    params.key_usages = vec![
        KeyUsagePurpose::KeyCertSign,
        KeyUsagePurpose::DigitalSignature,
        KeyUsagePurpose::CrlSign,
    ];
    let key = KeyPair::generate().unwrap();
    let der = params.self_signed(&key).unwrap().der().clone();
    TestCa {
        der,
        issuer: Issuer::new(params, key),
    }
}

/// A server certificate for `names` (DNS names or IP addresses) signed by `ca`, with its key.
fn server_cert(
    ca: &TestCa,
    names: &[&str],
    expired: bool,
) -> (CertificateDer<'static>, PrivateKeyDer<'static>) {
    let names: Vec<String> = names.iter().map(|n| (*n).to_owned()).collect();
    let mut params = CertificateParams::new(names.clone()).unwrap();
    params
        .distinguished_name
        .push(DnType::CommonName, &names[0]);
    params.extended_key_usages = vec![ExtendedKeyUsagePurpose::ServerAuth];
    params.use_authority_key_identifier_extension = true;
    if expired {
        params.not_before = rcgen::date_time_ymd(2020, 1, 1);
        params.not_after = rcgen::date_time_ymd(2021, 1, 1);
    }
    let key = KeyPair::generate().unwrap();
    let cert = params.signed_by(&key, &ca.issuer).unwrap();
    (
        cert.der().clone(),
        PrivateKeyDer::Pkcs8(PrivatePkcs8KeyDer::from(key.serialize_der())),
    )
}

/// What the TLS server saw.
#[derive(Debug, Default)]
struct TlsReport {
    /// TCP connections accepted.
    connections: usize,
    /// Handshakes completed, with the version negotiated.
    versions: Vec<ProtocolVersion>,
    /// Requests read (decrypted), as bodies.
    requests: Vec<Vec<u8>>,
    /// Why connections ended early (handshake failures, alerts).
    errors: Vec<String>,
}

/// A loopback TLS 1.3 server that answers every request with a canned Lambda 200 echoing the
/// request's body. Bounded: it stops when told to, or after 20 s.
struct TlsServer {
    addr: SocketAddr,
    stop: Sender<()>,
    handle: JoinHandle<TlsReport>,
}

impl TlsServer {
    fn start(cert: CertificateDer<'static>, key: PrivateKeyDer<'static>) -> Self {
        let config = rustls::ServerConfig::builder_with_provider(Arc::new(
            rustls::crypto::ring::default_provider(),
        ))
        .with_protocol_versions(&[&rustls::version::TLS13])
        .unwrap()
        .with_no_client_auth()
        .with_single_cert(vec![cert], key)
        .unwrap();
        let config = Arc::new(config);
        let listener = TcpListener::bind("127.0.0.1:0").unwrap();
        listener.set_nonblocking(true).unwrap();
        let addr = listener.local_addr().unwrap();
        let (stop, stopped) = mpsc::channel::<()>();
        let handle = std::thread::spawn(move || {
            let mut report = TlsReport::default();
            let deadline = Instant::now() + Duration::from_secs(20);
            while Instant::now() < deadline && stopped.try_recv().is_err() {
                let tcp = match listener.accept() {
                    Ok((tcp, _)) => tcp,
                    Err(e) if e.kind() == io::ErrorKind::WouldBlock => {
                        std::thread::sleep(Duration::from_millis(2));
                        continue;
                    }
                    Err(e) => panic!("accept: {e}"),
                };
                report.connections += 1;
                tcp.set_nonblocking(false).unwrap();
                tcp.set_read_timeout(Some(SERVER_READ_TIMEOUT)).unwrap();
                tcp.set_write_timeout(Some(SERVER_READ_TIMEOUT)).unwrap();
                let conn = rustls::ServerConnection::new(config.clone()).unwrap();
                let mut tls = rustls::StreamOwned::new(conn, tcp);
                let mut leftover = Vec::new();
                loop {
                    match read_request_from(&mut tls, &mut leftover) {
                        Ok(Some(req)) => {
                            if report.versions.len() < report.connections {
                                report.versions.push(tls.conn.protocol_version().unwrap());
                            }
                            let answer = ok(&req.body);
                            report.requests.push(req.body);
                            use std::io::Write as _;
                            if tls.write_all(&answer).and_then(|()| tls.flush()).is_err() {
                                break;
                            }
                        }
                        Ok(None) => break,
                        Err(e) => {
                            // A client that closes without close_notify is not an error here.
                            if e.kind() != io::ErrorKind::UnexpectedEof {
                                report.errors.push(e.to_string());
                            }
                            break;
                        }
                    }
                }
            }
            report
        });
        Self { addr, stop, handle }
    }

    fn port(&self) -> u16 {
        self.addr.port()
    }

    /// Stops the server (after the client has closed its connection) and returns its report.
    fn finish(self) -> TlsReport {
        let _ = self.stop.send(());
        match self.handle.join() {
            Ok(r) => r,
            Err(panic) => std::panic::resume_unwind(panic),
        }
    }
}

fn tls_net(tls: Arc<rustls::ClientConfig>) -> NetConfig {
    NetConfig {
        tls,
        ..net(Duration::from_secs(5))
    }
}

/// The certificate error inside a refused connection's transport error.
fn refused(
    err: picolambda_std::client::Error<std::convert::Infallible, std::convert::Infallible>,
) -> (CertificateError, GiveUpReason) {
    match err {
        InvokeError::Transport { error, reason } => {
            let inner = error
                .get_ref()
                .and_then(|e| e.downcast_ref::<rustls::Error>())
                .unwrap_or_else(|| panic!("not a TLS error: {error:?}"));
            match inner {
                rustls::Error::InvalidCertificate(c) => (c.clone(), reason),
                other => panic!("not a certificate error: {other:?}"),
            }
        }
        other => panic!("expected a transport error, got {other:?}"),
    }
}

#[test]
fn a_test_ca_is_trusted_end_to_end_over_tls_1_3() {
    let ca = test_ca();
    let (cert, key) = server_cert(&ca, &["localhost"], false);
    let server = TlsServer::start(cert, key);
    let mut client = client_with(
        format!("https://localhost:{}", server.port()),
        tls_net(tls_with_custom_ca(std::slice::from_ref(&ca.der)).unwrap()),
        fast_retry(),
    );
    for i in 0..3 {
        let payload = format!("{{\"over\":\"tls\",\"i\":{i}}}");
        let r = client.invoke(&request("fn"), payload.as_bytes()).unwrap();
        let InvokeOutcome::Success(ok) = &r.outcome else {
            panic!("{:?}", r.outcome)
        };
        assert_eq!(ok.status, 200);
        assert_eq!(ok.executed_version.as_deref(), Some("$LATEST"));
        assert_eq!(r.payload, payload.as_bytes());
    }
    assert_eq!(client.connections_opened(), 1, "keep-alive over TLS");
    drop(client);
    let report = server.finish();
    assert_eq!(report.connections, 1);
    assert_eq!(report.versions, vec![ProtocolVersion::TLSv1_3]);
    assert_eq!(report.requests.len(), 3);
    assert!(report.errors.is_empty(), "{:?}", report.errors);
}

#[test]
fn an_ip_address_endpoint_is_checked_against_the_certificates_ip_names() {
    let ca = test_ca();
    let (cert, key) = server_cert(&ca, &["127.0.0.1"], false);
    let server = TlsServer::start(cert, key);
    let mut client = client_with(
        format!("https://127.0.0.1:{}", server.port()),
        tls_net(tls_with_custom_ca(std::slice::from_ref(&ca.der)).unwrap()),
        fast_retry(),
    );
    let r = client.invoke(&request("fn"), b"{\"ip\":true}").unwrap();
    assert_eq!(r.payload, b"{\"ip\":true}");
    drop(client);
    assert_eq!(server.finish().requests.len(), 1);
}

/// Runs one invoke against a server with `cert`, trusting `tls`; returns the certificate error,
/// the give-up reason, the client's connection count and the server's report.
fn against_untrusted(
    cert: (CertificateDer<'static>, PrivateKeyDer<'static>),
    tls: Arc<rustls::ClientConfig>,
    net_config: Option<NetConfig>,
) -> (CertificateError, GiveUpReason, u64, TlsReport) {
    let server = TlsServer::start(cert.0, cert.1);
    let mut client = client_with(
        format!("https://localhost:{}", server.port()),
        net_config.unwrap_or_else(|| tls_net(tls)),
        fast_retry(),
    );
    let started = Instant::now();
    let err = client
        .invoke(&request("fn"), b"{\"secret\":1}")
        .unwrap_err();
    assert!(started.elapsed() < Duration::from_secs(5));
    let (cert_error, reason) = refused(err);
    let opened = client.connections_opened();
    drop(client);
    (cert_error, reason, opened, server.finish())
}

fn assert_never_sent(opened: u64, report: &TlsReport) {
    assert!(report.requests.is_empty(), "the request was never sent");
    assert!(report.versions.is_empty(), "no handshake completed");
    assert_eq!(report.connections as u64, opened);
    assert_eq!(
        report.errors.len(),
        report.connections,
        "{:?}",
        report.errors
    );
}

#[test]
fn a_certificate_for_another_name_is_refused() {
    let ca = test_ca();
    let (cert_error, reason, opened, report) = against_untrusted(
        server_cert(&ca, &["wrong.example"], false),
        tls_with_custom_ca(std::slice::from_ref(&ca.der)).unwrap(),
        None,
    );
    assert!(
        matches!(
            cert_error,
            CertificateError::NotValidForName | CertificateError::NotValidForNameContext { .. }
        ),
        "{cert_error:?}"
    );
    // A refused handshake is a connect failure: nothing was sent, so the standard rules retry it
    // like any connect failure, and each attempt is refused the same way.
    assert_eq!(reason, GiveUpReason::AttemptsExhausted);
    assert_eq!(opened, 3);
    assert_never_sent(opened, &report);
}

#[test]
fn the_public_roots_of_the_default_config_do_not_trust_the_test_ca() {
    let ca = test_ca();
    let default_trust = NetConfig {
        connect_timeout: Duration::from_secs(2),
        read_timeout: Duration::from_secs(5),
        ..NetConfig::default()
    };
    let (cert_error, reason, opened, report) = against_untrusted(
        server_cert(&ca, &["localhost"], false),
        default_trust.tls.clone(),
        Some(default_trust),
    );
    assert_eq!(cert_error, CertificateError::UnknownIssuer);
    assert_eq!(reason, GiveUpReason::AttemptsExhausted);
    assert_never_sent(opened, &report);
}

#[test]
fn an_expired_certificate_is_refused() {
    let ca = test_ca();
    let (cert_error, _, opened, report) = against_untrusted(
        server_cert(&ca, &["localhost"], true),
        tls_with_custom_ca(std::slice::from_ref(&ca.der)).unwrap(),
        None,
    );
    assert!(
        matches!(
            cert_error,
            CertificateError::Expired | CertificateError::ExpiredContext { .. }
        ),
        "{cert_error:?}"
    );
    assert_never_sent(opened, &report);
}

#[test]
fn another_ca_is_not_trusted() {
    let ca = test_ca();
    let other = test_ca();
    let (cert_error, _, opened, report) = against_untrusted(
        server_cert(&ca, &["localhost"], false),
        tls_with_custom_ca(std::slice::from_ref(&other.der)).unwrap(),
        None,
    );
    assert!(
        matches!(
            cert_error,
            CertificateError::UnknownIssuer | CertificateError::BadSignature
        ),
        "{cert_error:?}"
    );
    assert_never_sent(opened, &report);
}

#[test]
fn a_server_that_stalls_the_handshake_is_bounded_by_the_connect_timeout() {
    // A peer that accepts TCP and never answers the ClientHello (a middlebox, a wedged server):
    // the handshake is part of connecting, so the connect timeout bounds it, not the read
    // timeout that must cover a 15-minute synchronous invoke.
    let listener = TcpListener::bind("127.0.0.1:0").unwrap();
    listener.set_nonblocking(true).unwrap();
    let port = listener.local_addr().unwrap().port();
    let (stop, stopped) = mpsc::channel::<()>();
    let holder = std::thread::spawn(move || {
        let mut held = Vec::new();
        let deadline = Instant::now() + Duration::from_secs(20);
        while Instant::now() < deadline && stopped.try_recv().is_err() {
            match listener.accept() {
                Ok((tcp, _)) => held.push(tcp),
                Err(_) => std::thread::sleep(Duration::from_millis(2)),
            }
        }
        held.len()
    });
    let ca = test_ca();
    let net_config = NetConfig {
        connect_timeout: Duration::from_millis(200),
        read_timeout: Duration::from_secs(2),
        ..tls_net(tls_with_custom_ca(std::slice::from_ref(&ca.der)).unwrap())
    };
    let mut client = client_with(
        format!("https://localhost:{port}"),
        net_config,
        fast_retry().with_max_attempts(1),
    );
    let started = Instant::now();
    let err = client.invoke(&request("fn"), b"{}").unwrap_err();
    let elapsed = started.elapsed();
    let _ = stop.send(());
    let connections = holder.join().unwrap();
    assert_eq!(connections, 1);
    let kind = match &err {
        InvokeError::Transport { error, .. } => error.kind(),
        other => panic!("expected a transport error, got {other:?}"),
    };
    assert!(
        kind == io::ErrorKind::TimedOut && elapsed < Duration::from_millis(1_000),
        "a stalled handshake must time out within the 200 ms connect timeout and be reported as \
         TimedOut; got {err:?} after {elapsed:?} (the read timeout, 2 s here and 15.5 min by \
         default, bounded it)"
    );
}
