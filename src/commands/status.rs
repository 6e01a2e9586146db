use std::path::PathBuf;

use serde_json::json;

use super::Outcome;
use crate::auth;
use crate::cache::{self, CacheDirs, TokenFile};
use crate::cli::StatusArgs;
use crate::config::{Config, Kind, Paths, Root, SsoSession};
use crate::context::Context;
use crate::credentials;
use crate::error::Result;
use crate::role_chain;
use crate::settings::Settings;
use crate::sso_profile::SsoProfile;
use crate::time;
use crate::ui::{Ui, printable};

/// What the caches hold for a profile; reads files only, never the network. For a chained
/// profile: each hop's assumed-role entry, then its root (an SSO root's token and role
/// credentials, as for an SSO profile).
pub fn run(args: &StatusArgs, ui: &dyn Ui, settings: &Settings) -> Result<Outcome> {
    let name = settings.profile.active(args.profile.as_deref());
    let config = Config::load(Paths::from_env()?)?;
    let profile = config.profile(&name)?;
    if let Kind::Login(session) = &profile.kind {
        return login_status(args, ui, &name, session);
    }
    let dirs = CacheDirs::from_env()?;
    let ctx = Context::new(dirs.clone(), ui, settings);
    let now = ctx.now();
    let kind = profile.kind.label();
    let chain = match &profile.kind {
        Kind::AssumeRole(chain) => Some(chain.clone()),
        _ => None,
    };
    let (target, hops) = match &chain {
        None => (Some(SsoProfile::of(config, profile)?), Vec::new()),
        Some(chain) => {
            let root = match &chain.root {
                Root::Sso { profile: root, .. } => {
                    let root = config.profile(root)?;
                    Some(SsoProfile::of(config.clone(), root)?)
                }
                _ => None,
            };
            (root, role_chain::cached_hops(&ctx, chain))
        }
    };
    let sso = target.as_ref().map(|t| sso_state(&ctx, t));
    let (account_id, role_name) = match (&chain, &target) {
        (Some(chain), _) => {
            role_chain::account_and_role(chain.hops.first().map_or("", |h| h.role_arn.as_str()))
        }
        (None, Some(t)) => (t.sso.account_id.clone(), t.sso.role_name.clone()),
        (None, None) => Default::default(),
    };

    if args.json {
        let mut doc = json!({
            "profile": name,
            "kind": kind,
            "sso_session": sso.as_ref().map(|s| s.session.name.clone()),
            "sso_start_url": sso.as_ref().map(|s| s.session.start_url.clone()),
            "sso_region": sso.as_ref().map(|s| s.session.region.clone()),
            "account_id": account_id,
            "role_name": role_name,
            "token": sso.as_ref().map(|s| json!({
                "path": s.token_path,
                "present": s.token_expires.is_some(),
                "expires_at": s.token_expires.map(time::format_rfc3339),
                "seconds_left": s.token_expires.map(|t| t - now),
                "refreshable": s.refreshable,
            })),
            "credentials": sso.as_ref().map(|s| json!({
                "path": s.role_path,
                "present": s.role_expires.is_some(),
                "expires_at": s.role_expires.map(time::format_rfc3339),
                "seconds_left": s.role_expires.map(|t| t - now),
            })),
        });
        if let Some(chain) = &chain {
            doc["root"] = json!({
                "profile": chain.root.profile(),
                "kind": chain.root.describe(),
            });
            doc["hops"] = hops
                .iter()
                .map(|h| {
                    json!({
                        "profile": h.profile,
                        "role_arn": h.role_arn,
                        "path": h.path,
                        "present": h.expires.is_some(),
                        "expires_at": h.expires.map(time::format_rfc3339),
                        "seconds_left": h.expires.map(|t| t - now),
                    })
                })
                .collect();
        }
        return Ok(Outcome::Print(format!(
            "{}\n",
            serde_json::to_string_pretty(&doc).unwrap_or_default()
        )));
    }
    let role_line = format!("{role_name} in account {account_id}");
    let mut lines = vec![("profile", format!("{name} ({kind})"))];
    if chain.is_some() {
        lines.push(("role", role_line.clone()));
    }
    for h in &hops {
        let entry = match h.expires {
            None => format!("none cached ({})", h.path.display()),
            Some(t) => format!("{} ({})", left(t - now, t), h.path.display()),
        };
        lines.push((
            "assumed",
            format!("{} by {}: {entry}", h.role_arn, h.profile),
        ));
    }
    if let Some(chain) = &chain {
        lines.push(("root", chain.root.describe()));
    }
    if let Some(s) = &sso {
        let session = &s.session;
        let token_line = match s.token_expires {
            None => format!("none ({})", s.token_path.display()),
            Some(t) => format!(
                "{}, {} ({})",
                left(t - now, t),
                if s.refreshable {
                    "refreshable"
                } else if session.name.is_some() {
                    "not refreshable: sign in again when it expires"
                } else {
                    "legacy profile: not refreshable"
                },
                s.token_path.display()
            ),
        };
        let role_line = match s.role_expires {
            None => format!("none cached ({})", s.role_path.display()),
            Some(t) => format!("{} ({})", left(t - now, t), s.role_path.display()),
        };
        lines.push((
            "session",
            format!("{} {}", auth::describe(session), session.start_url),
        ));
        if chain.is_some() {
            lines.push((
                "root role",
                format!("{} in account {}", s.role_name, s.account_id),
            ));
        } else {
            lines.push(("role", role_line.clone()));
        }
        lines.push(("token", token_line));
        lines.push(("credentials", role_line));
    }
    let mut out = String::new();
    for (label, value) in lines {
        // A table for people: names from the config file are shown, escapes and all, never sent.
        out.push_str(&format!("{label:<12} {}\n", printable(&value)));
    }
    Ok(Outcome::Print(out))
}

/// `status` of an `aws login` profile: its login cache entry (read only).
fn login_status(args: &StatusArgs, ui: &dyn Ui, name: &str, session: &str) -> Result<Outcome> {
    let path = crate::login_cache::path(&crate::login_cache::dir()?, session);
    let entry = cache::load::<crate::login_cache::Entry>(&path, ui);
    let expires = entry.as_ref().and_then(crate::login_cache::Entry::expires);
    let now = time::now();
    let account = crate::login_cache::account(session);
    let identity = crate::login_cache::identity(session);
    if args.json {
        let doc = json!({
            "profile": name,
            "kind": "login",
            "login_session": session,
            "account_id": account,
            "role_name": identity,
            "credentials": {
                "path": path,
                "present": entry.is_some(),
                "expires_at": expires.map(time::format_rfc3339),
                "seconds_left": expires.map(|t| t - now),
                "refreshable": entry.is_some(),
            },
        });
        return Ok(Outcome::Print(format!(
            "{}\n",
            serde_json::to_string_pretty(&doc).unwrap_or_default()
        )));
    }
    let credentials = match expires {
        None => format!(
            "none ({}): `ssoenv login {}` signs in",
            path.display(),
            crate::shell::word(name)
        ),
        Some(t) => format!(
            "{}, refreshed while the session lasts (up to 12 hours) ({})",
            left(t - now, t),
            path.display()
        ),
    };
    let mut out = String::new();
    for (label, value) in [
        ("profile", format!("{name} (login)")),
        ("session", session.to_string()),
        ("identity", format!("{identity} in account {account}")),
        ("credentials", credentials),
    ] {
        out.push_str(&format!("{label:<12} {}\n", printable(&value)));
    }
    Ok(Outcome::Print(out))
}

/// What the caches hold for an IAM Identity Center profile (or a chain's root).
struct SsoState {
    session: SsoSession,
    account_id: String,
    role_name: String,
    token_path: PathBuf,
    token_expires: Option<i64>,
    refreshable: bool,
    role_path: PathBuf,
    role_expires: Option<i64>,
}

fn sso_state(ctx: &Context, target: &SsoProfile) -> SsoState {
    let session = target.sso.login_target();
    let token_path = ctx.dirs.token_path(&session);
    let token = cache::load::<TokenFile>(&token_path, ctx.ui);
    let refreshable = token
        .as_ref()
        .is_some_and(|t| t.refreshable(&session, ctx.now()));
    SsoState {
        token_expires: token.as_ref().and_then(TokenFile::expires),
        refreshable,
        role_path: ctx.dirs.role_path(&target.sso),
        role_expires: credentials::cached(ctx, &target.sso).map(|c| c.expiration),
        account_id: target.sso.account_id.clone(),
        role_name: target.sso.role_name.clone(),
        session,
        token_path,
    }
}

/// `seconds` left until `until` (epoch seconds).
fn left(seconds: i64, until: i64) -> String {
    if seconds <= 0 {
        return "expired".into();
    }
    let (h, m) = (seconds / 3600, seconds % 3600 / 60);
    let until = time::format_rfc3339(until);
    if h > 0 {
        format!("valid for {h}h {m:02}m (until {until})")
    } else {
        format!("valid for {m}m (until {until})")
    }
}
