//! The AWS CLI's login cache (`aws login`): `~/.aws/login/cache/<sha256(login_session)>.json`, or
//! under `$AWS_LOGIN_CACHE_DIRECTORY`. One entry a login session: its 15-minute credentials, the
//! refresh token, the id token and the DPoP key the refresh token is bound to. Read and written as
//! botocore's `LoginCredentialFetcher` does, fields in its order, atomically and private (0600).

use std::path::{Path, PathBuf};

use serde::{Deserialize, Serialize};
use sha2::{Digest, Sha256};

use crate::atomic_file;
use crate::cache::{self, Read};
use crate::error::Result;
use crate::lock::{self, Locked, Stamp};
use crate::ui::Ui;

/// The variable that moves the cache, as botocore's `get_login_token_cache_directory` reads it.
pub const DIR_VAR: &str = "AWS_LOGIN_CACHE_DIRECTORY";

/// The cache folder: `$AWS_LOGIN_CACHE_DIRECTORY` (variables and `~` expanded), else
/// `~/.aws/login/cache`.
pub fn dir() -> Result<PathBuf> {
    match std::env::var(DIR_VAR) {
        Ok(path) => Ok(expand_user(&expand_vars(&path))),
        Err(_) => Ok(crate::config::aws_dir()?.join("login").join("cache")),
    }
}

/// botocore's `generate_login_cache_key`: the SHA-256 of the session's ARN, in hex.
pub fn key(login_session: &str) -> String {
    Sha256::digest(login_session.as_bytes())
        .iter()
        .map(|b| format!("{b:02x}"))
        .collect()
}

pub fn path(dir: &Path, login_session: &str) -> PathBuf {
    dir.join(format!("{}.json", key(login_session)))
}

/// One cache entry, fields in the order the AWS CLI writes them; fields it may add later are kept.
#[derive(Clone, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct Entry {
    pub access_token: AccessToken,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub token_type: Option<String>,
    pub client_id: String,
    pub refresh_token: String,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub id_token: Option<String>,
    pub dpop_key: String,
    #[serde(flatten)]
    pub other: serde_json::Map<String, serde_json::Value>,
}

/// The credentials, as the entry holds them.
#[derive(Clone, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct AccessToken {
    pub access_key_id: String,
    pub secret_access_key: String,
    pub session_token: String,
    #[serde(default)]
    pub account_id: String,
    pub expires_at: String,
}

impl Entry {
    /// Epoch seconds, or None when `expiresAt` cannot be read (then the entry must be refreshed).
    pub fn expires(&self) -> Option<i64> {
        crate::time::parse(&self.access_token.expires_at)
    }
}

/// The entry, with the private-mode checks of `cache::load` warned about; a corrupt one is
/// returned as such for the caller to judge (it still says "sign in again").
pub fn read(dir: &Path, login_session: &str, ui: &dyn Ui) -> Read<Entry> {
    cache::read_private(&path(dir, login_session), ui)
}

/// Writes the entry as botocore's `JSONFileCache` does (`json.dumps`), atomically, 0600, in a
/// 0700 folder.
pub fn write(dir: &Path, login_session: &str, entry: &Entry) -> Result<()> {
    atomic_file::create_private_dir(dir)?;
    cache::write(&path(dir, login_session), entry)
}

/// The lock held while one ssoenv refreshes or signs in to a login session: beside its entry, so
/// that other ssoenv processes wait and then reuse the new entry instead of spending the refresh
/// token under each other (the AWS CLI takes none, so the entry is read again after the wait).
pub fn try_lock(dir: &Path, login_session: &str) -> Result<Locked> {
    atomic_file::create_private_dir(dir)?;
    let lock = dir.join(format!(".ssoenv-{}.lock", key(login_session)));
    lock::try_lock(&lock, Stamp::PidAndCommand)
}

/// Python's `os.path.expandvars`: `$NAME` and `${NAME}` of set variables; the rest kept.
fn expand_vars(text: &str) -> String {
    let mut out = String::new();
    let mut rest = text;
    while let Some(at) = rest.find('$') {
        out.push_str(&rest[..at]);
        let after = &rest[at + 1..];
        let (name, len) = if let Some(braced) = after.strip_prefix('{') {
            match braced.find('}') {
                Some(end) => (&braced[..end], end + 2),
                None => ("", 0),
            }
        } else {
            let end = after
                .find(|c: char| !(c.is_ascii_alphanumeric() || c == '_'))
                .unwrap_or(after.len());
            (&after[..end], end)
        };
        match std::env::var(name).ok().filter(|_| !name.is_empty()) {
            Some(value) => {
                out.push_str(&value);
                rest = &after[len..];
            }
            None => {
                out.push('$');
                rest = after;
            }
        }
    }
    out.push_str(rest);
    out
}

fn expand_user(path: &str) -> PathBuf {
    match path.strip_prefix('~') {
        Some(rest) if rest.is_empty() || rest.starts_with('/') => match home::home_dir() {
            Some(home) => home.join(rest.trim_start_matches('/')),
            None => PathBuf::from(path),
        },
        _ => PathBuf::from(path),
    }
}

/// The `index`th `:`-separated field of an ARN (4: the account, 5: the resource).
fn arn_part(arn: &str, index: usize) -> Option<&str> {
    arn.splitn(6, ':').nth(index).filter(|p| !p.is_empty())
}

/// The account of a login session's ARN (the name of its cache entry) (its fifth field), empty when it has none.
pub fn account(session: &str) -> String {
    arn_part(session, 4).unwrap_or_default().to_string()
}

/// `arn:aws:sts::1:assumed-role/Admin/alice` → `Admin`; `arn:aws:iam::1:user/alice` →
/// `user/alice`; anything else whole.
pub fn identity(session: &str) -> String {
    match arn_part(session, 5) {
        Some(resource) => match resource.strip_prefix("assumed-role/") {
            Some(rest) => rest.split('/').next().unwrap_or(rest).to_string(),
            None => resource.to_string(),
        },
        None => session.to_string(),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_key_is_botocores() {
        // hashlib.sha256(b"arn:aws:iam::111111111111:user/alice").hexdigest()
        assert_eq!(
            key("arn:aws:iam::111111111111:user/alice"),
            "dd1afc160d574539510be1fcd896014ad173ccb3a5e262eaca0fa3e2431588e2"
        );
        assert_eq!(
            key(""),
            "e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855"
        );
    }

    #[test]
    fn entries_are_written_as_the_cli_writes_them() {
        let text = r#"{"accessToken": {"accessKeyId": "A", "secretAccessKey": "S", "sessionToken": "T", "accountId": "111111111111", "expiresAt": "2026-11-30T10:00:00Z"}, "tokenType": "aws_sigv4", "clientId": "arn:aws:signin:::devtools/same-device", "refreshToken": "R", "idToken": "I", "dpopKey": "-----BEGIN EC PRIVATE KEY-----\nX\n-----END EC PRIVATE KEY-----\n"}"#;
        let entry: Entry = serde_json::from_str(text).unwrap();
        assert_eq!(
            crate::pyjson::dumps(&entry, crate::pyjson::Separators::Default),
            text
        );
        // A field a later CLI adds survives a rewrite.
        let extra = format!("{}, \"z\": 1}}", &text[..text.len() - 1]);
        let entry: Entry = serde_json::from_str(&extra).unwrap();
        assert!(
            crate::pyjson::dumps(&entry, crate::pyjson::Separators::Default).contains("\"z\": 1")
        );
    }

    #[test]
    fn variables_expand_like_python() {
        // SAFETY: this test alone reads or writes this variable.
        unsafe { std::env::set_var("SSOENV_TEST_LOGIN_DIR", "/x") };
        assert_eq!(expand_vars("$SSOENV_TEST_LOGIN_DIR/c"), "/x/c");
        assert_eq!(expand_vars("${SSOENV_TEST_LOGIN_DIR}c"), "/xc");
        assert_eq!(expand_vars("$NOPE_NOT_SET_9/c $"), "$NOPE_NOT_SET_9/c $");
    }

    #[test]
    fn identities_and_accounts_read_from_the_arn() {
        assert_eq!(identity("arn:aws:sts::1:assumed-role/Admin/alice"), "Admin");
        assert_eq!(identity("arn:aws:iam::1:user/alice"), "user/alice");
        assert_eq!(identity("arn:aws:iam::1:root"), "root");
        assert_eq!(identity("odd"), "odd");
        assert_eq!(account("arn:aws:iam::111:user/a"), "111");
        assert_eq!(account("odd"), "");
    }
}
