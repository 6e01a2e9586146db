use rustc_hash::FxHashMap;
use std::borrow::Cow;

use serde::Serialize;

use super::Outcome;
use crate::cache::{self, CacheDirs, RoleFile, TokenFile};
use crate::cli::ListArgs;
use crate::config::{Config, Kind, Paths, Profile, Sso};
use crate::error::Result;
use crate::time;
use crate::ui::{Ui, printable};

pub fn run(args: &ListArgs, ui: &dyn Ui) -> Result<Outcome> {
    let config = Config::load(Paths::from_env()?)?;
    if args.names {
        // Completion runs this at every TAB: names only, no cache file read.
        let mut out = String::new();
        for name in config.profile_names() {
            // A name with a line break would read as two names; completion cannot offer it anyway.
            if !name.contains(['\n', '\r']) {
                out.push_str(name);
                out.push('\n');
            }
        }
        std::mem::forget(config); // as below: the process ends next
        return Ok(Outcome::Print(out));
    }
    let mut caches = Caches::new(CacheDirs::from_env()?, time::now(), ui);
    if args.json {
        // One compact object a line inside the array: valid JSON, easy to grep, and written as
        // the profiles are typed, so 10,000 of them are never all held at once.
        let mut out = String::from("[\n");
        for (i, profile) in config.profiles().enumerate() {
            if i > 0 {
                out.push_str(",\n");
            }
            let state = caches.state(&profile);
            out.push_str(
                &serde_json::to_string(&row(&profile, &state, caches.now)).unwrap_or_default(),
            );
        }
        if out.len() == 2 {
            out = "[]\n".into();
        } else {
            out.push_str("\n]\n");
        }
        std::mem::forget(config); // as below: the process ends next
        return Ok(Outcome::Print(out));
    }
    if config.profile_names().next().is_none() {
        empty_state(&config.paths, ui);
        return Ok(Outcome::Print(String::new()));
    }
    let profiles: Vec<(Profile, State)> = config
        .profiles()
        .map(|p| {
            let state = caches.state(&p);
            (p, state)
        })
        .collect();
    for (profile, _) in &profiles {
        if let Kind::Invalid(why) = &profile.kind {
            ui.warn(&format!("profile \"{}\": {why}", profile.name));
        }
    }
    let text = table(&profiles, caches.now);
    // The process ends once this is printed: freeing thousands of profiles one allocation at a
    // time would cost about a sixth of the run for nothing.
    std::mem::forget((config, profiles, caches));
    Ok(Outcome::Print(text))
}

/// No profile anywhere: where ssoenv looked, and how to get one. Said for people only (the
/// table form); `--json` prints `[]` and `--names` nothing, as scripts and completion expect.
fn empty_state(paths: &Paths, ui: &dyn Ui) {
    let state = |path: &std::path::Path| {
        if path.exists() {
            format!("{} (no profile in it)", path.display())
        } else {
            format!("{} (does not exist)", path.display())
        }
    };
    ui.say(&format!(
        "no profiles: looked in {} and {}",
        state(&paths.config),
        state(&paths.credentials)
    ));
    ui.say(
        "hint: `ssoenv configure` creates a profile for your SSO account; to see ssoenv work \
         with no AWS account, run `./try` in its source folder",
    );
}

/// What the caches say about one profile, from files only: whether its session is signed in,
/// and when its cached role credentials expire.
struct State {
    signed_in: Option<SignedIn>,
    credentials_expire: Option<i64>,
}

#[derive(Clone, Copy)]
enum SignedIn {
    /// A token that works now, or that can be refreshed without a browser.
    Yes,
    /// A token that has expired and cannot be refreshed: the next `use` opens a browser.
    Expired,
    No,
}

impl SignedIn {
    fn label(self) -> &'static str {
        match self {
            SignedIn::Yes => "yes",
            SignedIn::Expired => "expired",
            SignedIn::No => "no",
        }
    }
}

/// The caches, each file read at most once: many profiles share one session's token, and the
/// role-credential folder is listed once so that a profile with nothing cached costs no file
/// system call (10,000 profiles, a handful of cached roles).
struct Caches<'a> {
    dirs: CacheDirs,
    now: i64,
    ui: &'a dyn Ui,
    /// By sso-session name, and by start URL for legacy profiles (the two token keys).
    sessions: FxHashMap<String, SignedIn>,
    legacy: FxHashMap<String, SignedIn>,
    /// The role-credential cache keys present (file names without `.json`), with the expiry read
    /// from each once it is needed (two profiles for one role share a file).
    cached_roles: FxHashMap<String, Option<Option<i64>>>,
}

impl<'a> Caches<'a> {
    fn new(dirs: CacheDirs, now: i64, ui: &'a dyn Ui) -> Caches<'a> {
        let cached_roles = std::fs::read_dir(&dirs.cli)
            .into_iter()
            .flatten()
            .flatten()
            .filter_map(|entry| {
                let name = entry.file_name().into_string().ok()?;
                Some((name.strip_suffix(".json")?.to_string(), None))
            })
            .collect();
        Caches {
            dirs,
            now,
            ui,
            sessions: FxHashMap::default(),
            legacy: FxHashMap::default(),
            cached_roles,
        }
    }

    fn state(&mut self, profile: &Profile) -> State {
        match &profile.kind {
            Kind::Sso(sso) => State {
                signed_in: Some(self.signed_in(sso)),
                credentials_expire: self.credentials_expire(sso),
            },
            // An `aws login` profile: its login cache entry says both.
            Kind::Login(session) => {
                let entry = crate::login_cache::dir().ok().and_then(|dir| {
                    cache::load::<crate::login_cache::Entry>(
                        &crate::login_cache::path(&dir, session),
                        self.ui,
                    )
                });
                State {
                    signed_in: Some(match entry {
                        Some(_) => SignedIn::Yes,
                        None => SignedIn::No,
                    }),
                    credentials_expire: entry.and_then(|e| e.expires()),
                }
            }
            // A chain: its root's sign-in, and its outermost role's cached credentials.
            Kind::AssumeRole(chain) => State {
                signed_in: match &chain.root {
                    crate::config::Root::Sso { sso, .. } => Some(self.signed_in(sso)),
                    _ => None,
                },
                credentials_expire: crate::role_chain::hop_paths(&self.dirs, chain)
                    .first()
                    .and_then(|path| self.cached_expiry(path)),
            },
            _ => State {
                signed_in: None,
                credentials_expire: None,
            },
        }
    }

    fn signed_in(&mut self, sso: &Sso) -> SignedIn {
        let (map, key) = match &sso.session {
            Some(name) => (&mut self.sessions, name),
            None => (&mut self.legacy, &sso.start_url),
        };
        if let Some(known) = map.get(key) {
            return *known;
        }
        let session = sso.login_target();
        let state = match cache::load::<TokenFile>(&self.dirs.token_path(&session), self.ui) {
            None => SignedIn::No,
            Some(token) if token.expires().is_some_and(|t| t > self.now) => SignedIn::Yes,
            Some(token) if token.refreshable(&session, self.now) => SignedIn::Yes,
            Some(_) => SignedIn::Expired,
        };
        map.insert(key.clone(), state);
        state
    }

    fn credentials_expire(&mut self, sso: &Sso) -> Option<i64> {
        let key = cache::role_key(sso);
        let slot = self.cached_roles.get_mut(&key)?;
        if let Some(read) = slot {
            return *read;
        }
        let path = self.dirs.cli.join(format!("{key}.json"));
        let expires = cache::load::<RoleFile>(&path, self.ui)
            .and_then(|file| time::parse(&file.credentials.expiration));
        *slot = Some(expires);
        expires
    }

    /// An assumed role's cached expiry, read once, and only when the file is there.
    fn cached_expiry(&mut self, path: &std::path::Path) -> Option<i64> {
        let key = path.file_stem()?.to_str()?;
        let slot = self.cached_roles.get_mut(key)?;
        if let Some(read) = slot {
            return *read;
        }
        let expires =
            cache::load::<cache::AssumeRoleFile>(path, self.ui).and_then(|file| file.expires());
        *slot = Some(expires);
        expires
    }
}

/// One `list --json` row: every key always present (null when it does not apply), so scripts
/// can rely on the shape.
#[derive(Serialize)]
struct Row<'a> {
    name: &'a str,
    kind: &'a str,
    account_id: Option<Cow<'a, str>>,
    role_name: Option<Cow<'a, str>>,
    region: Option<&'a str>,
    sso_session: Option<&'a str>,
    sso_start_url: Option<&'a str>,
    sso_region: Option<&'a str>,
    error: Option<&'a str>,
    /// For an assume-role profile: the profile whose credentials start its chain.
    root: Option<&'a str>,
    /// "yes", "expired" or "no" for an SSO profile (see `SignedIn`).
    signed_in: Option<&'static str>,
    credentials_expires_at: Option<String>,
    credentials_seconds_left: Option<i64>,
}

fn row<'a>(p: &'a Profile, state: &State, now: i64) -> Row<'a> {
    let sso = match &p.kind {
        Kind::Sso(sso) => Some(sso),
        _ => None,
    };
    let (account_id, role_name) = match crate::activate::acts_as(&p.kind) {
        Some((account, role)) => (Some(Cow::Owned(account)), Some(Cow::Owned(role))),
        None => (None, None),
    };
    Row {
        name: &p.name,
        kind: p.kind.label(),
        account_id,
        role_name,
        region: p.region.as_deref(),
        sso_session: sso.and_then(|s| s.session.as_deref()),
        sso_start_url: sso.map(|s| s.start_url.as_str()),
        sso_region: sso.map(|s| s.region.as_str()),
        error: match &p.kind {
            Kind::Invalid(why) => Some(why),
            _ => None,
        },
        root: match &p.kind {
            Kind::AssumeRole(chain) => Some(chain.root.profile()),
            _ => None,
        },
        signed_in: state.signed_in.map(SignedIn::label),
        credentials_expires_at: state.credentials_expire.map(time::format_rfc3339),
        credentials_seconds_left: state.credentials_expire.map(|t| t - now),
    }
}

fn table(profiles: &[(Profile, State)], now: i64) -> String {
    const HEADER: [&str; 8] = [
        "PROFILE",
        "KIND",
        "ACCOUNT",
        "ROLE",
        "REGION",
        "SSO-SESSION",
        "SIGNED-IN",
        "CREDENTIALS",
    ];
    let rows: Vec<[Cow<str>; 8]> = profiles
        .iter()
        .map(|(p, state)| {
            // The session the profile (or its chain's root) signs in through.
            let session = match &p.kind {
                Kind::Sso(s) => s.session.as_deref(),
                Kind::AssumeRole(chain) => match &chain.root {
                    crate::config::Root::Sso { sso, .. } => sso.session.as_deref(),
                    _ => None,
                },
                _ => None,
            }
            .unwrap_or("-");
            let (account, role) = match crate::activate::acts_as(&p.kind) {
                Some((account, role)) => (Cow::Owned(account), Cow::Owned(role)),
                None => (Cow::Borrowed("-"), Cow::Borrowed("-")),
            };
            [
                printable(&p.name),
                match &p.kind {
                    Kind::AssumeRole(chain) => Cow::Owned(format!(
                        "{} via {}",
                        p.kind.label(),
                        printable(chain.root.profile())
                    )),
                    kind => Cow::Borrowed(kind.label()),
                },
                Cow::Owned(printable(&account).into_owned()),
                Cow::Owned(printable(&role).into_owned()),
                printable(p.region.as_deref().unwrap_or("-")),
                printable(session),
                Cow::Borrowed(state.signed_in.map_or("-", SignedIn::label)),
                state
                    .credentials_expire
                    .map_or(Cow::Borrowed("-"), |t| Cow::Owned(left(t - now))),
            ]
        })
        .collect();
    let mut widths = HEADER.map(width);
    for row in &rows {
        for (w, cell) in widths.iter_mut().zip(row) {
            *w = (*w).max(width(cell));
        }
    }
    let mut out = String::with_capacity((rows.len() + 1) * (widths.iter().sum::<usize>() + 12));
    let header = HEADER.map(Cow::Borrowed);
    for row in std::iter::once(&header).chain(&rows) {
        let line_start = out.len();
        for (i, (cell, w)) in row.iter().zip(widths).enumerate() {
            out.push_str(cell);
            if i + 1 < row.len() {
                out.extend(std::iter::repeat_n(' ', w - width(cell) + 2));
            }
        }
        out.truncate(line_start + out[line_start..].trim_end().len());
        out.push('\n');
    }
    out
}

fn width(s: &str) -> usize {
    if s.is_ascii() {
        s.len()
    } else {
        s.chars().count()
    }
}

/// Time left as the prompt segment shows it: `42m`, `3h05m`, `expired`.
fn left(seconds: i64) -> String {
    match seconds {
        ..=0 => "expired".into(),
        1..3600 => format!("{}m", seconds / 60),
        _ => format!("{}h{:02}m", seconds / 3600, seconds % 3600 / 60),
    }
}

#[cfg(test)]
mod tests {
    use super::left;

    #[test]
    fn time_left_reads_as_the_prompt_segment() {
        assert_eq!(left(-5), "expired");
        assert_eq!(left(0), "expired");
        assert_eq!(left(59), "0m");
        assert_eq!(left(42 * 60 + 5), "42m");
        assert_eq!(left(3600), "1h00m");
        assert_eq!(left(3 * 3600 + 5 * 60 + 59), "3h05m");
    }
}
