//! The AWS config and credentials files → profiles, sso-sessions and services, read as botocore
//! reads them (`botocore.configloader.build_profile_map` and the session's credentials merge), then
//! typed: which profiles get credentials from IAM Identity Center, and with what settings.

use rustc_hash::{FxHashMap, FxHashSet};
use std::path::{Path, PathBuf};

use crate::error::{Error, Result, describe_io};
use crate::ini::{self, Section, Value};

mod chain;
pub use chain::{Chain, Hop, Root};

/// A profile's or session's keys (lower-cased) and values, later keys overriding earlier ones.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Settings(Vec<(String, Value)>);

impl Settings {
    pub fn get(&self, key: &str) -> Option<&str> {
        self.value(key).and_then(Value::as_text)
    }

    pub fn value(&self, key: &str) -> Option<&Value> {
        self.0.iter().find(|(k, _)| k == key).map(|(_, v)| v)
    }

    pub fn contains(&self, key: &str) -> bool {
        self.value(key).is_some()
    }

    pub fn iter(&self) -> impl Iterator<Item = &(String, Value)> {
        self.0.iter()
    }

    fn update(&mut self, other: Vec<(String, Value)>) {
        for (key, value) in other {
            match self.0.iter_mut().find(|(k, _)| *k == key) {
                Some(slot) => slot.1 = value,
                None => self.0.push((key, value)),
            }
        }
    }
}

/// Where the files are: `$AWS_CONFIG_FILE` / `$AWS_SHARED_CREDENTIALS_FILE`, else under `~/.aws`.
#[derive(Debug, Clone)]
pub struct Paths {
    pub config: PathBuf,
    pub credentials: PathBuf,
}

impl Paths {
    pub fn from_env() -> Result<Paths> {
        Ok(Paths {
            config: env_path("AWS_CONFIG_FILE", "config")?,
            credentials: env_path("AWS_SHARED_CREDENTIALS_FILE", "credentials")?,
        })
    }
}

fn env_path(var: &str, default_name: &str) -> Result<PathBuf> {
    match std::env::var_os(var).filter(|v| !v.is_empty()) {
        Some(path) => Ok(expand_tilde(PathBuf::from(path))),
        None => Ok(aws_dir()?.join(default_name)),
    }
}

/// `~/.aws`.
pub fn aws_dir() -> Result<PathBuf> {
    match home::home_dir() {
        Some(home) if !home.as_os_str().is_empty() => Ok(home.join(".aws")),
        _ => Err(
            Error::new("home folder", "cannot tell where it is ($HOME is not set)")
                .with_hint("set HOME, or AWS_CONFIG_FILE for the config file"),
        ),
    }
}

fn expand_tilde(path: PathBuf) -> PathBuf {
    match path.strip_prefix("~") {
        Ok(rest) => match home::home_dir() {
            Some(home) => home.join(rest),
            None => path,
        },
        Err(_) => path,
    }
}

#[derive(Debug, Clone)]
pub struct Config {
    pub paths: Paths,
    /// Profiles in the order botocore would list them: config file, then credentials-only ones.
    profiles: Vec<(String, Settings)>,
    index: FxHashMap<String, usize>,
    pub sso_sessions: FxHashMap<String, Settings>,
    pub services: FxHashMap<String, FxHashMap<String, Settings>>,
    /// Profiles whose `aws_access_key_id` is in the credentials file: botocore reads those keys
    /// before `login_session`, and keys in the config file after it.
    keys_in_credentials_file: FxHashSet<String>,
}

impl Config {
    pub fn load(paths: Paths) -> Result<Config> {
        let config_sections = read_ini(&paths.config)?;
        let credential_sections = read_ini(&paths.credentials)?;
        Ok(Config::from_sections(
            paths,
            config_sections,
            credential_sections,
        ))
    }

    /// For unit tests: the config and credentials files as texts, at made-up paths.
    #[cfg(test)]
    pub(crate) fn from_texts(config: &str, credentials: &str) -> Config {
        let paths = Paths {
            config: "/c".into(),
            credentials: "/k".into(),
        };
        let parse = |text| ini::parse(text).expect("test config");
        Config::from_sections(paths, parse(config), parse(credentials))
    }

    pub fn from_sections(paths: Paths, config: Vec<Section>, credentials: Vec<Section>) -> Config {
        let mut out = Config {
            paths,
            profiles: Vec::new(),
            index: FxHashMap::default(),
            sso_sessions: FxHashMap::default(),
            services: FxHashMap::default(),
            keys_in_credentials_file: FxHashSet::default(),
        };
        for section in config {
            let entries = section.entries;
            match SectionName::of(&section.name) {
                SectionName::Profile(name) => out.replace_profile(name, entries),
                SectionName::SsoSession(name) => {
                    out.sso_sessions.insert(name, Settings(entries));
                }
                SectionName::Services(name) => {
                    let by_service = entries
                        .into_iter()
                        .filter_map(|(service, value)| match value {
                            Value::Nested(pairs) => Some((
                                service,
                                Settings(
                                    pairs
                                        .into_iter()
                                        .map(|(k, v)| (k, Value::Text(v)))
                                        .collect(),
                                ),
                            )),
                            Value::Text(_) => None,
                        })
                        .collect();
                    out.services.insert(name, by_service);
                }
                SectionName::Other(_) => {}
            }
        }
        // botocore merges the credentials file over the config file, key by key.
        for section in credentials {
            if section
                .entries
                .iter()
                .any(|(k, _)| k == "aws_access_key_id")
            {
                out.keys_in_credentials_file.insert(section.name.clone());
            }
            match out.index.get(&section.name) {
                Some(&i) => out.profiles[i].1.update(section.entries),
                None => out.replace_profile(section.name, section.entries),
            }
        }
        out
    }

    fn replace_profile(&mut self, name: String, entries: Vec<(String, Value)>) {
        match self.index.get(&name) {
            Some(&i) => self.profiles[i].1 = Settings(entries),
            None => {
                self.index.insert(name.clone(), self.profiles.len());
                self.profiles.push((name, Settings(entries)));
            }
        }
    }

    pub fn profile_names(&self) -> impl Iterator<Item = &str> + Clone {
        self.profiles.iter().map(|(name, _)| name.as_str())
    }

    pub fn profiles(&self) -> impl Iterator<Item = Profile> + '_ {
        self.profiles
            .iter()
            .map(|(name, settings)| self.type_profile(name, settings))
    }

    pub fn settings(&self, name: &str) -> Option<&Settings> {
        self.index.get(name).map(|&i| &self.profiles[i].1)
    }

    /// The named profile, or an error that says where it was looked for.
    pub fn profile(&self, name: &str) -> Result<Profile> {
        match self.settings(name) {
            Some(settings) => Ok(self.type_profile(name, settings)),
            None => Err(self.not_found(name)),
        }
    }

    fn not_found(&self, name: &str) -> Error {
        let (config, credentials) = (&self.paths.config, &self.paths.credentials);
        let why = if self.profiles.is_empty() && !config.exists() && !credentials.exists() {
            format!(
                "not found: {} does not exist (nor {})",
                config.display(),
                credentials.display()
            )
        } else {
            format!(
                "not found in {} or {}",
                config.display(),
                credentials.display()
            )
        };
        let err = Error::new(format!("profile \"{name}\""), why);
        match closest(name, self.profile_names()) {
            Some(near) => err.with_hint(format!(
                "did you mean \"{near}\"? `ssoenv list` shows every profile"
            )),
            None if self.profiles.is_empty() => {
                err.with_hint("`ssoenv configure` creates a profile for your SSO account")
            }
            None => err.with_hint("`ssoenv list` shows every profile"),
        }
    }

    fn type_profile(&self, name: &str, settings: &Settings) -> Profile {
        // botocore's credential chain tries AssumeRoleProvider before the profile's own
        // providers: role_arn wins over sso_* settings in the same profile.
        let kind = if settings.contains("role_arn") && !settings.contains("web_identity_token_file")
        {
            match self.resolve_chain(name) {
                Ok(chain) => Kind::AssumeRole(chain),
                Err(err) => Kind::Invalid(err),
            }
        } else {
            match self.resolve_sso(name, settings) {
                Ok(Some(sso)) => Kind::Sso(sso),
                Ok(None) => self
                    .login_kind(name, settings)
                    .unwrap_or_else(|| self.other_kind(name, settings)),
                Err(err) => Kind::Invalid(err),
            }
        };
        Profile {
            name: name.to_string(),
            region: settings.get("region").map(str::to_string),
            services: settings.get("services").map(str::to_string),
            account_name: settings
                .get(ACCOUNT_NAME_KEY)
                .filter(|n| !n.is_empty())
                .map(str::to_string),
            kind,
        }
    }

    /// botocore's `SSOProvider._load_sso_config`, with errors that say what to change.
    fn resolve_sso(&self, name: &str, profile: &Settings) -> Result<Option<Sso>, String> {
        if !profile.contains("sso_role_name") && !profile.contains("sso_account_id") {
            return Ok(None);
        }
        // botocore copies the session's keys over the profile's; looking in the session first
        // gives the same answer without copying either (this runs for every profile in `list`).
        let (session, session_settings) = match profile.get("sso_session") {
            None => (None, None),
            Some(session_name) => {
                let Some(session) = self.sso_sessions.get(session_name) else {
                    let mut known: Vec<&str> =
                        self.sso_sessions.keys().map(String::as_str).collect();
                    known.sort_unstable();
                    let known = if known.is_empty() {
                        "there are none".to_string()
                    } else {
                        format!("those defined: {}", known.join(", "))
                    };
                    return Err(format!(
                        "sso_session = {session_name} names no [sso-session {session_name}] \
                         section in {} ({known})",
                        self.paths.config.display()
                    ));
                };
                for (key, value) in session.iter() {
                    if let (Some(mine), Value::Text(theirs)) = (profile.get(key), value)
                        && mine != theirs
                    {
                        return Err(format!(
                            "{key} is {mine} in the profile but {theirs} in \
                                 [sso-session {session_name}]; remove it from the profile \
                                 (the sso-session's value is the one that counts)"
                        ));
                    }
                }
                (Some(session_name.to_string()), Some(session))
            }
        };
        let lookup = |key: &str| {
            session_settings
                .and_then(|s| s.get(key))
                .or_else(|| profile.get(key))
        };
        let mut required = vec![
            "sso_role_name",
            "sso_account_id",
            "sso_start_url",
            "sso_region",
        ];
        if session.is_some() {
            required.push("sso_session");
        }
        let missing: Vec<&str> = required
            .into_iter()
            .filter(|key| lookup(key).is_none())
            .collect();
        if !missing.is_empty() {
            let place = match &session {
                Some(s)
                    if missing
                        .iter()
                        .any(|k| k.starts_with("sso_start") || *k == "sso_region") =>
                {
                    format!(" ([sso-session {s}] holds sso_start_url and sso_region)")
                }
                _ => String::new(),
            };
            return Err(format!(
                "profile \"{name}\" uses IAM Identity Center but lacks {}{place}",
                missing.join(", ")
            ));
        }
        let get = |key: &str| lookup(key).unwrap_or_default().to_string();
        let registration_scopes = lookup("sso_registration_scopes").map(parse_scopes);
        Ok(Some(Sso {
            account_id: get("sso_account_id"),
            role_name: get("sso_role_name"),
            start_url: get("sso_start_url"),
            region: get("sso_region"),
            session,
            registration_scopes,
        }))
    }

    /// `login_session = ARN` (`aws login`), where botocore's chain reaches it: after a web
    /// identity and the credentials file's keys, before `credential_process` and the config
    /// file's keys.
    fn login_kind(&self, name: &str, settings: &Settings) -> Option<Kind> {
        let session = settings.get("login_session")?;
        if settings.contains("role_arn") || self.keys_in_credentials_file.contains(name) {
            return None;
        }
        Some(if session.trim().is_empty() {
            Kind::Invalid(format!(
                "profile \"{name}\" has an empty login_session; run `ssoenv login {word}` (or \
                 `aws login --profile {word}`) to sign in and set it",
                word = crate::shell::word(name)
            ))
        } else {
            Kind::Login(session.to_string())
        })
    }

    /// The kinds ssoenv does not activate, in botocore's chain order: the credentials file's keys
    /// (SharedCredentialProvider), then `credential_process` (ProcessProvider), then the config
    /// file's keys (ConfigProvider).
    fn other_kind(&self, name: &str, settings: &Settings) -> Kind {
        // A role_arn without a web identity token file is resolved as a chain before this.
        if settings.contains("role_arn") {
            return Kind::WebIdentity;
        }
        if self.keys_in_credentials_file.contains(name) {
            return Kind::StaticKeys;
        }
        if let Some(command) = settings.get("credential_process") {
            return Kind::CredentialProcess(command.to_string());
        }
        if settings.contains("aws_access_key_id") {
            return Kind::StaticKeys;
        }
        Kind::Other
    }

    /// The `[sso-session NAME]` as a login target (for `login --sso-session`).
    pub fn sso_session(&self, name: &str) -> Result<SsoSession> {
        let Some(settings) = self.sso_sessions.get(name) else {
            return Err(Error::new(
                format!("sso-session \"{name}\""),
                format!(
                    "no [sso-session {name}] section in {}",
                    self.paths.config.display()
                ),
            ));
        };
        let missing: Vec<&str> = ["sso_start_url", "sso_region"]
            .into_iter()
            .filter(|k| settings.get(k).is_none())
            .collect();
        if !missing.is_empty() {
            return Err(Error::new(
                format!("sso-session \"{name}\""),
                format!("lacks {}", missing.join(", ")),
            ));
        }
        Ok(SsoSession {
            name: Some(name.to_string()),
            start_url: settings.get("sso_start_url").unwrap_or_default().into(),
            region: settings.get("sso_region").unwrap_or_default().into(),
            registration_scopes: settings.get("sso_registration_scopes").map(parse_scopes),
        })
    }

    /// A service's `endpoint_url` from the profile's `services = NAME` section.
    pub fn service_endpoint(&self, profile: &Profile, service: &str) -> Option<String> {
        let services = self.services.get(profile.services.as_deref()?)?;
        services
            .get(service)?
            .get("endpoint_url")
            .map(str::to_string)
    }
}

fn parse_scopes(s: &str) -> Vec<String> {
    s.split(',')
        .map(str::trim)
        .filter(|s| !s.is_empty())
        .map(str::to_string)
        .collect()
}

/// What a config file section header names, as botocore reads it: a prefix and exactly two
/// shell-words (`[profile "my name"]` is profile `my name`). `Config` loads by it and
/// `config_edit` edits by it, so both see the same sections.
#[derive(Debug, Clone, PartialEq, Eq, Hash)]
pub enum SectionName {
    /// `[profile NAME]`; `[default]` is `Profile("default")` too.
    Profile(String),
    SsoSession(String),
    Services(String),
    Other(String),
}

impl SectionName {
    /// The header text inside `[...]`.
    pub fn of(header: &str) -> SectionName {
        if header == "default" {
            return SectionName::Profile("default".into());
        }
        let kind: fn(String) -> SectionName = if header.starts_with("profile") {
            SectionName::Profile
        } else if header.starts_with("sso-session") {
            SectionName::SsoSession
        } else if header.starts_with("services") {
            SectionName::Services
        } else {
            return SectionName::Other(header.to_string());
        };
        match section_name(header) {
            Some(name) => kind(name),
            None => SectionName::Other(header.to_string()),
        }
    }
}

/// The name in `[profile NAME]`, split as botocore does (Python's `shlex.split`): exactly two words.
fn section_name(header: &str) -> Option<String> {
    // Without quotes or backslashes, shlex only splits on its white space: skip its machinery,
    // which would otherwise run for each of thousands of sections.
    if !header.contains(['"', '\'', '\\']) {
        let mut words = header
            .split([' ', '\t', '\r', '\n'])
            .filter(|w| !w.is_empty());
        let (_, name, rest) = (words.next()?, words.next()?, words.next());
        return rest.is_none().then(|| name.to_string());
    }
    let mut parts = shlex::split(header)?;
    (parts.len() == 2).then(|| parts.pop()).flatten()
}

/// A config or credentials file's text; None when it does not exist (the AWS CLI reads a missing
/// file as an empty one).
pub fn read_text(path: &Path) -> Result<Option<String>> {
    let bytes = match std::fs::read(path) {
        Ok(bytes) => bytes,
        Err(err) if err.kind() == std::io::ErrorKind::NotFound => return Ok(None),
        Err(err) => return Err(Error::new(path.display().to_string(), describe_io(&err))),
    };
    String::from_utf8(bytes).map(Some).map_err(|err| {
        Error::new(
            path.display().to_string(),
            format!(
                "not UTF-8 text (bad byte at offset {})",
                err.utf8_error().valid_up_to()
            ),
        )
        .with_hint("save the file as UTF-8")
    })
}

fn read_ini(path: &Path) -> Result<Vec<Section>> {
    let Some(text) = read_text(path)? else {
        return Ok(Vec::new());
    };
    ini::parse(&text).map_err(|err| {
        Error::new(
            format!("{}, line {}", path.display(), err.line),
            err.message,
        )
        .with_hint("the AWS CLI cannot read this file either; fix that line")
    })
}

/// The profile key where ssoenv records an account's name, so that `use` can export it for
/// prompts without a request or another file read. The AWS CLI ignores keys it does not know.
pub const ACCOUNT_NAME_KEY: &str = "ssoenv_account_name";

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Profile {
    pub name: String,
    pub region: Option<String>,
    /// The `services = NAME` section naming endpoint overrides.
    pub services: Option<String>,
    /// The account's name, as `ssoenv configure`/`populate` record it (`ssoenv_account_name`).
    pub account_name: Option<String>,
    pub kind: Kind,
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Kind {
    Sso(Sso),
    /// Meant for IAM Identity Center, or a role chain, but its settings cannot work: why.
    Invalid(String),
    StaticKeys,
    CredentialProcess(String),
    /// `role_arn` with `source_profile` (or `credential_source`).
    AssumeRole(Chain),
    WebIdentity,
    /// `login_session = ARN`: `aws login` credentials from the login cache, refreshed with DPoP.
    Login(String),
    /// Region or output settings only, or something ssoenv does not know.
    Other,
}

impl Kind {
    pub fn label(&self) -> &'static str {
        match self {
            Kind::Sso(sso) if sso.session.is_some() => "sso",
            Kind::Sso(_) => "sso-legacy",
            Kind::Invalid(_) => "invalid",
            Kind::StaticKeys => "static",
            Kind::CredentialProcess(_) => "credential-process",
            Kind::AssumeRole(_) => "assume-role",
            Kind::WebIdentity => "web-identity",
            Kind::Login(_) => "login",
            Kind::Other => "other",
        }
    }
}

/// What a profile needs from IAM Identity Center.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Sso {
    pub account_id: String,
    pub role_name: String,
    pub start_url: String,
    /// `sso_region`: where the Identity Center instance lives.
    pub region: String,
    /// The `[sso-session NAME]`, or None for a legacy profile.
    pub session: Option<String>,
    pub registration_scopes: Option<Vec<String>>,
}

impl Sso {
    pub fn login_target(&self) -> SsoSession {
        SsoSession {
            name: self.session.clone(),
            start_url: self.start_url.clone(),
            region: self.region.clone(),
            registration_scopes: self.registration_scopes.clone(),
        }
    }
}

/// What a login needs: an sso-session, or a legacy profile's start URL (`name` None).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct SsoSession {
    pub name: Option<String>,
    pub start_url: String,
    pub region: String,
    pub registration_scopes: Option<Vec<String>>,
}

/// The name nearest to `wanted` by edit distance, when it is near enough to be a typo; else the
/// shortest name holding `wanted` whole (ignoring case), as a person types `dev` for `mock-dev`:
/// populate's names put the account before the role, so the part people remember is often not
/// the start.
fn closest<'a>(wanted: &str, names: impl Iterator<Item = &'a str> + Clone) -> Option<&'a str> {
    let limit = (wanted.chars().count() / 3).max(1);
    let typo = names
        .clone()
        .map(|name| (edit_distance(wanted, name), name))
        .filter(|(d, _)| *d <= limit)
        .min_by_key(|(d, _)| *d)
        .map(|(_, name)| name);
    // Two characters at least: one would be found in nearly every name.
    if typo.is_some() || wanted.chars().count() < 2 {
        return typo;
    }
    let wanted = wanted.to_lowercase();
    names
        .filter(|name| name.to_lowercase().contains(&wanted))
        .min_by_key(|name| (name.chars().count(), *name))
}

/// Optimal string alignment distance: a swap of two neighbours counts as one typo.
fn edit_distance(a: &str, b: &str) -> usize {
    let (a, b): (Vec<char>, Vec<char>) = (a.chars().collect(), b.chars().collect());
    let mut d = vec![vec![0usize; b.len() + 1]; a.len() + 1];
    for (i, row) in d.iter_mut().enumerate() {
        row[0] = i;
    }
    for (j, cell) in d[0].iter_mut().enumerate() {
        *cell = j;
    }
    for i in 1..=a.len() {
        for j in 1..=b.len() {
            let cost = usize::from(a[i - 1] != b[j - 1]);
            d[i][j] = (d[i - 1][j] + 1)
                .min(d[i][j - 1] + 1)
                .min(d[i - 1][j - 1] + cost);
            if i > 1 && j > 1 && a[i - 1] == b[j - 2] && a[i - 2] == b[j - 1] {
                d[i][j] = d[i][j].min(d[i - 2][j - 2] + 1);
            }
        }
    }
    d[a.len()][b.len()]
}

#[cfg(test)]
mod tests {
    use super::*;

    fn config(text: &str) -> Config {
        Config::from_texts(text, "")
    }

    #[test]
    fn login_session_sits_where_botocore_chain_reads_it() {
        let arn = "arn:aws:iam::111111111111:user/alice";
        let c = Config::from_texts(
            &format!(
                "[profile l]\nlogin_session = {arn}\n\
                 [profile cfgkeys]\nlogin_session = {arn}\naws_access_key_id = A\n\
                 [profile credkeys]\nlogin_session = {arn}\n\
                 [profile process]\nlogin_session = {arn}\ncredential_process = x\n\
                 [profile sso]\nlogin_session = {arn}\nsso_session = s\nsso_account_id = 1\n\
                 sso_role_name = R\n[sso-session s]\nsso_start_url = u\nsso_region = r\n\
                 [profile empty]\nlogin_session =\n"
            ),
            "[credkeys]\naws_access_key_id = A\naws_secret_access_key = B\n",
        );
        let kind = |n: &str| c.profile(n).unwrap().kind;
        assert_eq!(kind("l"), Kind::Login(arn.into()));
        // Keys in the config file come after login_session in botocore's chain; those in the
        // credentials file before it.
        assert_eq!(kind("cfgkeys"), Kind::Login(arn.into()));
        assert_eq!(kind("credkeys"), Kind::StaticKeys);
        assert_eq!(kind("process"), Kind::Login(arn.into()));
        assert_eq!(kind("sso").label(), "sso");
        assert_eq!(kind("l").label(), "login");
        assert!(matches!(kind("empty"), Kind::Invalid(why) if why.contains("empty login_session")));
    }

    #[test]
    fn credential_process_beats_the_config_files_keys_not_the_credentials_files() {
        let c = Config::from_texts(
            "[profile cfg]\naws_access_key_id = A\ncredential_process = x\n\
             [profile cred]\ncredential_process = x\n",
            "[cred]\naws_access_key_id = A\naws_secret_access_key = B\n",
        );
        let kind = |n: &str| c.profile(n).unwrap().kind;
        assert_eq!(kind("cfg"), Kind::CredentialProcess("x".into()));
        assert_eq!(kind("cred"), Kind::StaticKeys);
    }

    #[test]
    fn later_default_section_wins() {
        let c = config("[profile default]\nregion = a\n[default]\nregion = b\n");
        assert_eq!(c.profile("default").unwrap().region.as_deref(), Some("b"));
    }

    #[test]
    fn section_names_split_like_shlex() {
        let c = config(
            "[profile \"my name\"]\n[profile a b]\n[profiles x]\n[profile]\n[profile\tt ]\n\
             [profile 'q r']\n[profile \"open]\n[profile a\u{a0}b]\n",
        );
        let names: Vec<&str> = c.profile_names().collect();
        assert_eq!(names, ["my name", "x", "t", "q r", "a\u{a0}b"]);
    }

    #[test]
    fn classifies_headers_like_botocore() {
        assert_eq!(
            SectionName::of("default"),
            SectionName::Profile("default".into())
        );
        assert_eq!(
            SectionName::of("profile dev"),
            SectionName::Profile("dev".into())
        );
        assert_eq!(
            SectionName::of("profile \"my dev\""),
            SectionName::Profile("my dev".into())
        );
        assert_eq!(
            SectionName::of("sso-session corp"),
            SectionName::SsoSession("corp".into())
        );
        assert_eq!(
            SectionName::of("profile a b"),
            SectionName::Other("profile a b".into())
        );
        assert_eq!(
            SectionName::of("services local"),
            SectionName::Services("local".into())
        );
        assert_eq!(
            SectionName::of("profiles x"),
            SectionName::Profile("x".into())
        );
    }

    #[test]
    fn suggests_near_names() {
        let c = config("[profile dev]\n[profile prod]\n");
        let err = c.profile("dve").unwrap_err();
        assert!(err.hint.unwrap().contains("\"dev\""));
        // A part of a longer name: the shortest that holds it.
        let c = config("[profile mock-dev]\n[profile mock-dev-admin]\n[profile prod]\n");
        for (typed, near) in [
            ("dev", "mock-dev"),
            ("DEV", "mock-dev"),
            ("admin", "mock-dev-admin"),
        ] {
            let hint = c.profile(typed).unwrap_err().hint.unwrap();
            assert!(hint.contains(&format!("\"{near}\"")), "{typed}: {hint}");
        }
        let hint = c.profile("staging").unwrap_err().hint.unwrap();
        assert!(!hint.contains("did you mean"), "{hint}");
    }
}
