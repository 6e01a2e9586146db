use std::path::PathBuf;

use super::Outcome;
use crate::atomic_file;
use crate::auth;
use crate::cache::{self, CacheDirs, RoleFile, TokenFile};
use crate::cli::LogoutArgs;
use crate::config::{Config, Kind, Paths, Root};
use crate::context::Context;
use crate::error::Result;
use crate::settings::Settings;
use crate::sso::endpoint::{self, ConfiguredEndpoints};
use crate::sso::portal;
use crate::ui::{Ui, count};

pub fn run(args: &LogoutArgs, ui: &dyn Ui, settings: &Settings) -> Result<Outcome> {
    let dirs = CacheDirs::from_env()?;
    let ctx = Context::new(dirs.clone(), ui, settings);
    // The profile `use` made active in this shell, when its session is the one ending.
    let active = settings.profile.ssoenv_profile.as_deref();
    let mut active_affected = None;
    if args.all {
        let removed = crate::login_session::sign_out_all()?;
        if removed > 0 {
            ui.say(&format!(
                "removed the cached credentials of {}",
                count(removed, "`aws login` session")
            ));
        }
    } else if let Some(out) = login_logout(args, &ctx, settings)? {
        return Ok(out);
    }
    let (tokens, roles) = if args.all {
        // What a killed ssoenv left between writing and renaming may hold a token too.
        atomic_file::sweep(&dirs.sso);
        atomic_file::sweep(&dirs.cli);
        active_affected = active;
        everything(&dirs)
    } else {
        let config = Config::load(Paths::from_env()?)?;
        let session = match &args.sso_session {
            Some(name) => config.sso_session(name)?,
            // A chained profile's session is the one its chain starts from.
            None => super::login::sign_in_profile(
                config.clone(),
                &settings.profile.active(args.profile.as_deref()),
            )?
            .sso
            .login_target(),
        };
        // The role credentials of every profile that signs in through this session: those whose
        // token is the same cache file.
        let key = cache::token_key(&session);
        let roles = config
            .profiles()
            .filter_map(|p| match p.kind {
                Kind::Sso(sso) if cache::token_key(&sso.login_target()) == key => {
                    if active == Some(p.name.as_str()) {
                        active_affected = active;
                    }
                    Some(vec![dirs.role_path(&sso)])
                }
                // The roles assumed on top of the session: without it they would still serve
                // (from the cache) until they expire.
                Kind::AssumeRole(chain) => match &chain.root {
                    Root::Sso { sso, .. } if cache::token_key(&sso.login_target()) == key => {
                        if active == Some(p.name.as_str()) {
                            active_affected = active;
                        }
                        Some(crate::role_chain::hop_paths(&dirs, &chain))
                    }
                    _ => None,
                },
                _ => None,
            })
            .flatten()
            .collect::<std::collections::BTreeSet<_>>()
            .into_iter()
            .collect();
        (vec![dirs.token_path(&session)], roles)
    };
    // Under each session's login lock, tokens first: a refresh or sign-in still running finishes
    // before, so its token is removed here; a role-credential write still running checks the
    // token after writing (see `credentials`), so it cannot outlive this either.
    let mut locks = Vec::new();
    let mut ended = 0;
    for path in &tokens {
        let key = path
            .file_stem()
            .and_then(|s| s.to_str())
            .unwrap_or_default();
        let token = cache::read::<TokenFile>(path).found();
        let what = token
            .as_ref()
            .map_or_else(|| path.display().to_string(), |t| t.start_url.clone());
        locks.push(auth::lock(&ctx, key, &what)?);
        if let Some(token) = cache::read::<TokenFile>(path).found() {
            end_session(&ctx, &token);
            ended += 1;
        }
        cache::remove(path)?;
    }
    let mut removed = 0;
    for path in &roles {
        removed += usize::from(cache::remove(path)?);
    }
    ui.say(&format!(
        "signed out of {}; removed the cached credentials of {}",
        count(ended, "SSO session"),
        count(removed, "role")
    ));
    // The shell's variables are the shell's: a command cannot clear them, and the role
    // credentials in them work until they expire whatever the token does.
    if let Some(active) = active_affected {
        ui.say(&format!(
            "hint: this shell still holds the credentials of \"{active}\" (they work until they \
             expire): `awsuse --unset` clears them, or `eval \"$(ssoenv unset)\"` without the \
             shell integration"
        ));
    }
    Ok(Outcome::Print(String::new()))
}

/// `aws logout` for an `aws login` profile: its login cache entry removed. None for other kinds.
fn login_logout(args: &LogoutArgs, ctx: &Context, settings: &Settings) -> Result<Option<Outcome>> {
    if args.sso_session.is_some() {
        return Ok(None);
    }
    let config = Config::load(Paths::from_env()?)?;
    let name = settings.profile.active(args.profile.as_deref());
    let Ok(profile) = config.profile(&name) else {
        return Ok(None);
    };
    let Kind::Login(session) = &profile.kind else {
        return Ok(None);
    };
    let target = crate::login_session::Target::of(&config, &profile, session)?;
    let removed = crate::login_session::sign_out(ctx, &target)?;
    ctx.ui.say(&if removed {
        format!(
            "removed the cached login credentials of profile \"{name}\"; tools that already \
             loaded them may use them until they expire (15 minutes at most)"
        )
    } else {
        format!("no login session was cached for profile \"{name}\"")
    });
    Ok(Some(Outcome::Print(String::new())))
}

/// Tells the service the token is done with, so a stolen copy stops working. Best effort: the
/// local files go either way.
fn end_session(ctx: &Context, token: &TokenFile) {
    if token.expires().is_none_or(|t| t <= ctx.now()) {
        return;
    }
    let result = endpoint::resolve(&token.region, &ConfiguredEndpoints::default())
        .map_err(|e| e.to_string())
        .and_then(|ep| {
            portal::logout(ctx.http(), &ep.portal, &token.access_token).map_err(|e| e.to_string())
        });
    if let Err(why) = result {
        ctx.ui.warn(&format!(
            "the service did not confirm the sign-out ({why}); the local token is removed anyway"
        ));
    }
}

/// Every SSO token and every SSO role credential in the caches, as `aws sso logout` removes them.
fn everything(dirs: &CacheDirs) -> (Vec<PathBuf>, Vec<PathBuf>) {
    let json_files = |dir: &PathBuf| -> Vec<PathBuf> {
        std::fs::read_dir(dir)
            .into_iter()
            .flatten()
            .flatten()
            .map(|e| e.path())
            .filter(|p| p.extension().is_some_and(|e| e == "json"))
            .collect()
    };
    let tokens = json_files(&dirs.sso)
        .into_iter()
        .filter(|p| cache::read::<TokenFile>(p).found().is_some())
        .collect();
    let roles = json_files(&dirs.cli)
        .into_iter()
        .filter(|p| {
            cache::read::<RoleFile>(p)
                .found()
                .is_some_and(|f| f.provider_type == "sso")
        })
        .collect();
    (tokens, roles)
}
