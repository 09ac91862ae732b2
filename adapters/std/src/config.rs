//! Where hosts find credentials, region and endpoint: the AWS SDKs' conventions.
//!
//! | setting | sources, first wins |
//! |---|---|
//! | credentials | explicit; `AWS_ACCESS_KEY_ID` + `AWS_SECRET_ACCESS_KEY` (+ `AWS_SESSION_TOKEN`); the shared credentials file (`AWS_SHARED_CREDENTIALS_FILE`, else `~/.aws/credentials`), profile `AWS_PROFILE` or `default` |
//! | region | explicit; `AWS_REGION`; `AWS_DEFAULT_REGION` |
//! | endpoint | explicit; `AWS_ENDPOINT_URL_LAMBDA`; `AWS_ENDPOINT_URL` |

use std::fmt;
use std::path::PathBuf;

/// Owned credentials. The secret and token are zeroed when dropped and never printed.
#[derive(Clone, PartialEq, Eq)]
pub struct OwnedCredentials {
    /// Access key id.
    pub access_key_id: String,
    /// Secret access key.
    pub secret_access_key: String,
    /// Session token of temporary credentials.
    pub session_token: Option<String>,
}

impl fmt::Debug for OwnedCredentials {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("OwnedCredentials")
            .field("access_key_id", &self.access_key_id)
            .field("secret_access_key", &"<redacted>")
            .field(
                "session_token",
                &self.session_token.as_ref().map(|_| "<redacted>"),
            )
            .finish()
    }
}

impl Drop for OwnedCredentials {
    fn drop(&mut self) {
        // Overwrite in place before the allocation is freed (best effort without unsafe: the
        // bytes are replaced through safe `String` APIs).
        let zero = |s: &mut String| {
            let n = s.len();
            s.clear();
            s.extend(std::iter::repeat_n('\0', n));
            s.clear();
        };
        zero(&mut self.secret_access_key);
        if let Some(t) = self.session_token.as_mut() {
            zero(t);
        }
    }
}

fn env(name: &str) -> Option<String> {
    std::env::var(name).ok().filter(|v| !v.is_empty())
}

/// Credentials from the environment variables, if both key variables are set.
pub fn credentials_from_env() -> Option<OwnedCredentials> {
    Some(OwnedCredentials {
        access_key_id: env("AWS_ACCESS_KEY_ID")?,
        secret_access_key: env("AWS_SECRET_ACCESS_KEY")?,
        session_token: env("AWS_SESSION_TOKEN"),
    })
}

/// The shared credentials file's path.
pub fn shared_credentials_path() -> Option<PathBuf> {
    env("AWS_SHARED_CREDENTIALS_FILE")
        .map(PathBuf::from)
        .or_else(|| env("HOME").map(|h| PathBuf::from(h).join(".aws").join("credentials")))
}

/// Credentials of `profile` in a shared credentials file's text (INI: `[profile]` sections with
/// `aws_access_key_id`, `aws_secret_access_key`, `aws_session_token`).
pub fn parse_shared_credentials(text: &str, profile: &str) -> Option<OwnedCredentials> {
    let mut in_profile = false;
    let (mut ak, mut sk, mut token) = (None, None, None);
    for line in text.lines() {
        let line = line.trim();
        if line.is_empty() || line.starts_with('#') || line.starts_with(';') {
            continue;
        }
        if let Some(name) = line.strip_prefix('[').and_then(|l| l.strip_suffix(']')) {
            in_profile = name.trim() == profile;
            continue;
        }
        if !in_profile {
            continue;
        }
        if let Some((k, v)) = line.split_once('=') {
            let v = v.trim().to_string();
            match k.trim().to_ascii_lowercase().as_str() {
                "aws_access_key_id" => ak = Some(v),
                "aws_secret_access_key" => sk = Some(v),
                "aws_session_token" => token = Some(v),
                _ => {}
            }
        }
    }
    Some(OwnedCredentials {
        access_key_id: ak?,
        secret_access_key: sk?,
        session_token: token,
    })
}

/// Credentials from the environment, else from the shared credentials file.
pub fn default_credentials() -> Option<OwnedCredentials> {
    credentials_from_env().or_else(|| {
        let text = std::fs::read_to_string(shared_credentials_path()?).ok()?;
        let profile = env("AWS_PROFILE").unwrap_or_else(|| "default".into());
        parse_shared_credentials(&text, &profile)
    })
}

/// The region from `AWS_REGION`, else `AWS_DEFAULT_REGION`.
pub fn default_region() -> Option<String> {
    env("AWS_REGION").or_else(|| env("AWS_DEFAULT_REGION"))
}

/// The endpoint override from `AWS_ENDPOINT_URL_LAMBDA`, else `AWS_ENDPOINT_URL`.
pub fn default_endpoint_url() -> Option<String> {
    env("AWS_ENDPOINT_URL_LAMBDA").or_else(|| env("AWS_ENDPOINT_URL"))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn parses_profiles() {
        let text = "[default]\naws_access_key_id = AK1\naws_secret_access_key=SK1\n\n\
                    # comment\n[dev]\naws_access_key_id=AK2\naws_secret_access_key = SK2\naws_session_token = T2\n";
        let d = parse_shared_credentials(text, "default").unwrap();
        assert_eq!(
            (d.access_key_id.as_str(), d.session_token.as_deref()),
            ("AK1", None)
        );
        let dev = parse_shared_credentials(text, "dev").unwrap();
        assert_eq!(dev.secret_access_key, "SK2");
        assert_eq!(dev.session_token.as_deref(), Some("T2"));
        assert!(parse_shared_credentials(text, "missing").is_none());
        assert!(!format!("{dev:?}").contains("SK2"));
    }
}
