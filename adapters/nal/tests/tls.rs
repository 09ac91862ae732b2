//! The `embedded-tls` layer against a loopback rustls TLS 1.3 server whose CA and certificates
//! (ECDSA P-256) are made at test time with rcgen. The server terminates TLS and forwards the
//! plaintext to `LocalLambda`, so a verified session carries real signed invokes end to end;
//! a certificate for another name, or from another CA, is refused before any request is sent.

mod common;

use std::io::{self, Read as _, Write as _};
use std::net::{SocketAddr, TcpListener, TcpStream};
use std::sync::mpsc::{self, Sender};
use std::sync::{Arc, Mutex};
use std::thread::JoinHandle;
use std::time::{Duration, Instant};

use common::*;
use futures_executor::block_on;
use picolambda::driver::{Connector, InvokeError};
use picolambda::endpoint::Endpoint;
use picolambda::invoke::{FunctionName, InvokeRequest, LogType};
use picolambda_nal::asynch::{AsyncConnector, AsyncNalConnector};
use picolambda_nal::tls::{
    AsyncTlsConnector, CaProvider, EmbeddedTlsError, TlsConnector, TlsError,
};
use picolambda_nal::NalConnector;
use picolambda_std::local::{LocalLambda, LocalLambdaHandle};
use rand_core::OsRng;
use rcgen::{BasicConstraints, CertificateParams, DnType, IsCa, Issuer, KeyPair, KeyUsagePurpose};
use rustls::pki_types::{CertificateDer, PrivateKeyDer, PrivatePkcs8KeyDer};

/// `embedded-tls`'s record buffers: a full 16 KiB record plus overhead, and a write buffer.
const READ_RECORD: usize = 16_640;
const WRITE_RECORD: usize = 4096;

struct TestCa {
    der: CertificateDer<'static>,
    issuer: Issuer<'static, KeyPair>,
}

/// An ECDSA P-256 CA (rcgen's default key type).
fn test_ca(name: &str) -> TestCa {
    let mut params = CertificateParams::new(Vec::<String>::new()).unwrap();
    params.is_ca = IsCa::Ca(BasicConstraints::Unconstrained);
    params.distinguished_name.push(DnType::CommonName, name);
    params.key_usages = vec![
        KeyUsagePurpose::KeyCertSign,
        KeyUsagePurpose::DigitalSignature,
    ];
    let key = KeyPair::generate().unwrap();
    let der = params.self_signed(&key).unwrap().der().clone();
    TestCa {
        der,
        issuer: Issuer::new(params, key),
    }
}

/// An ECDSA P-256 server certificate for `name`, signed by `ca`.
fn leaf(ca: &TestCa, name: &str) -> (CertificateDer<'static>, PrivateKeyDer<'static>) {
    let mut params = CertificateParams::new(vec![name.to_owned()]).unwrap();
    params.distinguished_name.push(DnType::CommonName, name);
    let key = KeyPair::generate().unwrap();
    let cert = params.signed_by(&key, &ca.issuer).unwrap();
    (
        cert.der().clone(),
        PrivateKeyDer::Pkcs8(PrivatePkcs8KeyDer::from(key.serialize_der())),
    )
}

#[derive(Debug, Default)]
struct ProxyReport {
    connections: usize,
    handshakes: usize,
    tls13: usize,
    errors: Vec<String>,
}

/// A TLS 1.3 terminating proxy in front of `backend`: one client connection at a time, bounded
/// to 30 s, stopped when dropped.
struct TlsProxy {
    addr: SocketAddr,
    stop: Option<Sender<()>>,
    handle: Option<JoinHandle<()>>,
    report: Arc<Mutex<ProxyReport>>,
}

impl Drop for TlsProxy {
    fn drop(&mut self) {
        drop(self.stop.take());
        if let Some(h) = self.handle.take() {
            let _ = h.join();
        }
    }
}

impl TlsProxy {
    fn start(
        cert: CertificateDer<'static>,
        key: PrivateKeyDer<'static>,
        backend: SocketAddr,
    ) -> Self {
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
        let report = Arc::new(Mutex::new(ProxyReport::default()));
        let r = report.clone();
        let handle = std::thread::spawn(move || {
            let deadline = Instant::now() + Duration::from_secs(30);
            while Instant::now() < deadline
                && matches!(stopped.try_recv(), Err(mpsc::TryRecvError::Empty))
            {
                match listener.accept() {
                    Ok((tcp, _)) => {
                        r.lock().unwrap().connections += 1;
                        let conn = rustls::ServerConnection::new(config.clone()).unwrap();
                        if let Err(e) = serve(tcp, conn, backend, &r, deadline, &stopped) {
                            r.lock().unwrap().errors.push(e.to_string());
                        }
                    }
                    Err(e) if e.kind() == io::ErrorKind::WouldBlock => {
                        std::thread::sleep(Duration::from_millis(2));
                    }
                    Err(e) => panic!("accept: {e}"),
                }
            }
        });
        Self {
            addr,
            stop: Some(stop),
            handle: Some(handle),
            report,
        }
    }

    fn report(&self) -> std::sync::MutexGuard<'_, ProxyReport> {
        self.report.lock().unwrap()
    }
}

/// Pumps one client connection: TLS from the client, plaintext to and from the backend (opened
/// only after a completed handshake, so a refused client never reaches it).
fn serve(
    mut tcp: TcpStream,
    mut tls: rustls::ServerConnection,
    backend: SocketAddr,
    report: &Mutex<ProxyReport>,
    deadline: Instant,
    stopped: &mpsc::Receiver<()>,
) -> io::Result<()> {
    tcp.set_nonblocking(true)?;
    let mut back: Option<TcpStream> = None;
    let mut buf = vec![0u8; 32 * 1024];
    while Instant::now() < deadline && matches!(stopped.try_recv(), Err(mpsc::TryRecvError::Empty))
    {
        let mut busy = false;
        match tls.read_tls(&mut tcp) {
            Ok(0) => return Ok(()),
            Ok(_) => {
                busy = true;
                if let Err(e) = tls.process_new_packets() {
                    // Send the alert, then give up on this client.
                    let _ = tls.write_tls(&mut tcp);
                    return Err(io::Error::other(e));
                }
            }
            Err(e) if e.kind() == io::ErrorKind::WouldBlock => {}
            Err(e) => return Err(e),
        }
        if !tls.is_handshaking() && back.is_none() {
            let mut r = report.lock().unwrap();
            r.handshakes += 1;
            if tls.protocol_version() == Some(rustls::ProtocolVersion::TLSv1_3) {
                r.tls13 += 1;
            }
            drop(r);
            let b = TcpStream::connect(backend)?;
            b.set_nonblocking(true)?;
            back = Some(b);
        }
        if let Some(b) = back.as_mut() {
            match tls.reader().read(&mut buf) {
                Ok(0) => return Ok(()), // close_notify
                Ok(n) => {
                    busy = true;
                    b.set_nonblocking(false)?;
                    b.write_all(&buf[..n])?;
                    b.set_nonblocking(true)?;
                }
                Err(e) if e.kind() == io::ErrorKind::WouldBlock => {}
                Err(e) => return Err(e),
            }
            match b.read(&mut buf) {
                Ok(0) => {
                    tls.send_close_notify();
                    let _ = flush_tls(&mut tls, &mut tcp);
                    return Ok(());
                }
                Ok(n) => {
                    busy = true;
                    tls.writer().write_all(&buf[..n])?;
                }
                Err(e) if e.kind() == io::ErrorKind::WouldBlock => {}
                Err(e) => return Err(e),
            }
        }
        flush_tls(&mut tls, &mut tcp)?;
        if !busy {
            std::thread::sleep(Duration::from_micros(300));
        }
    }
    Ok(())
}

fn flush_tls(tls: &mut rustls::ServerConnection, tcp: &mut TcpStream) -> io::Result<()> {
    while tls.wants_write() {
        match tls.write_tls(tcp) {
            Ok(_) => {}
            Err(e) if e.kind() == io::ErrorKind::WouldBlock => {
                std::thread::sleep(Duration::from_micros(100))
            }
            Err(e) => return Err(e),
        }
    }
    Ok(())
}

fn lambda() -> LocalLambdaHandle {
    LocalLambda::new()
        .credentials(ACCESS_KEY, SECRET_KEY)
        .function("echo", |inv| {
            inv.log("echo ran over TLS");
            Ok(inv.payload().to_vec())
        })
        .start()
        .unwrap()
}

fn backend_addr(server: &LocalLambdaHandle) -> SocketAddr {
    server
        .endpoint_url()
        .trim_start_matches("http://")
        .parse()
        .unwrap()
}

fn request() -> InvokeRequest<'static> {
    InvokeRequest::new(FunctionName::new("echo").unwrap()).with_log_type(LogType::Tail)
}

fn url(proxy: &TlsProxy) -> String {
    format!("https://localhost:{}", proxy.addr.port())
}

/// One blocking invoke over `connector`.
fn run<C: Connector>(connector: &mut C, url: &str, payload: &[u8]) -> Ran<C::Error> {
    run_blocking(
        connector,
        &mut TestEnv::default(),
        url,
        &request(),
        payload,
        512,
    )
}

/// One async invoke over `connector`.
fn run_async<C: AsyncConnector>(connector: &mut C, url: &str, payload: &[u8]) -> Ran<C::Error> {
    common::run_async(
        connector,
        &mut TestEnv::default(),
        url,
        &request(),
        payload,
        512,
    )
}

fn resolves_localhost_to_ipv4() -> bool {
    use std::net::ToSocketAddrs;
    let first = ("localhost", 80).to_socket_addrs().unwrap().next().unwrap();
    if !first.ip().is_ipv4() {
        eprintln!("localhost resolves to {first} first; the proxy listens on IPv4 only: skipped");
    }
    first.ip().is_ipv4()
}

#[test]
fn a_verified_tls13_session_carries_invokes_with_keep_alive() {
    if !resolves_localhost_to_ipv4() {
        return;
    }
    let lambda = lambda();
    let ca = test_ca("picolambda-nal test CA");
    let (cert, key) = leaf(&ca, "localhost");
    let proxy = TlsProxy::start(cert, key, backend_addr(&lambda));
    let mut stack = std_embedded_nal::Stack;
    let mut tcp = NalConnector::new(&mut stack, host_hook()).beneath_tls();
    let mut provider = CaProvider::<_>::new(OsRng, ca.der.as_ref());
    let (mut rx, mut tx) = (vec![0u8; READ_RECORD], vec![0u8; WRITE_RECORD]);
    let mut tls = TlsConnector::new(&mut tcp, &mut provider, &mut rx, &mut tx);
    for i in 0..3 {
        let payload = format!("{{\"i\":{i},\"pad\":\"{}\"}}", "z".repeat(i * 20_000));
        let (result, body, log) = run(&mut tls, &url(&proxy), payload.as_bytes());
        assert_eq!(result.unwrap().status(), 200);
        assert_eq!(body, payload.as_bytes());
        assert!(String::from_utf8_lossy(&log).contains("echo ran over TLS"));
        assert!(tls.is_open(), "kept alive");
    }
    drop(tls);
    assert_eq!(tcp.connections_opened(), 1);
    let report = proxy.report();
    assert_eq!(
        (report.connections, report.handshakes, report.tls13),
        (1, 1, 1),
        "{report:?}"
    );
    assert_eq!(lambda.stats().requests, 3);
}

#[test]
fn the_async_tls_layer_carries_invokes_too() {
    if !resolves_localhost_to_ipv4() {
        return;
    }
    let lambda = lambda();
    let ca = test_ca("picolambda-nal test CA");
    let (cert, key) = leaf(&ca, "localhost");
    let proxy = TlsProxy::start(cert, key, backend_addr(&lambda));
    let stack = std_embedded_nal_async::Stack::default();
    let mut tcp = AsyncNalConnector::new(&stack, &stack).beneath_tls();
    let mut provider = CaProvider::<_>::new(OsRng, ca.der.as_ref());
    let (mut rx, mut tx) = (vec![0u8; READ_RECORD], vec![0u8; WRITE_RECORD]);
    let mut tls = AsyncTlsConnector::new(&mut tcp, &mut provider, &mut rx, &mut tx);
    for i in 0..2 {
        let payload = format!("{{\"async\":{i}}}");
        let (result, body, log) = run_async(&mut tls, &url(&proxy), payload.as_bytes());
        assert_eq!(result.unwrap().status(), 200);
        assert_eq!(body, payload.as_bytes());
        assert!(String::from_utf8_lossy(&log).contains("echo ran over TLS"));
    }
    block_on(tls.disconnect());
    assert!(tls.is_ended());
    assert_eq!(tcp.connections_opened(), 1);
    assert_eq!(proxy.report().handshakes, 1);
    assert_eq!(lambda.stats().requests, 2);
}

/// A session that cannot be opened: the handshake's refusal, and nothing reached the backend.
fn assert_refused(name_in_cert: &str, signing_ca: &TestCa, trusted_ca: &TestCa) {
    let lambda = lambda();
    let (cert, key) = leaf(signing_ca, name_in_cert);
    let proxy = TlsProxy::start(cert, key, backend_addr(&lambda));
    let mut stack = std_embedded_nal::Stack;
    let mut tcp = NalConnector::new(&mut stack, host_hook()).beneath_tls();
    let mut provider = CaProvider::<_>::new(OsRng, trusted_ca.der.as_ref());
    let (mut rx, mut tx) = (vec![0u8; READ_RECORD], vec![0u8; WRITE_RECORD]);
    let mut tls = TlsConnector::new(&mut tcp, &mut provider, &mut rx, &mut tx);
    let (result, body, _) = run(&mut tls, &url(&proxy), b"{\"secret\":1}");
    match result {
        Err(InvokeError::Transport {
            error: TlsError::Tls(e),
            ..
        }) => {
            assert!(
                matches!(e, EmbeddedTlsError::InvalidCertificate),
                "refused for another reason: {e:?}"
            );
        }
        other => panic!("not refused: {other:?}"),
    }
    assert!(body.is_empty());
    assert!(tls.is_ended());
    drop(tls);
    // Only the first attempt handshook: the refusal is kept, not retried on new connections.
    assert_eq!(tcp.connections_opened(), 1);
    assert_eq!(
        proxy.report().handshakes,
        0,
        "the handshake never completed"
    );
    assert_eq!(
        lambda.stats().connections,
        0,
        "no byte of the request left the client"
    );
}

#[test]
fn a_certificate_for_another_name_is_refused() {
    if !resolves_localhost_to_ipv4() {
        return;
    }
    let ca = test_ca("picolambda-nal test CA");
    assert_refused("not-localhost.example", &ca, &ca);
}

#[test]
fn a_certificate_from_another_ca_is_refused() {
    if !resolves_localhost_to_ipv4() {
        return;
    }
    let trusted = test_ca("trusted CA");
    let other = test_ca("other CA");
    assert_refused("localhost", &other, &trusted);
}

#[test]
fn an_ip_address_endpoint_is_refused_by_the_tls_layer() {
    let ca = test_ca("picolambda-nal test CA");
    let mut stack = std_embedded_nal::Stack;
    let mut tcp = NalConnector::new(&mut stack, host_hook()).beneath_tls();
    let mut provider = CaProvider::<_>::new(OsRng, ca.der.as_ref());
    let (mut rx, mut tx) = (vec![0u8; READ_RECORD], vec![0u8; WRITE_RECORD]);
    let mut tls = TlsConnector::new(&mut tcp, &mut provider, &mut rx, &mut tx);
    let endpoint = Endpoint::from_url("https://127.0.0.1:9", "us-east-1").unwrap();
    assert!(matches!(tls.connect(&endpoint), Err(TlsError::IpHost)));
    drop(tls);
    assert_eq!(tcp.connections_opened(), 0);
}
