//! The caches ssoenv shares with the AWS CLI v2, file for file: SSO tokens and client
//! registrations in `~/.aws/sso/cache`, role credentials in `~/.aws/cli/cache`. Names are SHA-1
//! hashes computed as botocore computes them; contents are written as botocore writes them.
//! Writes are atomic (a temporary file in the same folder, renamed over the old one) and private
//! (files 0600, folders 0700). A cache file that cannot be read counts as absent.

use std::fs::{self, File, OpenOptions};
use std::path::{Path, PathBuf};

use serde::{Deserialize, Serialize};
use sha1::{Digest, Sha1};

use crate::atomic_file;
use crate::config::{Sso, SsoSession};
use crate::error::{Error, Result, describe_io};
use crate::pyjson::{self, Separators};
use crate::time;

#[derive(Debug, Clone)]
pub struct CacheDirs {
    /// `~/.aws/sso/cache`: tokens and client registrations.
    pub sso: PathBuf,
    /// `~/.aws/cli/cache`: role credentials.
    pub cli: PathBuf,
}

impl CacheDirs {
    /// Always under `~/.aws`, whatever `AWS_CONFIG_FILE` says: the AWS CLI does the same.
    pub fn from_env() -> Result<CacheDirs> {
        let aws = crate::config::aws_dir()?;
        Ok(CacheDirs {
            sso: aws.join("sso").join("cache"),
            cli: aws.join("cli").join("cache"),
        })
    }

    pub fn token_path(&self, session: &SsoSession) -> PathBuf {
        self.sso.join(format!("{}.json", token_key(session)))
    }

    pub fn registration_path(&self, session: &SsoSession) -> PathBuf {
        self.sso.join(format!("{}.json", registration_key(session)))
    }

    pub fn role_path(&self, sso: &Sso) -> PathBuf {
        self.cli.join(format!("{}.json", role_key(sso)))
    }
}

fn sha1_hex(data: &str) -> String {
    Sha1::digest(data.as_bytes())
        .iter()
        .map(|b| format!("{b:02x}"))
        .collect()
}

/// botocore `SSOTokenLoader._generate_cache_key`: the session name, or the start URL when legacy.
pub fn token_key(session: &SsoSession) -> String {
    sha1_hex(session.name.as_deref().unwrap_or(&session.start_url))
}

/// The AWS CLI v2's `_registration_cache_key`: `json.dumps` of these five, keys sorted.
pub fn registration_key(session: &SsoSession) -> String {
    let args = serde_json::json!({
        "region": session.region,
        "scopes": session.registration_scopes,
        "session_name": session.name,
        "startUrl": session.start_url,
        "tool": "botocore",
    });
    sha1_hex(&pyjson::dumps(&args, Separators::Default))
}

/// botocore `SSOCredentialFetcher._create_cache_key`: compact sorted JSON.
pub fn role_key(sso: &Sso) -> String {
    let mut args = serde_json::json!({
        "accountId": sso.account_id,
        "roleName": sso.role_name,
    });
    match &sso.session {
        Some(name) => args["sessionName"] = name.as_str().into(),
        None => args["startUrl"] = sso.start_url.as_str().into(),
    }
    sha1_hex(&pyjson::dumps(&args, Separators::Compact))
}

/// A token file, fields in the order the AWS CLI writes them.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct TokenFile {
    #[serde(default)]
    pub start_url: String,
    #[serde(default)]
    pub region: String,
    pub access_token: String,
    pub expires_at: String,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub client_id: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub client_secret: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub registration_expires_at: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub refresh_token: Option<String>,
}

impl TokenFile {
    /// Epoch seconds, or None when the timestamp cannot be read (then the token is unusable).
    pub fn expires(&self) -> Option<i64> {
        time::parse(&self.expires_at)
    }

    /// Whether botocore's rule allows a refresh: a token of an sso-session (legacy profiles never
    /// refresh), with a refresh token and a live registration.
    pub fn refreshable(&self, session: &SsoSession, now: i64) -> bool {
        session.name.is_some()
            && self.refresh_token.is_some()
            && self.client_id.is_some()
            && self.client_secret.is_some()
            && self
                .registration_expires_at
                .as_deref()
                .and_then(time::parse)
                .is_some_and(|t| t > now)
    }
}

/// A client registration file.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct RegistrationFile {
    pub client_id: String,
    pub client_secret: String,
    pub expires_at: String,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub scopes: Option<Vec<String>>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub grant_types: Option<Vec<String>>,
}

/// A role-credential file, as botocore's `SSOCredentialFetcher` caches it.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "PascalCase")]
pub struct RoleFile {
    pub provider_type: String,
    pub credentials: RoleFileCredentials,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "PascalCase")]
pub struct RoleFileCredentials {
    pub access_key_id: String,
    pub secret_access_key: String,
    pub session_token: String,
    pub expiration: String,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub account_id: Option<String>,
}

/// What reading a cache file found.
#[derive(Debug)]
pub enum Read<T> {
    Found(T),
    Missing,
    /// Present but unusable: why, for a warning. The caller treats it as missing.
    Corrupt(String),
}

impl<T> Read<T> {
    pub fn found(self) -> Option<T> {
        match self {
            Read::Found(t) => Some(t),
            _ => None,
        }
    }
}

pub fn read<T: for<'de> Deserialize<'de>>(path: &Path) -> Read<T> {
    let bytes = match fs::read(path) {
        Ok(bytes) => bytes,
        Err(err) if err.kind() == std::io::ErrorKind::NotFound => return Read::Missing,
        Err(err) => return Read::Corrupt(format!("{}: {}", path.display(), describe_io(&err))),
    };
    match serde_json::from_slice(&bytes) {
        Ok(value) => Read::Found(value),
        // serde's message can quote file content, which may be a secret: say only where.
        Err(err) => Read::Corrupt(format!(
            "{}: not a cache file ssoenv can read (line {}, column {}); it will be replaced",
            path.display(),
            err.line(),
            err.column()
        )),
    }
}

/// Serializes as botocore does (`json.dumps`, default separators) and writes atomically, 0600.
pub fn write<T: Serialize>(path: &Path, value: &T) -> Result<()> {
    atomic_file::write(
        path,
        pyjson::dumps(value, Separators::Default).as_bytes(),
        atomic_file::Mode::Private,
    )
}

/// Removes a cache file; a missing one is already removed.
pub fn remove(path: &Path) -> Result<bool> {
    match fs::remove_file(path) {
        Ok(()) => Ok(true),
        Err(err) if err.kind() == std::io::ErrorKind::NotFound => Ok(false),
        Err(err) => Err(Error::io(path.display().to_string(), &err)),
    }
}

/// Held while one process logs in or refreshes for a token cache key, so that other processes
/// wait and then reuse its token instead of starting a second browser or rotating the refresh
/// token under each other. The lock is the OS's (flock/LockFileEx): it dies with the process.
pub struct LoginLock {
    _file: File,
}

pub enum Locked {
    /// Got it at once.
    Acquired(LoginLock),
    /// Another process holds it; call `wait` to block until it is released.
    Busy(File),
}

pub fn try_lock(dirs: &CacheDirs, session: &SsoSession) -> Result<Locked> {
    atomic_file::create_private_dir(&dirs.sso)?;
    let path = dirs
        .sso
        .join(format!(".ssoenv-{}.lock", token_key(session)));
    let file = OpenOptions::new()
        .read(true)
        .write(true)
        .create(true)
        .truncate(false)
        .open(&path)
        .map_err(|err| Error::io(path.display().to_string(), &err))?;
    match file.try_lock() {
        Ok(()) => Ok(Locked::Acquired(LoginLock { _file: file })),
        Err(std::fs::TryLockError::WouldBlock) => Ok(Locked::Busy(file)),
        Err(std::fs::TryLockError::Error(err)) => Err(Error::new(
            path.display().to_string(),
            format!("cannot lock: {err}"),
        )),
    }
}

pub fn wait(file: File) -> Result<LoginLock> {
    file.lock()
        .map_err(|err| Error::new("login lock", format!("cannot wait for it: {err}")))?;
    Ok(LoginLock { _file: file })
}

#[cfg(test)]
mod tests {
    use super::*;

    fn session(name: Option<&str>) -> SsoSession {
        SsoSession {
            name: name.map(str::to_string),
            start_url: "https://d-1234567890.awsapps.com/start".into(),
            region: "us-east-1".into(),
            registration_scopes: Some(vec!["sso:account:access".into()]),
        }
    }

    #[test]
    fn keys_match_botocore() {
        // tests/fixtures/written-by-botocore/cache-keys.json
        assert_eq!(
            token_key(&session(Some("corp"))),
            "ee0bfd2552fbd840c02cc48b6e823320543c450f"
        );
        assert_eq!(
            token_key(&session(None)),
            "7487b5b67d5fa1132cf33fa93ae51ef38cc37752"
        );
        let sso = Sso {
            account_id: "100000000000".into(),
            role_name: "AdministratorAccess".into(),
            start_url: "https://d-1234567890.awsapps.com/start".into(),
            region: "us-east-1".into(),
            session: Some("corp".into()),
            registration_scopes: None,
        };
        assert_eq!(role_key(&sso), "97df4f6785a922ab6c44a69ffcac05f79e48ad3e");
    }

    #[test]
    fn registration_key_hashes_python_json() {
        // hashlib.sha1(json.dumps({...}, sort_keys=True).encode()).hexdigest() in Python 3.11
        assert_eq!(
            sha1_hex(
                r#"{"region": "us-east-1", "scopes": ["sso:account:access"], "session_name": "corp", "startUrl": "https://d-1234567890.awsapps.com/start", "tool": "botocore"}"#
            ),
            registration_key(&session(Some("corp")))
        );
    }

    #[test]
    fn writes_the_bytes_botocore_writes() {
        let dot_aws = Path::new(env!("CARGO_MANIFEST_DIR"))
            .join("tests/fixtures/written-by-botocore/dot-aws");
        let token_path = dot_aws.join("sso/cache/ee0bfd2552fbd840c02cc48b6e823320543c450f.json");
        let role_path = dot_aws.join("cli/cache/97df4f6785a922ab6c44a69ffcac05f79e48ad3e.json");
        let token: TokenFile = read(&token_path).found().unwrap();
        let role: RoleFile = read(&role_path).found().unwrap();
        let dir = tempfile::tempdir().unwrap();
        write(&dir.path().join("t.json"), &token).unwrap();
        write(&dir.path().join("r.json"), &role).unwrap();
        assert_eq!(
            fs::read(dir.path().join("t.json")).unwrap(),
            fs::read(&token_path).unwrap()
        );
        assert_eq!(
            fs::read(dir.path().join("r.json")).unwrap(),
            fs::read(&role_path).unwrap()
        );
    }

    #[test]
    fn writes_are_private_and_atomic() {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("a/b/x.json");
        write(&path, &serde_json::json!({"k": "v"})).unwrap();
        write(&path, &serde_json::json!({"k": "w"})).unwrap();
        assert_eq!(fs::read_to_string(&path).unwrap(), r#"{"k": "w"}"#);
        #[cfg(unix)]
        {
            use std::os::unix::fs::PermissionsExt;
            let mode = |p: &Path| fs::metadata(p).unwrap().permissions().mode() & 0o777;
            assert_eq!(mode(&path), 0o600);
            assert_eq!(mode(&dir.path().join("a/b")), 0o700);
        }
        let leftovers: Vec<_> = fs::read_dir(dir.path().join("a/b")).unwrap().collect();
        assert_eq!(leftovers.len(), 1, "a temporary file was left behind");
    }

    #[test]
    fn corrupt_files_read_as_corrupt_without_quoting_them() {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("t.json");
        fs::write(&path, "{\"accessToken\": \"SECRET").unwrap();
        match read::<TokenFile>(&path) {
            Read::Corrupt(why) => assert!(!why.contains("SECRET"), "{why}"),
            other => panic!("{other:?}"),
        }
        assert!(matches!(
            read::<TokenFile>(&dir.path().join("none")),
            Read::Missing
        ));
    }
}
