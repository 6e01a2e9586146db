//! The caches ssoenv shares with the AWS CLI v2, file for file: SSO tokens and client
//! registrations in `~/.aws/sso/cache`, role credentials and assumed roles in `~/.aws/cli/cache`. Names are SHA-1
//! hashes computed as botocore computes them; contents are written as botocore writes them.
//! Writes are atomic (a temporary file in the same folder, renamed over the old one) and private
//! (files 0600, folders 0700). A cache file that cannot be read counts as absent.

use std::fs::{self, File};
use std::io::Read as _;
use std::path::{Path, PathBuf};

use serde::{Deserialize, Serialize};
use sha1::{Digest, Sha1};

use crate::atomic_file;
use crate::config::{Sso, SsoSession};
use crate::error::{Error, Result, describe_io};
use crate::lock::{self, Locked, Stamp};
use crate::pyjson::{self, Separators};
use crate::sso::oidc::{Registration, TokenResponse};
use crate::sso::portal::RoleCredentials;
use crate::sso::sts::{AssumeRole, Assumed};
use crate::time;
use crate::ui::Ui;

#[derive(Debug, Clone)]
pub struct CacheDirs {
    /// `~/.aws/sso/cache`: tokens and client registrations.
    pub sso: PathBuf,
    /// `~/.aws/cli/cache`: role credentials and assumed roles.
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

    /// The AWS CLI's file for one AssumeRole call (`assume_role_key`).
    pub fn assume_role_path(&self, call: &AssumeRole, session_name_was_set: bool) -> PathBuf {
        self.cli.join(format!(
            "{}.json",
            assume_role_key(call, session_name_was_set)
        ))
    }
}

fn sha1_hex(data: &str) -> String {
    const HEX: &[u8; 16] = b"0123456789abcdef";
    let mut out = String::with_capacity(40);
    for b in Sha1::digest(data.as_bytes()) {
        out.push(char::from(HEX[usize::from(b >> 4)]));
        out.push(char::from(HEX[usize::from(b & 15)]));
    }
    out
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

/// botocore `SSOCredentialFetcher._create_cache_key`: compact sorted JSON. A struct whose fields
/// are in sorted order, not a JSON map: `list` computes this for every profile.
pub fn role_key(sso: &Sso) -> String {
    #[derive(Serialize)]
    #[serde(rename_all = "camelCase")]
    struct Args<'a> {
        account_id: &'a str,
        role_name: &'a str,
        #[serde(skip_serializing_if = "Option::is_none")]
        session_name: Option<&'a str>,
        #[serde(skip_serializing_if = "Option::is_none")]
        start_url: Option<&'a str>,
    }
    let args = Args {
        account_id: &sso.account_id,
        role_name: &sso.role_name,
        session_name: sso.session.as_deref(),
        start_url: sso.session.is_none().then_some(sso.start_url.as_str()),
    };
    sha1_hex(&pyjson::dumps(&args, Separators::Compact))
}

/// botocore `AssumeRoleCredentialFetcher._create_cache_key`: SHA-1 of `json.dumps(args,
/// sort_keys=True)` (default separators) of the AssumeRole arguments the profile sets: `RoleArn`,
/// and `RoleSessionName`, `ExternalId`, `SerialNumber`, `DurationSeconds` when set. A generated
/// session name (`session_name_was_set` false) is left out, so that every run finds the same
/// file; the MFA code is never part of it (botocore adds it per call). botocore also turns a
/// `Policy` into sorted JSON, but no profile setting passes one.
pub fn assume_role_key(call: &AssumeRole, session_name_was_set: bool) -> String {
    // Fields in sorted order, as `sort_keys` writes them.
    #[derive(Serialize)]
    #[serde(rename_all = "PascalCase")]
    struct Args<'a> {
        #[serde(skip_serializing_if = "Option::is_none")]
        duration_seconds: Option<i64>,
        #[serde(skip_serializing_if = "Option::is_none")]
        external_id: Option<&'a str>,
        role_arn: &'a str,
        #[serde(skip_serializing_if = "Option::is_none")]
        role_session_name: Option<&'a str>,
        #[serde(skip_serializing_if = "Option::is_none")]
        serial_number: Option<&'a str>,
    }
    let args = Args {
        duration_seconds: call.duration_seconds,
        external_id: call.external_id.as_deref(),
        role_arn: &call.role_arn,
        role_session_name: session_name_was_set.then_some(call.role_session_name.as_str()),
        serial_number: call.serial_number.as_deref(),
    };
    // botocore's `_make_file_safe` changes nothing in a hex digest.
    sha1_hex(&pyjson::dumps(&args, Separators::Default))
}

/// An assumed-role file: the whole AssumeRole response as botocore caches it, with the account id
/// botocore adds to `Credentials`. Fields in the order the AWS CLI writes them.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "PascalCase")]
pub struct AssumeRoleFile {
    pub credentials: RoleFileCredentials,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub assumed_role_user: Option<AssumedRoleUser>,
    /// What botocore records of the exchange; never read back.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub response_metadata: Option<ResponseMetadata>,
}

/// botocore's `ResponseMetadata`, the fields in its order; the headers are the two that say
/// something (botocore records all it got).
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct ResponseMetadata {
    #[serde(rename = "RequestId", default)]
    pub request_id: String,
    #[serde(rename = "HTTPStatusCode", default)]
    pub http_status_code: u16,
    #[serde(rename = "HTTPHeaders", default)]
    pub http_headers: ResponseHeaders,
    #[serde(rename = "RetryAttempts", default)]
    pub retry_attempts: u32,
}

#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct ResponseHeaders {
    #[serde(
        rename = "x-amzn-requestid",
        default,
        skip_serializing_if = "Option::is_none"
    )]
    pub request_id: Option<String>,
    #[serde(
        rename = "content-type",
        default,
        skip_serializing_if = "Option::is_none"
    )]
    pub content_type: Option<String>,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "PascalCase")]
pub struct AssumedRoleUser {
    pub assumed_role_id: String,
    pub arn: String,
}

impl AssumeRoleFile {
    /// The file for what AssumeRole just returned.
    pub fn issued(assumed: &Assumed) -> AssumeRoleFile {
        let c = &assumed.credentials;
        let metadata = ResponseMetadata {
            request_id: assumed.request_id.clone(),
            http_status_code: 200,
            http_headers: ResponseHeaders {
                request_id: Some(assumed.request_id.clone()),
                content_type: Some("text/xml".into()),
            },
            retry_attempts: 0,
        };
        AssumeRoleFile {
            credentials: RoleFileCredentials {
                access_key_id: c.access_key_id.clone(),
                secret_access_key: c.secret_access_key.clone(),
                session_token: c.session_token.clone(),
                expiration: time::format_iso_offset(c.expiration),
                account_id: arn_account(&assumed.assumed_role_arn),
            },
            assumed_role_user: Some(AssumedRoleUser {
                assumed_role_id: assumed.assumed_role_id.clone(),
                arn: assumed.assumed_role_arn.clone(),
            }),
            response_metadata: Some(metadata),
        }
    }

    /// Epoch seconds, or None when the timestamp cannot be read (then the file is unusable).
    pub fn expires(&self) -> Option<i64> {
        time::parse(&self.credentials.expiration)
    }

    /// The credentials, when the file is usable (all three secrets present, expiry readable).
    pub fn role_credentials(&self) -> Option<RoleCredentials> {
        let c = &self.credentials;
        if c.access_key_id.is_empty()
            || c.secret_access_key.is_empty()
            || c.session_token.is_empty()
        {
            return None;
        }
        Some(RoleCredentials {
            access_key_id: c.access_key_id.clone(),
            secret_access_key: c.secret_access_key.clone(),
            session_token: c.session_token.clone(),
            expiration: self.expires()?,
        })
    }
}

/// botocore's `ArnParser`: the account field of `arn:PARTITION:SERVICE:REGION:ACCOUNT:RESOURCE`,
/// which `_add_account_id_to_response` copies into the cached credentials.
fn arn_account(arn: &str) -> Option<String> {
    let parts: Vec<&str> = arn.splitn(6, ':').collect();
    (arn.starts_with("arn:") && parts.len() == 6).then(|| parts[4].to_owned())
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

    /// The file for a token the service just issued for `session` at `now`, under the client
    /// `client`. The only way ssoenv makes one: a login and a refresh write the same fields.
    pub fn issued(
        session: &SsoSession,
        token: TokenResponse,
        client: TokenClient,
        now: i64,
    ) -> TokenFile {
        TokenFile {
            start_url: session.start_url.clone(),
            region: session.region.clone(),
            access_token: token.access_token,
            expires_at: time::format_rfc3339(now.saturating_add(token.expires_in)),
            client_id: client.client_id,
            client_secret: client.client_secret,
            registration_expires_at: client.registration_expires_at,
            refresh_token: token.refresh_token,
        }
    }

    /// The client the token was issued to, as this file records it (a refresh keeps it).
    pub fn client(&self) -> TokenClient {
        TokenClient {
            client_id: self.client_id.clone(),
            client_secret: self.client_secret.clone(),
            registration_expires_at: self.registration_expires_at.clone(),
        }
    }

    /// The registration to refresh the token with (only its id and secret are sent).
    pub fn registration(&self) -> Registration {
        Registration {
            client_id: self.client_id.clone().unwrap_or_default(),
            client_secret: self.client_secret.clone().unwrap_or_default(),
            expires_at: 0,
            scopes: None,
            grant_types: None,
        }
    }
}

/// The client registration fields of a token file, as written there (a refresh copies the
/// registration's expiry as it was written, never re-formatted).
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct TokenClient {
    pub client_id: Option<String>,
    pub client_secret: Option<String>,
    pub registration_expires_at: Option<String>,
}

impl From<&Registration> for TokenClient {
    fn from(r: &Registration) -> TokenClient {
        TokenClient {
            client_id: Some(r.client_id.clone()),
            client_secret: Some(r.client_secret.clone()),
            registration_expires_at: Some(time::format_rfc3339(r.expires_at)),
        }
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

impl From<RegistrationFile> for Registration {
    /// An expiry that cannot be read is the epoch: long past.
    fn from(file: RegistrationFile) -> Registration {
        Registration {
            client_id: file.client_id,
            client_secret: file.client_secret,
            expires_at: time::parse(&file.expires_at).unwrap_or_default(),
            scopes: file.scopes,
            grant_types: file.grant_types,
        }
    }
}

impl From<&Registration> for RegistrationFile {
    fn from(r: &Registration) -> RegistrationFile {
        RegistrationFile {
            client_id: r.client_id.clone(),
            client_secret: r.client_secret.clone(),
            expires_at: time::format_rfc3339(r.expires_at),
            scopes: r.scopes.clone(),
            grant_types: r.grant_types.clone(),
        }
    }
}

/// A role-credential file, as botocore's `SSOCredentialFetcher` caches it.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "PascalCase")]
pub struct RoleFile {
    pub provider_type: String,
    pub credentials: RoleFileCredentials,
}

/// The credentials of a role-credential file and of an assumed-role file: botocore caches both
/// in this shape.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "PascalCase")]
pub struct RoleFileCredentials {
    pub access_key_id: String,
    pub secret_access_key: String,
    pub session_token: String,
    /// In an assumed-role file `2026-11-22T10:00:28+00:00` as the AWS CLI v2 writes it (its
    /// timestamp parser makes ISO 8601 strings of every response time); botocore alone writes
    /// `…UTC`, the CLI v1 `…Z`. In a role-credential file `…Z`. All are read, in either file.
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
    match fs::read(path) {
        Ok(bytes) => parse(path, &bytes),
        Err(err) if err.kind() == std::io::ErrorKind::NotFound => Read::Missing,
        Err(err) => Read::Corrupt(format!("{}: {}", path.display(), describe_io(&err))),
    }
}

fn parse<T: for<'de> Deserialize<'de>>(path: &Path, bytes: &[u8]) -> Read<T> {
    match serde_json::from_slice(bytes) {
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

/// `read`, for the engine: a corrupt file is warned about and counts as absent, and the file and
/// its folder are checked for modes that let other users read the secret or swap the file.
pub fn load<T: for<'de> Deserialize<'de>>(path: &Path, ui: &dyn Ui) -> Option<T> {
    match read_private(path, ui) {
        Read::Found(value) => Some(value),
        Read::Missing => None,
        Read::Corrupt(why) => {
            ui.warn(&why);
            None
        }
    }
}

/// `read`, with the checks of `load` on the file's and folder's modes (warned about), but a
/// corrupt file left for the caller to judge.
pub fn read_private<T: for<'de> Deserialize<'de>>(path: &Path, ui: &dyn Ui) -> Read<T> {
    let (read, warnings) = read_checked(path);
    for warning in warnings {
        ui.warn(&warning);
    }
    read
}

fn read_checked<T: for<'de> Deserialize<'de>>(path: &Path) -> (Read<T>, Vec<String>) {
    let mut file = match File::open(path) {
        Ok(file) => file,
        Err(err) if err.kind() == std::io::ErrorKind::NotFound => return (Read::Missing, vec![]),
        Err(err) => {
            let why = format!("{}: {}", path.display(), describe_io(&err));
            return (Read::Corrupt(why), vec![]);
        }
    };
    let warnings = privacy::check(path, &file);
    let mut bytes = Vec::new();
    if let Err(err) = file.read_to_end(&mut bytes) {
        let why = format!("{}: {}", path.display(), describe_io(&err));
        return (Read::Corrupt(why), warnings);
    }
    (parse(path, &bytes), warnings)
}

/// Other users must not read a cached secret, nor replace a cache file (theirs would be used as
/// ours). What we own is made private at once, as the AWS CLI and ssoenv create it; what we do
/// not own we cannot change, so the warning says who can. Both are a stat of an open file and one
/// of its folder: no extra read on the cached path of `use`.
#[cfg(unix)]
mod privacy {
    use std::fs::{self, File, Permissions};
    use std::os::unix::fs::{MetadataExt, PermissionsExt};
    use std::path::Path;

    pub fn check(path: &Path, file: &File) -> Vec<String> {
        // SAFETY: geteuid has no preconditions and cannot fail.
        let me = unsafe { libc::geteuid() };
        let mut warnings = Vec::new();
        if let Ok(meta) = file.metadata()
            && meta.mode() & 0o077 != 0
        {
            let mode = meta.mode() & 0o7777;
            let shown = path.display();
            warnings.push(
                if meta.uid() == me && file.set_permissions(Permissions::from_mode(0o600)).is_ok() {
                    format!(
                        "{shown} was open to other users (mode {mode:o}); made it private (600)"
                    )
                } else {
                    format!(
                        "{shown} is open to other users (mode {mode:o}) and owned by user {}; \
                     have it made private (chmod 600)",
                        meta.uid()
                    )
                },
            );
        }
        let dir = match path.parent() {
            Some(dir) if !dir.as_os_str().is_empty() => dir,
            _ => Path::new("."),
        };
        if let Ok(meta) = fs::metadata(dir)
            && meta.mode() & 0o022 != 0
        {
            let mode = meta.mode() & 0o7777;
            let shown = dir.display();
            warnings.push(if meta.uid() == me && fs::set_permissions(dir, Permissions::from_mode(0o700)).is_ok() {
                format!(
                    "other users could replace the files in {shown} (mode {mode:o}); made it \
                     private (700)"
                )
            } else {
                format!(
                    "other users can replace the files in {shown} (mode {mode:o}, owned by user \
                     {}); have it made private (chmod 700)",
                    meta.uid()
                )
            });
        }
        warnings
    }
}

#[cfg(not(unix))]
mod privacy {
    pub fn check(_: &std::path::Path, _: &std::fs::File) -> Vec<String> {
        Vec::new()
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

/// The lock file of the token cache key `key`. Held while one process logs in or refreshes for
/// it, so that other processes wait and then reuse its token instead of starting a second browser
/// or rotating the refresh token under each other; `logout` holds it too, so that nothing writes
/// a token back after it. The holder writes its pid and command line into it, so that a waiter
/// can say whom it waits for.
pub fn lock_path(dirs: &CacheDirs, key: &str) -> PathBuf {
    dirs.sso.join(format!(".ssoenv-{key}.lock"))
}

/// The lock for the token cache key `key` (`token_key`), if no other process holds it.
pub fn try_lock(dirs: &CacheDirs, key: &str) -> Result<Locked> {
    atomic_file::create_private_dir(&dirs.sso)?;
    lock::try_lock(&lock_path(dirs, key), Stamp::PidAndCommand)
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::lock::Holder;
    use std::time::Duration;

    fn session(name: Option<&str>) -> SsoSession {
        SsoSession {
            name: name.map(str::to_string),
            start_url: "https://d-1234567890.awsapps.com/start".into(),
            region: "us-east-1".into(),
            registration_scopes: Some(vec!["sso:account:access".into()]),
        }
    }

    pub(crate) fn call(role_arn: &str) -> AssumeRole {
        AssumeRole {
            role_arn: role_arn.into(),
            role_session_name: "botocore-session-1700000000".into(),
            external_id: None,
            duration_seconds: None,
            serial_number: None,
            token_code: None,
        }
    }

    #[test]
    fn assume_role_keys_match_botocore() {
        // Computed by botocore's AssumeRoleCredentialFetcher (tests/support/botocore_assume_role.py
        // keys; the integration test assume_role_cache::keys_match_botocore runs it live).
        let deploy = "arn:aws:iam::222222222222:role/Deploy";
        let key = |c: &AssumeRole, set: bool| assume_role_key(c, set);
        let plain = call(deploy);
        assert_eq!(
            key(&plain, false),
            "d42d53ff6e9998d62ec043f628100fe602cf95e6"
        );
        let external = AssumeRole {
            external_id: Some("ext-123".into()),
            ..call(deploy)
        };
        assert_eq!(
            key(&external, false),
            "aa4e983845879e1a370712451df072580b0534fd"
        );
        let named = AssumeRole {
            role_session_name: "alice".into(),
            ..call(deploy)
        };
        assert_eq!(
            key(&named, true),
            "addf746327fc55b1778de11d3cc8b2258859901b"
        );
        let duration = AssumeRole {
            duration_seconds: Some(900),
            ..call(deploy)
        };
        assert_eq!(
            key(&duration, false),
            "4e6a08072d53600d80a101da7cfc07106e064790"
        );
        // The code typed changes nothing: botocore adds it per call, after the key.
        let mfa = AssumeRole {
            serial_number: Some("arn:aws:iam::111111111111:mfa/alice".into()),
            token_code: Some("123456".into()),
            ..call(deploy)
        };
        assert_eq!(key(&mfa, false), "d15cc814dedcceef7be8af9654803971b2e63af5");
        let everything = AssumeRole {
            role_arn: "arn:aws:iam::222222222222:role/Dép".into(),
            role_session_name: "s".into(),
            external_id: Some("x".into()),
            duration_seconds: Some(3600),
            serial_number: Some("GAHT12345678".into()),
            token_code: None,
        };
        assert_eq!(
            key(&everything, true),
            "fe8ad04307aadcfebf547c8c8f0ca6857b990407"
        );
    }

    #[test]
    fn assume_role_file_as_the_cli_writes_and_reads_it() {
        let assumed = Assumed {
            credentials: RoleCredentials {
                access_key_id: "ASIAEXAMPLE".into(),
                secret_access_key: "secret".into(),
                session_token: "token".into(),
                expiration: 1_700_000_000,
            },
            assumed_role_arn: "arn:aws:sts::222222222222:assumed-role/Deploy/alice".into(),
            assumed_role_id: "AROAEXAMPLE:alice".into(),
            request_id: "req-1".into(),
        };
        let file = AssumeRoleFile::issued(&assumed);
        assert_eq!(
            pyjson::dumps(&file, Separators::Default),
            "{\"Credentials\": {\"AccessKeyId\": \"ASIAEXAMPLE\", \"SecretAccessKey\": \"secret\", \
             \"SessionToken\": \"token\", \"Expiration\": \"2023-11-14T22:13:20+00:00\", \
             \"AccountId\": \"222222222222\"}, \"AssumedRoleUser\": {\"AssumedRoleId\": \
             \"AROAEXAMPLE:alice\", \"Arn\": \"arn:aws:sts::222222222222:assumed-role/Deploy/alice\"}, \
             \"ResponseMetadata\": {\"RequestId\": \"req-1\", \"HTTPStatusCode\": 200, \
             \"HTTPHeaders\": {\"x-amzn-requestid\": \"req-1\", \"content-type\": \"text/xml\"}, \
             \"RetryAttempts\": 0}}"
        );
        assert_eq!(file.role_credentials(), Some(assumed.credentials.clone()));
        // The CLI v1 keeps STS's `Z`, botocore alone writes `UTC`; a file with only credentials
        // is enough.
        for expiration in ["2023-11-14T22:13:20Z", "2023-11-14T22:13:20UTC"] {
            let text = format!(
                r#"{{"Credentials": {{"AccessKeyId": "A", "SecretAccessKey": "S",
                    "SessionToken": "T", "Expiration": "{expiration}"}}}}"#
            );
            let read: AssumeRoleFile = serde_json::from_str(&text).unwrap();
            assert_eq!(read.expires(), Some(1_700_000_000), "{expiration}");
        }
        let broken: AssumeRoleFile = serde_json::from_str(
            r#"{"Credentials": {"AccessKeyId": "", "SecretAccessKey": "S", "SessionToken": "T",
                "Expiration": "2023-11-14T22:13:20Z"}}"#,
        )
        .unwrap();
        assert_eq!(broken.role_credentials(), None);
        assert_eq!(
            arn_account("arn:aws:sts::1:assumed-role/R/s"),
            Some("1".into())
        );
        assert_eq!(arn_account("not an arn"), None);
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
        // Legacy: the start URL instead of the session name (json.dumps, sort_keys, compact).
        let legacy = Sso {
            session: None,
            ..sso
        };
        assert_eq!(
            role_key(&legacy),
            "8a8528d6148068ce4f940a8dda8e208e3f10734f"
        );
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

    fn dirs(root: &Path) -> CacheDirs {
        CacheDirs {
            sso: root.join("sso/cache"),
            cli: root.join("cli/cache"),
        }
    }

    #[test]
    fn a_busy_lock_names_its_holder_and_the_wait_is_bounded() {
        let root = tempfile::tempdir().unwrap();
        let dirs = dirs(root.path());
        let Ok(Locked::Acquired(held)) = try_lock(&dirs, "k") else {
            panic!("a fresh lock was not acquired");
        };
        // flock locks belong to the open file, so a second open in this process is refused.
        let Ok(Locked::Busy(busy)) = try_lock(&dirs, "k") else {
            panic!("a held lock was acquired twice");
        };
        let holder = busy.holder();
        assert_eq!(holder.pid, Some(std::process::id()));
        assert!(
            holder
                .to_string()
                .contains(&format!("pid {}", std::process::id()))
        );
        let Ok(Locked::Busy(busy)) = busy.wait(Duration::from_millis(120)) else {
            panic!("the wait outlived its holder's lock");
        };
        drop(held);
        assert!(matches!(
            busy.wait(Duration::from_secs(30)),
            Ok(Locked::Acquired(_))
        ));
        // The longest bound is no overflow: the wait ends when the holder lets go.
        let Ok(Locked::Acquired(held)) = try_lock(&dirs, "m") else {
            panic!("a fresh lock was not acquired");
        };
        let Ok(Locked::Busy(busy)) = try_lock(&dirs, "m") else {
            panic!("a held lock was acquired twice");
        };
        let releaser = std::thread::spawn(move || {
            std::thread::sleep(Duration::from_millis(100));
            drop(held);
        });
        assert!(matches!(busy.wait(Duration::MAX), Ok(Locked::Acquired(_))));
        releaser.join().unwrap();
        assert!(Holder::parse("").pid.is_none());
        assert_eq!(Holder::parse("12 ssoenv login").command, "ssoenv login");
    }

    #[cfg(unix)]
    #[test]
    fn the_lock_never_follows_a_planted_link() {
        let root = tempfile::tempdir().unwrap();
        let dirs = dirs(root.path());
        fs::create_dir_all(&dirs.sso).unwrap();
        let absent = root.path().join("absent");
        let precious = root.path().join("precious");
        fs::write(&precious, "keep me").unwrap();
        for (key, target) in [("a", &absent), ("b", &precious)] {
            std::os::unix::fs::symlink(target, lock_path(&dirs, key)).unwrap();
            let err = match try_lock(&dirs, key) {
                Err(err) => err,
                Ok(_) => panic!("locked through a symbolic link to {}", target.display()),
            };
            assert!(err.why.contains("symbolic link"), "{err}");
            assert!(err.hint.unwrap().contains("rm "));
        }
        assert!(!absent.exists(), "the link's target was created");
        assert_eq!(fs::read_to_string(&precious).unwrap(), "keep me");
    }

    #[cfg(unix)]
    #[test]
    fn files_and_folders_open_to_other_users_are_made_private_with_a_warning() {
        use std::cell::RefCell;
        use std::os::unix::fs::PermissionsExt;
        struct Said(RefCell<Vec<String>>);
        impl Ui for Said {
            fn say(&self, text: &str) {
                self.0.borrow_mut().push(text.to_string());
            }
        }
        let root = tempfile::tempdir().unwrap();
        let dir = root.path().join("cache");
        fs::create_dir(&dir).unwrap();
        let path = dir.join("t.json");
        fs::write(&path, r#"{"k": "v"}"#).unwrap();
        let mode = |p: &Path| fs::metadata(p).unwrap().permissions().mode() & 0o777;
        fs::set_permissions(&path, fs::Permissions::from_mode(0o644)).unwrap();
        fs::set_permissions(&dir, fs::Permissions::from_mode(0o777)).unwrap();
        let said = Said(RefCell::new(Vec::new()));
        let value: Option<serde_json::Value> = load(&path, &said);
        assert_eq!(value.unwrap()["k"], "v");
        let said = said.0.into_inner();
        assert_eq!(said.len(), 2, "{said:?}");
        assert!(
            said[0].contains("was open to other users (mode 644)"),
            "{said:?}"
        );
        assert!(said[1].contains("could replace the files"), "{said:?}");
        assert_eq!(mode(&path), 0o600);
        assert_eq!(mode(&dir), 0o700);
        let again = Said(RefCell::new(Vec::new()));
        let _: Option<serde_json::Value> = load(&path, &again);
        assert!(again.0.into_inner().is_empty(), "warned twice");
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
