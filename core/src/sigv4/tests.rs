use super::*;
use std::vec::Vec;

struct Buf(Vec<u8>);
impl Sink for Buf {
    fn put(&mut self, bytes: &[u8]) {
        self.0.extend_from_slice(bytes);
    }
}

fn norm(p: &str) -> std::string::String {
    let mut out = [0u8; 256];
    let n = normalize_path(p.as_bytes(), &mut out).unwrap();
    std::string::String::from_utf8(out[..n].to_vec()).unwrap()
}

#[test]
fn normalizes_paths_like_the_test_suite() {
    for (input, want) in [
        ("", "/"),
        ("/", "/"),
        ("/example/..", "/"),
        ("/example/../..", "/"),
        ("/example1/example2/../..", "/"),
        ("/example1/example2/../../example3", "/example3"),
        ("/./", "/"),
        ("/./example", "/example"),
        ("//", "/"),
        ("//example//", "/example/"),
        ("/a/./b/../c/", "/a/c/"),
        ("/a/.", "/a/"),
    ] {
        assert_eq!(norm(input), want, "{input}");
    }
    let mut small = [0u8; 3];
    assert_eq!(normalize_path(b"/abcd", &mut small), None);
}

#[test]
fn header_values_are_trimmed_and_collapsed() {
    let payload = PayloadHash::EMPTY;
    let v1: &dyn Emit = &"  a   b\t\tc  ";
    let v2: &dyn Emit = &"second";
    let v3: &dyn Emit = &"first";
    let headers = [("My-Header", v3), ("X-Multi", v1), ("my-header", v2)];
    let req = SignableRequest {
        method: "GET",
        path: &"",
        double_encode_path: true,
        query: &[("b", "2"), ("a", "2"), ("a", "1"), ("a", "1")],
        headers: &headers,
        payload: &payload,
    };
    let mut out = Buf(Vec::new());
    req.write_canonical_request(&mut out);
    assert_eq!(
        std::str::from_utf8(&out.0).unwrap(),
        "GET\n/\na=1&a=1&a=2&b=2\nmy-header:first,second\nx-multi:a b c\n\nmy-header;x-multi\n\
         e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855"
    );
}

#[test]
fn rejects_bad_inputs() {
    assert_eq!(
        Credentials::new("", "s", None).unwrap_err(),
        SigningError::InvalidAccessKeyId
    );
    assert_eq!(
        Credentials::new("AK ID", "s", None).unwrap_err(),
        SigningError::InvalidAccessKeyId
    );
    assert_eq!(
        Credentials::new("AKID", "", None).unwrap_err(),
        SigningError::EmptySecretKey
    );
    assert_eq!(
        Credentials::new("AKID", "s", Some("tok\r\nX-Evil: 1")).unwrap_err(),
        SigningError::InvalidSessionToken
    );
    assert_eq!(
        SigningKey::derive("s", *b"20150830", "us-east-1/x", "lambda").unwrap_err(),
        SigningError::InvalidScope
    );
    let creds = Credentials::new("AKID", "secret", None).unwrap();
    let mut signer = Signer::new(creds);
    let payload = PayloadHash::EMPTY;
    let evil: &dyn Emit = &"a\r\nInjected: yes";
    let headers = [("x-amz-thing", evil)];
    let req = SignableRequest {
        method: "POST",
        path: &"/",
        double_encode_path: true,
        query: &[],
        headers: &headers,
        payload: &payload,
    };
    let scope = Scope {
        amz_date: crate::time::Timestamp::from_unix_secs(0)
            .to_amz_date()
            .unwrap(),
        region: "us-east-1",
        service: "lambda",
    };
    assert_eq!(
        signer.sign(&req, &scope).unwrap_err(),
        SigningError::InvalidHeaderValue
    );
}

#[test]
fn signer_reuses_and_rederives_keys() {
    let creds = Credentials::new(
        "AKIDEXAMPLE",
        "wJalrXUtnFEMI/K7MDENG+bPxRfiCYEXAMPLEKEY",
        None,
    )
    .unwrap();
    let mut signer = Signer::new(creds);
    assert!(signer
        .key(b"20150830", "us-east-1", "service")
        .unwrap()
        .is_for(b"20150830", "us-east-1", "service"));
    assert!(signer
        .key(b"20150831", "us-east-1", "service")
        .unwrap()
        .is_for(b"20150831", "us-east-1", "service"));
    // A scope that cannot be signed leaves the cached key in place.
    assert_eq!(
        signer.key(b"20150831", "us east", "service").err(),
        Some(SigningError::InvalidScope)
    );
    assert!(signer
        .key
        .as_ref()
        .unwrap()
        .is_for(b"20150831", "us-east-1", "service"));
    // Derived in the signer's cache, the key is the one `derive` returns.
    let derived = SigningKey::derive(
        "wJalrXUtnFEMI/K7MDENG+bPxRfiCYEXAMPLEKEY",
        *b"20150831",
        "us-east-1",
        "service",
    )
    .unwrap();
    assert_eq!(
        derived.mac.mac(&[b"string to sign"]),
        signer.key.as_ref().unwrap().mac.mac(&[b"string to sign"])
    );
    // Secrets never reach Debug output.
    let dbg = std::format!("{signer:?}");
    assert!(!dbg.contains("wJalr"), "{dbg}");
}

/// The scope as `SigningKey` kept it before it kept one text: the date, region and service
/// apart, compared apart (`is_for`) and printed apart (`Debug`).
struct ReferenceScope<'a> {
    date: [u8; 8],
    region: &'a str,
    service: &'a str,
}

impl ReferenceScope<'_> {
    fn is_for(&self, date: &[u8; 8], region: &str, service: &str) -> bool {
        self.date == *date && self.region == region && self.service == service
    }

    fn debug(&self) -> std::string::String {
        std::format!(
            "SigningKey {{ date: {:?}, region: {:?}, service: {:?}, .. }}",
            core::str::from_utf8(&self.date).unwrap_or("?"),
            self.region,
            self.service
        )
    }

    /// The string to sign, from the ten pieces the key signed before.
    fn string_to_sign(&self, amz_date: &AmzDate, creq_hash: &[u8; 32]) -> Vec<u8> {
        [
            ALGORITHM_LINE.as_bytes(),
            amz_date.as_bytes(),
            b"\n",
            &self.date,
            b"/",
            self.region.as_bytes(),
            b"/",
            self.service.as_bytes(),
            b"/aws4_request\n",
            &hex32(creq_hash),
        ]
        .concat()
    }
}

/// A key's scope text against the separate parts it replaced: `is_for` over every combination
/// of candidate parts (slashes, prefixes and extensions of each other included), `Debug`, and
/// the string to sign.
#[test]
fn key_scope_matches_the_separate_parts() {
    let dates: [&[u8; 8]; 5] = [
        b"20150830",
        b"20150831",
        b"2015/830",
        b"2015083/",
        b"\xff0150830",
    ];
    let regions = [
        "us-east-1",
        "us-east-10",
        "us-east",
        "a",
        "us-east-1/lambda",
        "us-east-1/",
    ];
    let services = [
        "lambda",
        "lambd",
        "lambda/aws4_request",
        "s-3",
        "/lambda",
        "",
    ];
    let amz_date = crate::time::Timestamp::from_unix_secs(1_440_938_160)
        .to_amz_date()
        .unwrap();
    for date in dates {
        for region in regions
            .iter()
            .copied()
            .filter(|r| valid_scope_part(r, MAX_REGION_LEN))
        {
            for service in services.iter().copied().filter(|s| valid_scope_part(s, 63)) {
                let key = SigningKey::derive("secret", *date, region, service).unwrap();
                let reference = ReferenceScope {
                    date: *date,
                    region,
                    service,
                };
                assert_eq!(std::format!("{key:?}"), reference.debug());
                let creq_hash = [0x5a; 32];
                let string_to_sign = reference.string_to_sign(&amz_date, &creq_hash);
                let want = key.mac.mac(&[&string_to_sign]);
                assert_eq!(key.signature_bytes(&creq_hash, &amz_date), want);
                assert_eq!(key.sign_canonical_hash(&creq_hash, &amz_date), hex32(&want));
                // Bare-metal targets hash the canonical request's hash as hex as it is
                // written, after the rest of the string to sign.
                let (head, hex) = string_to_sign.split_at(string_to_sign.len() - 64);
                assert_eq!(hex, &hex32(&creq_hash)[..]);
                assert_eq!(key.mac.mac_with_hex(&[head], Some(&creq_hash)), want);
                for d in dates {
                    for r in regions {
                        for s in services {
                            assert_eq!(
                                key.is_for(d, r, s),
                                reference.is_for(d, r, s),
                                "{:?} {r} {s} against {}",
                                d,
                                reference.debug()
                            );
                        }
                    }
                }
            }
        }
    }
    // The longest parts fill the scope's capacity exactly.
    let region = "r".repeat(MAX_REGION_LEN);
    let service = "s".repeat(MAX_SERVICE_LEN);
    let key = SigningKey::derive("secret", *b"20150830", &region, &service).unwrap();
    assert_eq!(key.scope().len(), MAX_SCOPE_LEN);
    assert!(key.is_for(b"20150830", &region, &service));
}

/// HMAC-SHA256 by its definition, with `sha2` alone.
fn reference_hmac(key: &[u8], msg: &[u8]) -> [u8; 32] {
    use sha2::{Digest, Sha256};
    let mut k = [0u8; 64];
    if key.len() > 64 {
        k[..32].copy_from_slice(&Sha256::digest(key));
    } else {
        k[..key.len()].copy_from_slice(key);
    }
    let mut inner = Sha256::new();
    inner.update(k.map(|b| b ^ 0x36));
    inner.update(msg);
    let mut outer = Sha256::new();
    outer.update(k.map(|b| b ^ 0x5c));
    outer.update(inner.finalize());
    outer.finalize().into()
}

/// The MAC of `msg` under the SigV4 signing key for a scope, derived by the spec's formula
/// with [`reference_hmac`].
fn reference_signing_mac(
    secret: &str,
    date: &[u8; 8],
    region: &str,
    service: &str,
    msg: &[u8],
) -> [u8; 32] {
    let k = reference_hmac(std::format!("AWS4{secret}").as_bytes(), date);
    let k = reference_hmac(&k, region.as_bytes());
    let k = reference_hmac(&k, service.as_bytes());
    let k = reference_hmac(&k, b"aws4_request");
    reference_hmac(&k, msg)
}

#[test]
fn long_secrets_are_hashed_first() {
    // A 200-byte secret takes the hashed-key path; it must still match an independent HMAC.
    let secret: std::string::String = "k".repeat(200);
    let key = SigningKey::derive(&secret, *b"20150830", "us-east-1", "service").unwrap();
    let independent =
        reference_signing_mac(&secret, b"20150830", "us-east-1", "service", b"message");
    assert_eq!(key.mac.mac(&[b"message"]), independent);
}

proptest::proptest! {
    /// Derived keys (each step's MAC re-keying the HMAC in place) against the formula, for
    /// secrets on both sides of the hashed-key length (`"AWS4" + secret` over 64 bytes), and
    /// derived both ways: into an empty signer and over a cached key of another scope.
    #[test]
    fn derived_keys_match_the_formula(
        secret in "[!-~]{1,100}",
        day in 1u8..=28,
        region in "[a-z0-9-]{1,63}",
        service in "[a-zA-Z0-9-]{1,63}",
        msg in proptest::collection::vec(proptest::num::u8::ANY, 0..300),
    ) {
        let date: [u8; 8] = std::format!("202506{day:02}").into_bytes().try_into().unwrap();
        let want = reference_signing_mac(&secret, &date, &region, &service, &msg);
        let key = SigningKey::derive(&secret, date, &region, &service).unwrap();
        proptest::prop_assert!(key.is_for(&date, &region, &service));
        proptest::prop_assert_eq!(key.mac.mac(&[&msg]), want);
        let mut signer = Signer::new(Credentials::new("AKID", &secret, None).unwrap());
        signer.key(b"20240101", "us-east-1", "lambda").unwrap();
        let key = signer.key(&date, &region, &service).unwrap();
        proptest::prop_assert_eq!(key.mac.mac(&[&msg]), want);
    }
}

#[test]
fn algorithm_line_is_the_algorithm_and_a_newline() {
    assert_eq!(ALGORITHM_LINE, std::format!("{ALGORITHM}\n"));
}

#[test]
fn payload_hashes_are_sha256_with_or_without_the_empty_constant() {
    use sha2::Digest;
    // `hashed` is what bare-metal targets use for every payload, the empty one included.
    assert_eq!(PayloadHash::hashed(b""), PayloadHash::EMPTY);
    assert_eq!(PayloadHash::of(b""), PayloadHash::EMPTY);
    let data: Vec<u8> = (0..200u32).map(|i| (i * 7) as u8).collect();
    for len in 0..data.len() {
        let want: [u8; 32] = sha2::Sha256::digest(&data[..len]).into();
        for hash in [
            PayloadHash::of(&data[..len]),
            PayloadHash::hashed(&data[..len]),
        ] {
            assert_eq!(hash.sha256(), &want, "length {len}");
            assert_eq!(hash.len(), len as u64);
        }
    }
}

/// Canonicalizes `pieces` (one header value given in pieces) with `put_words` (hosts) and
/// `put_bytes` (bare-metal targets).
fn trim_collapse_both(pieces: &[&[u8]]) -> (Vec<u8>, Vec<u8>) {
    let (mut words, mut bytes) = (Buf(Vec::new()), Buf(Vec::new()));
    let mut w = TrimCollapse::new(&mut words);
    let mut b = TrimCollapse::new(&mut bytes);
    for piece in pieces {
        w.put_words(piece);
        b.put_bytes(piece);
    }
    (words.0, bytes.0)
}

#[test]
fn both_trim_collapse_forms_agree_on_every_short_value() {
    // Every value of up to 7 bytes over space, tab and two letters, whole and cut in two at
    // every place.
    let alphabet = [b' ', b'\t', b'a', b'b'];
    for len in 0..=7u32 {
        for n in 0..4usize.pow(len) {
            let value: Vec<u8> = (0..len).map(|i| alphabet[n / 4usize.pow(i) % 4]).collect();
            let (words, bytes) = trim_collapse_both(&[&value]);
            assert_eq!(bytes, words, "{value:?}");
            let want: Vec<u8> = std::str::from_utf8(&value)
                .unwrap()
                .split([' ', '\t'])
                .filter(|w| !w.is_empty())
                .collect::<Vec<_>>()
                .join(" ")
                .into_bytes();
            assert_eq!(words, want, "{value:?}");
            for cut in 0..=value.len() {
                let (a, b) = value.split_at(cut);
                assert_eq!(trim_collapse_both(&[a, b]), (want.clone(), want.clone()));
            }
        }
    }
}

proptest::proptest! {
    #[test]
    fn both_trim_collapse_forms_agree(
        pieces in proptest::collection::vec("[ \t]{0,3}[a-z\t -~]{0,12}", 0..6),
    ) {
        let pieces: Vec<&[u8]> = pieces.iter().map(|p| p.as_bytes()).collect();
        let (words, bytes) = trim_collapse_both(&pieces);
        proptest::prop_assert_eq!(bytes, words);
    }
}

#[test]
fn access_key_ids_take_letters_digits_dash_underscore_and_dot() {
    // Every byte value (as a character, so that bytes from 0x80 are in valid text), alone and
    // between valid characters, against the rule spelled out.
    for b in 0..=255u8 {
        let valid = b.is_ascii_alphanumeric() || matches!(b, b'-' | b'_' | b'.');
        let c = char::from(b);
        for id in [std::format!("{c}"), std::format!("AK{c}ID")] {
            assert_eq!(Credentials::new(&id, "s", None).is_ok(), valid, "{b}");
        }
    }
    let longest = "A".repeat(MAX_ACCESS_KEY_ID_LEN);
    assert!(Credentials::new(&longest, "s", None).is_ok());
    assert!(Credentials::new(&std::format!("{longest}A"), "s", None).is_err());
}

#[test]
fn both_lower_casers_agree() {
    let check = |name: &str| {
        let (mut host, mut small) = (Vec::new(), Vec::new());
        put_lower(name, &mut host);
        put_lower_small(name, &mut small);
        assert_eq!(host, name.to_ascii_lowercase().as_bytes(), "{name}");
        assert_eq!(small, host, "{name}");
    };
    for name in ["", "a", "X-Amz-Date", "host", "ÄBC-é", &"Ab".repeat(40)] {
        check(name);
    }
    proptest::proptest!(|(name in "[ -~]{0,80}")| check(&name));
}

#[test]
fn both_query_encoders_agree() {
    let check = |s: &str| {
        let host: Vec<u8> = encoded(s).collect();
        let small: Vec<u8> = encoded_small(s).collect();
        assert_eq!(small, host, "{s:?}");
    };
    for c in 0..=0x7fu8 {
        check(core::str::from_utf8(&[c]).unwrap());
        check(core::str::from_utf8(&[b'a', c, b'~', c]).unwrap());
    }
    for s in ["", "é", "a b/c", "$LATEST", "x=y&z"] {
        check(s);
    }
    proptest::proptest!(|(s in "\\PC{0,40}")| check(&s));
}
