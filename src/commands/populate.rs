//! `ssoenv populate`: a profile for every account and role an sso-session reaches.
//!
//! ListAccounts, then ListAccountRoles for each account on a small pool of threads under one
//! request-rate ceiling; a throttled call (429 after the HTTP layer's own retries) pauses every
//! thread and is tried again. Any other failure writes nothing: a partial listing must never
//! prune profiles. The profiles live in one marked block per sso-session; a re-run replaces that
//! block only, and leaves the file untouched when nothing changed.

use std::collections::{BTreeMap, HashMap, HashSet};
use std::sync::Mutex;
use std::sync::atomic::{AtomicBool, AtomicUsize, Ordering};
use std::time::{Duration, Instant};

use super::{Outcome, policy};
use crate::auth;
use crate::cache::{CacheDirs, TokenFile};
use crate::cli::PopulateArgs;
use crate::config::{Config, Paths, SsoSession};
use crate::config_edit::{self, ConfigFile, Plan, SectionName};
use crate::context::{Context, Policy};
use crate::error::{Error, Result};
use crate::settings::Settings;
use crate::sso::endpoint::{self, ConfiguredEndpoints};
use crate::sso::portal::{self, Account};
use crate::sso::{ApiError, Call, Endpoints, Http};
use crate::ui::Ui;

/// Threads calling ListAccountRoles at once.
pub const WORKERS: usize = 4;
/// Rounds of pausing after a call that stayed throttled through the HTTP layer's retries.
const THROTTLE_ROUNDS: u32 = 6;
/// The first pause after a throttled call; it doubles each round, up to `MAX_PAUSE`.
const FIRST_PAUSE: Duration = Duration::from_millis(500);
const MAX_PAUSE: Duration = Duration::from_secs(8);

/// The key, ignored by the AWS CLI and the SDKs, that lets `use` export `SSOENV_ACCOUNT_NAME`.
pub use crate::config::ACCOUNT_NAME_KEY;

pub fn begin_marker(session: &str) -> String {
    format!("# BEGIN ssoenv populate sso-session={session}")
}

fn begin_line(session: &str) -> String {
    format!(
        "{} (do not edit; rerun ssoenv populate)",
        begin_marker(session)
    )
}

pub fn end_marker(session: &str) -> String {
    format!("# END ssoenv populate sso-session={session}")
}

pub fn run(args: &PopulateArgs, ui: &dyn Ui, settings: &Settings) -> Result<Outcome> {
    let template = Template::parse(&args.template)?;
    if let Some(region) = &args.region {
        check_region("--region", region)?;
    }
    let paths = Paths::from_env()?;
    let config = Config::load(paths.clone())?;
    let name = match &args.sso_session {
        Some(name) => name.clone(),
        None => only_session(&config)?,
    };
    let session = config.sso_session(&name)?;
    let endpoints = endpoint::resolve(&session.region, &ConfiguredEndpoints::default())?;
    // A block that cannot be edited is reported before the listing, not after it.
    let block_error = |why: String| {
        Error::new(paths.config.display().to_string(), why).with_hint(
            "fix or remove the ssoenv populate block by hand, then run ssoenv populate again",
        )
    };
    let before = ConfigFile::read(&paths.config)?;
    config_edit::find_block(&before.text, &begin_marker(&name), &end_marker(&name))
        .map_err(block_error)?;
    let engine = Context::new(CacheDirs::from_env()?, ui, settings);
    let pace = Pace::new(args.max_rate);

    let started = Instant::now();
    let (token, accounts) = accounts_signed_in(
        &engine,
        &session,
        &endpoints,
        &policy(&args.login, false),
        &pace,
    )?;
    // The command's deadline is for waiting on the service; the pauses of our own rate ceiling
    // (one request per account at least) are added to it, or a large organisation could not
    // finish.
    engine.http().extend(Duration::from_secs_f64(
        accounts.len() as f64 / f64::from(args.max_rate.max(1)),
    ));
    if accounts.len() > 20 {
        ui.say(&format!(
            "{} accounts; listing their roles (at most {} requests a second)",
            accounts.len(),
            args.max_rate
        ));
    }
    let roles = roles_of_all(
        engine.http(),
        &endpoints.portal,
        &token.access_token,
        &accounts,
        &pace,
    )
    .map_err(|(i, err)| {
        api_error(
            &session,
            &format!("ListAccountRoles for account {}", accounts[i].account_id),
            err,
        )
    })?;
    let mut live = Vec::new();
    for (account, names) in accounts.iter().zip(roles) {
        for role_name in names {
            live.push(LiveRole {
                account_id: account.account_id.clone(),
                account_name: account.account_name.clone(),
                role_name,
            });
        }
    }
    ui.say(&format!(
        "found {} roles in {} accounts in {:.1} s",
        live.len(),
        accounts.len(),
        started.elapsed().as_secs_f64()
    ));
    if pace.throttled() > 0 {
        ui.say(&format!(
            "the service throttled {} calls; each was tried again after a pause",
            pace.throttled()
        ));
    }

    // The file is read after the network, under the edit lock: the edit applies to what is there
    // now, and no other ssoenv replaces it in between.
    let planned = config_edit::edit(&paths.config, |file| {
        let edit = plan_edit(
            &file.text,
            &name,
            &live,
            &template,
            args.region.as_deref(),
            args.prune,
        )
        .map_err(block_error)?;
        Ok(if args.dry_run || edit.text == file.text {
            Plan::Keep(edit)
        } else {
            Plan::Write(edit.text.clone(), edit)
        })
    })?;
    let edit = planned.value();
    for note in &edit.notes {
        ui.say(note);
    }
    if edit.kept_stale > 0 && !args.prune {
        ui.say(&format!(
            "{} profiles are for roles you can no longer reach; --prune removes them",
            edit.kept_stale
        ));
    }
    let where_ = paths.config.display();
    if args.dry_run {
        let mut out = String::new();
        for line in &edit.diff {
            out.push_str(line);
            out.push('\n');
        }
        ui.say(&format!(
            "dry run: {} in {where_}; nothing written",
            edit.summary()
        ));
        return Ok(Outcome::Print(out));
    }
    if !planned.wrote() {
        ui.say(&format!(
            "no changes: {} profiles for sso-session {name} in {where_} are up to date",
            edit.profiles
        ));
        return Ok(Outcome::Print(String::new()));
    }
    ui.say(&format!(
        "wrote {} profiles for sso-session {name} to {where_} ({})",
        edit.profiles,
        edit.summary()
    ));
    Ok(Outcome::Print(String::new()))
}

fn only_session(config: &Config) -> Result<String> {
    let mut names: Vec<&String> = config.sso_sessions.keys().collect();
    names.sort();
    match names.as_slice() {
        [one] => Ok((*one).clone()),
        [] => Err(Error::usage(
            "--sso-session",
            format!(
                "there is no [sso-session] in {}",
                config.paths.config.display()
            ),
        )
        .with_hint("`ssoenv configure` creates one")),
        many => Err(Error::usage(
            "--sso-session",
            format!(
                "say which sso-session: {}",
                many.iter()
                    .map(|s| s.as_str())
                    .collect::<Vec<_>>()
                    .join(", ")
            ),
        )),
    }
}

/// A region flag: refused early, as a usage error, with the flag named.
pub(super) fn check_region(flag: &str, region: &str) -> Result<()> {
    if crate::sso::endpoint::is_region_name(region) {
        Ok(())
    } else {
        Err(Error::usage(
            flag,
            format!("{region:?} is not an AWS region name (e.g. eu-west-1)"),
        ))
    }
}

/// A token for `session` (logging in when needed) and every account it reaches. A token the
/// portal refuses (401) means one new login, as for role credentials.
pub(super) fn accounts_signed_in(
    engine: &Context,
    session: &SsoSession,
    endpoints: &Endpoints,
    policy: &Policy,
    pace: &Pace,
) -> Result<(TokenFile, Vec<Account>)> {
    auth::with_token(
        engine,
        session,
        endpoints,
        policy,
        |token| {
            paced(pace, || {
                portal::list_accounts(engine.http(), &endpoints.portal, &token.access_token)
            })
        },
        |err| api_error(session, "ListAccounts", err),
    )
}

pub(super) fn api_error(session: &SsoSession, call: &str, err: ApiError) -> Error {
    Call::listing(call, &session.region, auth::login_hint(session)).error(err)
}

/// The request-rate ceiling shared by every thread, and the pause after throttling.
pub struct Pace {
    interval: Duration,
    next: Mutex<Instant>,
    throttled: AtomicUsize,
}

impl Pace {
    pub fn new(per_second: u32) -> Pace {
        Pace {
            interval: Duration::from_secs(1) / per_second.max(1),
            next: Mutex::new(Instant::now()),
            throttled: AtomicUsize::new(0),
        }
    }

    /// Blocks until this caller may send: one send every `interval`, across threads.
    fn wait(&self) {
        let at = {
            let mut next = self.next.lock().unwrap_or_else(|e| e.into_inner());
            let at = (*next).max(Instant::now());
            *next = at + self.interval;
            at
        };
        let now = Instant::now();
        if at > now {
            std::thread::sleep(at - now);
        }
    }

    /// Nobody sends for `pause`.
    fn back_off(&self, pause: Duration) {
        self.throttled.fetch_add(1, Ordering::Relaxed);
        let mut next = self.next.lock().unwrap_or_else(|e| e.into_inner());
        *next = (*next).max(Instant::now() + pause);
    }

    fn throttled(&self) -> usize {
        self.throttled.load(Ordering::Relaxed)
    }
}

/// `call` under the rate ceiling; while it comes back throttled, every thread pauses (0.5 s, then
/// doubling up to 8 s) and it is tried again, up to `THROTTLE_ROUNDS` times.
pub(super) fn paced<T>(
    pace: &Pace,
    mut call: impl FnMut() -> Result<T, ApiError>,
) -> Result<T, ApiError> {
    let mut round = 0;
    loop {
        pace.wait();
        match call() {
            Err(ApiError::Service { status: 429, .. }) if round < THROTTLE_ROUNDS => {
                pace.back_off(FIRST_PAUSE.saturating_mul(1 << round).min(MAX_PAUSE));
                round += 1;
            }
            other => return other,
        }
    }
}

/// Every account's roles, in the accounts' order, from `WORKERS` threads. The first failure
/// stops the others and is returned with the index of its account.
fn roles_of_all(
    http: &Http,
    portal_url: &str,
    token: &str,
    accounts: &[Account],
    pace: &Pace,
) -> Result<Vec<Vec<String>>, (usize, ApiError)> {
    let next = AtomicUsize::new(0);
    let stop = AtomicBool::new(false);
    let results: Vec<Mutex<Option<Vec<String>>>> =
        accounts.iter().map(|_| Mutex::new(None)).collect();
    let failure: Mutex<Option<(usize, ApiError)>> = Mutex::new(None);
    let all = portal::Allowance::all_roles();
    std::thread::scope(|scope| {
        for _ in 0..WORKERS.min(accounts.len()) {
            scope.spawn(|| {
                while !stop.load(Ordering::Relaxed) {
                    let i = next.fetch_add(1, Ordering::Relaxed);
                    let Some(account) = accounts.get(i) else {
                        break;
                    };
                    match paced(pace, || {
                        portal::list_account_roles_within(
                            http,
                            portal_url,
                            token,
                            &account.account_id,
                            &all,
                        )
                    }) {
                        Ok(roles) => {
                            *results[i].lock().unwrap_or_else(|e| e.into_inner()) = Some(roles);
                        }
                        Err(err) => {
                            stop.store(true, Ordering::Relaxed);
                            failure
                                .lock()
                                .unwrap_or_else(|e| e.into_inner())
                                .get_or_insert((i, err));
                            break;
                        }
                    }
                }
            });
        }
    });
    if let Some(failure) = failure.into_inner().unwrap_or_else(|e| e.into_inner()) {
        return Err(failure);
    }
    Ok(results
        .into_iter()
        .map(|slot| {
            slot.into_inner()
                .unwrap_or_else(|e| e.into_inner())
                .unwrap_or_default()
        })
        .collect())
}

/// A profile name template: `{account_name}`, `{account_id}`, `{role_name}`; `{{` and `}}` are
/// literal braces.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Template(Vec<Part>);

#[derive(Debug, Clone, PartialEq, Eq)]
enum Part {
    Text(String),
    AccountName,
    AccountId,
    RoleName,
}

impl Template {
    pub fn parse(template: &str) -> Result<Template> {
        let bad = |why: String| {
            Error::usage("--template", why).with_hint(
                "use {account_name}, {account_id} and {role_name}, e.g. {account_name}-{role_name}",
            )
        };
        let mut parts = Vec::new();
        let mut text = String::new();
        let mut rest = template;
        while let Some(c) = rest.chars().next() {
            if let Some(after) = rest.strip_prefix("{{") {
                text.push('{');
                rest = after;
            } else if let Some(after) = rest.strip_prefix("}}") {
                text.push('}');
                rest = after;
            } else if c == '{' {
                let Some(end) = rest.find('}') else {
                    return Err(bad(format!("`{rest}` has no closing }}")));
                };
                let part = match &rest[1..end] {
                    "account_name" => Part::AccountName,
                    "account_id" => Part::AccountId,
                    "role_name" => Part::RoleName,
                    other => return Err(bad(format!("{{{other}}} is not a placeholder"))),
                };
                if !text.is_empty() {
                    parts.push(Part::Text(std::mem::take(&mut text)));
                }
                parts.push(part);
                rest = &rest[end + 1..];
            } else if c == '}' {
                return Err(bad("a lone } (write }} for a brace)".into()));
            } else {
                text.push(c);
                rest = &rest[c.len_utf8()..];
            }
        }
        if !text.is_empty() {
            parts.push(Part::Text(text));
        }
        if !parts
            .iter()
            .any(|p| matches!(p, Part::AccountName | Part::AccountId))
        {
            return Err(bad(
                "the template names no account, so every account would get the same names".into(),
            ));
        }
        Ok(Template(parts))
    }

    /// The profile name for one role: the template filled in and sanitised; when nothing is left,
    /// `{account_id}-{role_name}`.
    pub fn name_for(&self, account_name: &str, account_id: &str, role_name: &str) -> String {
        let mut raw = String::new();
        for part in &self.0 {
            raw.push_str(match part {
                Part::Text(t) => t,
                Part::AccountName => account_name,
                Part::AccountId => account_id,
                Part::RoleName => role_name,
            });
        }
        let name = config_edit::sanitize_name(&raw);
        if name.is_empty() {
            config_edit::sanitize_name(&format!("{account_id}-{role_name}"))
        } else {
            name
        }
    }
}

/// A role the listing found.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct LiveRole {
    pub account_id: String,
    pub account_name: String,
    pub role_name: String,
}

/// One profile of the block.
#[derive(Debug, Clone, PartialEq, Eq)]
struct Entry {
    name: String,
    account_id: String,
    role_name: String,
    region: Option<String>,
    account_name: Option<String>,
}

impl Entry {
    fn key(&self) -> (String, String) {
        (self.account_id.clone(), self.role_name.clone())
    }

    fn lines(&self, session: &str) -> Vec<String> {
        config_edit::SsoProfileText {
            name: &self.name,
            session,
            account_id: &self.account_id,
            role_name: &self.role_name,
            region: self.region.as_deref(),
            output: None,
            account_name: self.account_name.as_deref(),
        }
        .lines()
    }
}

/// What `populate` would do to the file.
#[derive(Debug, Clone)]
pub struct Edit {
    /// The whole new file.
    pub text: String,
    /// `+ [profile x]`, `- [profile y]`, `~ [profile z]` (changed), sorted by name.
    pub diff: Vec<String>,
    pub profiles: usize,
    pub kept_stale: usize,
    /// Names that had to take a suffix, said on stderr.
    pub notes: Vec<String>,
}

impl Edit {
    pub fn summary(&self) -> String {
        let count = |c: char| self.diff.iter().filter(|l| l.starts_with(c)).count();
        let (added, removed, changed) = (count('+'), count('-'), count('~'));
        if added + removed + changed == 0 {
            return "no changes".into();
        }
        format!("{added} added, {removed} removed, {changed} changed")
    }
}

/// The new text of the file: the block for `session` replaced (or appended) with a profile for
/// every live role; profiles of roles that went away stay unless `prune`. Names are the template's,
/// sanitised; a name already used outside the block, or by an earlier role in (account id, role)
/// order, takes the first free suffix `-2`, `-3`, ... Without `region`, a profile keeps the region
/// it had. A role that a profile outside the block already is (this sso-session, account and role,
/// as `configure` writes it) gets no second profile, unless the block has one for it already.
pub fn plan_edit(
    text: &str,
    session: &str,
    live: &[LiveRole],
    template: &Template,
    region: Option<&str>,
    prune: bool,
) -> Result<Edit, String> {
    let block = config_edit::find_block(text, &begin_marker(session), &end_marker(session))?;
    let old = match &block {
        Some(block) => read_block(&text[block.inner.clone()])?,
        None => Vec::new(),
    };
    let outside: HashSet<String> = config_edit::sections(text)
        .into_iter()
        // Outside: the header is (a stray key after END still belongs to a block profile).
        .filter(|(_, range)| {
            block
                .as_ref()
                .is_none_or(|b| !b.range.contains(&range.start))
        })
        .filter_map(|(name, _)| match name {
            SectionName::Profile(n) => Some(n),
            _ => None,
        })
        .collect();
    let old_by_key: HashMap<(String, String), &Entry> = old.iter().map(|e| (e.key(), e)).collect();
    let outside_roles = roles_outside(text, session, block.as_ref());

    let mut live: Vec<&LiveRole> = live.iter().collect();
    live.sort_by(|a, b| (&a.account_id, &a.role_name).cmp(&(&b.account_id, &b.role_name)));
    live.dedup_by(|a, b| a.account_id == b.account_id && a.role_name == b.role_name);
    let mut taken = outside.clone();
    let mut entries = Vec::new();
    let mut notes = Vec::new();
    for role in &live {
        let account_id = config_edit::one_line_value(&role.account_id);
        let role_name = config_edit::one_line_value(&role.role_name);
        let account_name = config_edit::one_line_value(&role.account_name);
        let key = (account_id.clone(), role_name.clone());
        if !old_by_key.contains_key(&key)
            && let Some(kept) = outside_roles.get(&key)
        {
            notes.push(format!(
                "kept profile \"{kept}\" for {account_id}/{role_name} (outside the generated block)"
            ));
            continue;
        }
        let base = template.name_for(&account_name, &account_id, &role_name);
        let name = free_name(&base, &taken);
        if name != base {
            let by = if outside.contains(&base) {
                "a profile outside the ssoenv block"
            } else {
                "another role"
            };
            notes.push(format!(
                "profile name {base} is taken by {by}; role {role_name} in account {account_id} \
                 is named {name}"
            ));
        }
        taken.insert(name.clone());
        let previous = old_by_key.get(&key);
        entries.push(Entry {
            name,
            region: region
                .map(str::to_string)
                .or_else(|| previous.and_then(|p| p.region.clone())),
            account_name: (!account_name.is_empty()).then_some(account_name),
            account_id,
            role_name,
        });
    }
    let live_keys: HashSet<(String, String)> = entries.iter().map(Entry::key).collect();
    let mut kept_stale = 0;
    if !prune {
        for entry in old.iter().filter(|e| !live_keys.contains(&e.key())) {
            let name = free_name(&entry.name, &taken);
            taken.insert(name.clone());
            kept_stale += 1;
            entries.push(Entry {
                name,
                ..entry.clone()
            });
        }
    }
    entries.sort_by(|a, b| a.name.cmp(&b.name));

    let old_lines: BTreeMap<&str, Vec<String>> = old
        .iter()
        .map(|e| (e.name.as_str(), e.lines(session)))
        .collect();
    let new_lines: BTreeMap<&str, Vec<String>> = entries
        .iter()
        .map(|e| (e.name.as_str(), e.lines(session)))
        .collect();
    let mut names: Vec<&str> = old_lines.keys().chain(new_lines.keys()).copied().collect();
    names.sort_unstable();
    names.dedup();
    let mut diff = Vec::new();
    for name in names {
        let header = config_edit::profile_header(name);
        match (old_lines.get(name), new_lines.get(name)) {
            (None, Some(_)) => diff.push(format!("+ {header}")),
            (Some(_), None) => diff.push(format!("- {header}")),
            (Some(a), Some(b)) if a != b => diff.push(format!("~ {header}")),
            _ => {}
        }
    }

    let mut lines = vec![begin_line(session)];
    for (i, entry) in entries.iter().enumerate() {
        if i > 0 {
            lines.push(String::new());
        }
        lines.extend(entry.lines(session));
    }
    lines.push(end_marker(session));
    let new_text = match &block {
        Some(block) => config_edit::replace(text, block.range.clone(), &lines),
        None if entries.is_empty() => text.to_string(),
        None => config_edit::append(text, &lines),
    };
    Ok(Edit {
        text: new_text,
        diff,
        profiles: entries.len(),
        kept_stale,
        notes,
    })
}

/// The profiles outside `block` that are roles of `session`, by (account id, role): the first of
/// each, in file order. A profile that also has `role_arn` is not that role (botocore assumes the
/// role it names).
fn roles_outside(
    text: &str,
    session: &str,
    block: Option<&config_edit::Block>,
) -> HashMap<(String, String), String> {
    let mut out = HashMap::new();
    for (name, range) in config_edit::sections(text) {
        let SectionName::Profile(name) = name else {
            continue;
        };
        if block.is_some_and(|b| b.range.contains(&range.start)) {
            continue;
        }
        // One section at a time: a section the AWS CLI could not read is simply not recognised.
        let Ok(parsed) = crate::ini::parse(&text[range]) else {
            continue;
        };
        let Some(section) = parsed.first() else {
            continue;
        };
        let get = |key: &str| section.get(key).and_then(|v| v.as_text());
        if get("sso_session") == Some(session)
            && get("role_arn").is_none()
            && let (Some(account_id), Some(role_name)) =
                (get("sso_account_id"), get("sso_role_name"))
        {
            out.entry((account_id.to_string(), role_name.to_string()))
                .or_insert(name);
        }
    }
    out
}

pub(super) fn free_name(base: &str, taken: &HashSet<String>) -> String {
    if !taken.contains(base) {
        return base.to_string();
    }
    (2..)
        .map(|n| format!("{base}-{n}"))
        .find(|name| !taken.contains(name))
        .unwrap_or_default()
}

/// The profiles of an existing block.
fn read_block(inner: &str) -> Result<Vec<Entry>, String> {
    let sections = crate::ini::parse(inner).map_err(|err| {
        format!(
            "the ssoenv populate block cannot be read ({}); was it edited?",
            err.message
        )
    })?;
    let mut out = Vec::new();
    for section in sections {
        let SectionName::Profile(name) = SectionName::of(&section.name) else {
            continue;
        };
        let get = |key: &str| {
            section
                .get(key)
                .and_then(|v| v.as_text())
                .filter(|v| !v.is_empty())
                .map(str::to_string)
        };
        out.push(Entry {
            name,
            account_id: get("sso_account_id").unwrap_or_default(),
            role_name: get("sso_role_name").unwrap_or_default(),
            region: get("region"),
            account_name: get(ACCOUNT_NAME_KEY),
        });
    }
    Ok(out)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn role(id: &str, name: &str, role: &str) -> LiveRole {
        LiveRole {
            account_id: id.into(),
            account_name: name.into(),
            role_name: role.into(),
        }
    }

    fn template() -> Template {
        Template::parse("{account_name}-{role_name}").unwrap()
    }

    #[test]
    fn templates() {
        let t = Template::parse("{account_id}_{role_name}{{x}}").unwrap();
        assert_eq!(t.name_for("n", "1", "R"), "1_R-x");
        assert_eq!(
            template().name_for("My Acct", "1", "Admin"),
            "My-Acct-Admin"
        );
        assert_eq!(template().name_for("ää", "1", "ää"), "1");
        assert!(Template::parse("{acount_name}").is_err());
        assert!(Template::parse("{role_name}").is_err());
        assert!(Template::parse("{account_id").is_err());
        assert!(Template::parse("a}b{account_id}").is_err());
    }

    #[test]
    fn writes_a_sorted_block_and_is_idempotent() {
        let live = [
            role("2", "b", "Z"),
            role("1", "a", "Admin"),
            role("1", "a", "Read"),
        ];
        let text = "# mine\n[profile keep]\nregion = x\n";
        let edit = plan_edit(text, "corp", &live, &template(), Some("eu-west-1"), false).unwrap();
        assert_eq!(
            edit.text,
            "# mine\n[profile keep]\nregion = x\n\n\
             # BEGIN ssoenv populate sso-session=corp (do not edit; rerun ssoenv populate)\n\
             [profile a-Admin]\nsso_session = corp\nsso_account_id = 1\nsso_role_name = Admin\n\
             region = eu-west-1\nssoenv_account_name = a\n\n\
             [profile a-Read]\nsso_session = corp\nsso_account_id = 1\nsso_role_name = Read\n\
             region = eu-west-1\nssoenv_account_name = a\n\n\
             [profile b-Z]\nsso_session = corp\nsso_account_id = 2\nsso_role_name = Z\n\
             region = eu-west-1\nssoenv_account_name = b\n\
             # END ssoenv populate sso-session=corp\n"
        );
        assert_eq!(edit.diff.len(), 3);
        assert!(edit.diff.iter().all(|l| l.starts_with("+ [profile ")));
        // Again, without --region: the regions stay; nothing changes.
        let again = plan_edit(&edit.text, "corp", &live, &template(), None, false).unwrap();
        assert_eq!(again.text, edit.text);
        assert!(again.diff.is_empty());
        assert_eq!(again.summary(), "no changes");
    }

    #[test]
    fn collisions_take_suffixes_in_account_order() {
        let live = [
            role("3", "a b", "R"),
            role("1", "a-b", "R"),
            role("2", "a/b", "R"),
        ];
        let text = "[profile a-b-R]\n[profile a-b-R-3]\n";
        let edit = plan_edit(text, "s", &live, &template(), None, false).unwrap();
        let config = crate::ini::parse(&edit.text).unwrap();
        let by_name: HashMap<String, String> = config
            .iter()
            .filter_map(|s| {
                let id = s.get("sso_account_id")?.as_text()?.to_string();
                Some((s.name.clone(), id))
            })
            .collect();
        assert_eq!(by_name["profile a-b-R-2"], "1");
        assert_eq!(by_name["profile a-b-R-4"], "2");
        assert_eq!(by_name["profile a-b-R-5"], "3");
        assert_eq!(edit.notes.len(), 3);
        assert!(edit.notes[0].contains("outside"), "{:?}", edit.notes);
    }

    #[test]
    fn stale_profiles_stay_unless_pruned() {
        let both = [role("1", "a", "R"), role("2", "b", "R")];
        let first = plan_edit("", "s", &both, &template(), None, false).unwrap();
        let one = [role("1", "a", "R")];
        let kept = plan_edit(&first.text, "s", &one, &template(), None, false).unwrap();
        assert_eq!(kept.text, first.text);
        assert_eq!(kept.kept_stale, 1);
        let pruned = plan_edit(&first.text, "s", &one, &template(), None, true).unwrap();
        assert_eq!(pruned.diff, ["- [profile b-R]"]);
        assert!(!pruned.text.contains("b-R"));
        assert!(pruned.text.contains("[profile a-R]"));
    }

    #[test]
    fn only_the_block_changes() {
        let live = [role("1", "a", "R")];
        let first = plan_edit("[x]\r\nk = 1\r\n", "s", &live, &template(), None, false).unwrap();
        assert!(first.text.contains("\r\n# BEGIN"));
        assert!(!first.text.replace("\r\n", "").contains('\n'));
        let around = format!("; before\r\n{}[profile after]\r\nk = 2", first.text);
        let renamed = [role("1", "renamed", "R")];
        let edit = plan_edit(&around, "s", &renamed, &template(), None, false).unwrap();
        let block = config_edit::find_block(&edit.text, &begin_marker("s"), &end_marker("s"))
            .unwrap()
            .unwrap();
        let old_block = config_edit::find_block(&around, &begin_marker("s"), &end_marker("s"))
            .unwrap()
            .unwrap();
        assert_eq!(
            &edit.text[..block.range.start],
            &around[..old_block.range.start]
        );
        assert_eq!(
            &edit.text[block.range.end..],
            &around[old_block.range.end..]
        );
        assert_eq!(edit.diff, ["- [profile a-R]", "+ [profile renamed-R]"]);
    }

    #[test]
    fn a_role_a_profile_outside_the_block_already_is_gets_no_second_profile() {
        let live = [
            role("1", "a", "R"),
            role("1", "a", "Admin"),
            role("2", "b", "R"),
        ];
        let text = "[profile dev]\nsso_session = corp\nsso_account_id = 1\nsso_role_name = R\n\
                    [profile dev-again]\nsso_session = corp\nsso_account_id = 1\nsso_role_name = R\n\
                    [profile other-session]\nsso_session = else\nsso_account_id = 1\n\
                    sso_role_name = Admin\n\
                    [profile chained]\nsso_session = corp\nsso_account_id = 2\nsso_role_name = R\n\
                    role_arn = arn:aws:iam::3:role/x\n";
        let edit = plan_edit(text, "corp", &live, &template(), None, false).unwrap();
        assert_eq!(
            edit.notes,
            ["kept profile \"dev\" for 1/R (outside the generated block)"]
        );
        assert_eq!(edit.diff, ["+ [profile a-Admin]", "+ [profile b-R]"]);
        assert_eq!(edit.profiles, 2);
        // Idempotent: the outside profile is recognised again, and nothing changes.
        let again = plan_edit(&edit.text, "corp", &live, &template(), None, false).unwrap();
        assert_eq!(again.text, edit.text);
        assert_eq!(again.notes, edit.notes);

        // A role the block already holds keeps its generated profile: no name disappears.
        let first = plan_edit("", "corp", &live, &template(), None, false).unwrap();
        let around = format!("{text}\n{}", first.text);
        let kept = plan_edit(&around, "corp", &live, &template(), None, false).unwrap();
        assert_eq!(kept.text, around);
        assert!(kept.notes.is_empty(), "{:?}", kept.notes);
    }

    #[test]
    fn pace_spaces_sends_across_threads() {
        let pace = Pace::new(50);
        let start = Instant::now();
        std::thread::scope(|s| {
            for _ in 0..4 {
                s.spawn(|| {
                    for _ in 0..5 {
                        pace.wait();
                    }
                });
            }
        });
        // 20 sends at 50 a second: the last goes out no sooner than 19 intervals after the first.
        assert!(start.elapsed() >= Duration::from_millis(19 * 20 - 5));
    }
}
