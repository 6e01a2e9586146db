//! A chained profile's live credentials (`role_arn` + `source_profile`), as botocore's
//! `AssumeRoleProvider` gets them, sharing its cache: the outermost hop's cached AssumeRole result
//! while more than 15 minutes remain (no request, and nothing else read: the path a shell prompt
//! takes), else the nearest hop inward with a live cache entry, else the chain's root credentials
//! (an SSO profile's role credentials, signing in on demand under the login lock; or access keys
//! from the config or credentials file); then AssumeRole for each hop from there outward, each
//! result validated and cached for the next caller, the AWS CLI included.

use std::path::PathBuf;

use crate::auth::{REFRESH_WINDOW, Source};
use crate::cache::{self, CacheDirs};
use crate::config::{Chain, Config, Hop, Profile, Root};
use crate::context::{Context, Policy};
use crate::credentials;
use crate::error::{Error, Result};
use crate::sso::Call;
use crate::sso::endpoint::Sts;
use crate::sso::portal::RoleCredentials;
use crate::sso::sts::{self, AssumeRole};
use crate::sso_profile::SsoProfile;

/// STS refuses a role session asked of role credentials (SSO ones included) for longer than this.
pub const CHAINED_MAX_SECONDS: i64 = 3600;

/// One hop, made ready: the call botocore would make for it and where its result is cached.
struct Step<'a> {
    hop: &'a Hop,
    call: AssumeRole,
    path: PathBuf,
}

fn step<'a>(dirs: &CacheDirs, hop: &'a Hop, now: i64) -> Step<'a> {
    // botocore generates a name when none is set, and leaves it out of the cache key, so that
    // the next run (with another name) finds the entry.
    let session_name_was_set = hop.role_session_name.is_some();
    let call = AssumeRole {
        role_arn: hop.role_arn.clone(),
        role_session_name: hop
            .role_session_name
            .clone()
            .unwrap_or_else(|| format!("botocore-session-{now}")),
        external_id: hop.external_id.clone(),
        duration_seconds: hop.duration_seconds,
        serial_number: hop.mfa_serial.clone(),
        token_code: None,
    };
    let path = dirs.assume_role_path(&call, session_name_was_set);
    Step { hop, call, path }
}

/// The cache file of each hop, outermost first (for `logout`, which removes them with the
/// session their chain starts from).
pub fn hop_paths(dirs: &CacheDirs, chain: &Chain) -> Vec<PathBuf> {
    // The time only names a generated session, which the cache key leaves out.
    chain.hops.iter().map(|h| step(dirs, h, 0).path).collect()
}

/// What the cache holds for one hop, for `status`.
pub struct HopCache {
    pub profile: String,
    pub role_arn: String,
    pub path: PathBuf,
    /// When the cached credentials expire (epoch seconds), or None when nothing usable is cached.
    pub expires: Option<i64>,
}

/// Each hop's cache entry, outermost first. Reads the cache files only.
pub fn cached_hops(ctx: &Context, chain: &Chain) -> Vec<HopCache> {
    let now = ctx.now();
    chain
        .hops
        .iter()
        .map(|hop| {
            let s = step(&ctx.dirs, hop, now);
            HopCache {
                profile: hop.profile.clone(),
                role_arn: hop.role_arn.clone(),
                expires: cached(ctx, &s.path).map(|c| c.expiration),
                path: s.path,
            }
        })
        .collect()
}

fn cached(ctx: &Context, path: &std::path::Path) -> Option<RoleCredentials> {
    let file = cache::load::<cache::AssumeRoleFile>(path, ctx.ui)?;
    file.role_credentials()
}

/// The live credentials at the end of `chain` (the role of its outermost hop), and where they
/// came from. `config` and `target` are the loaded config and the profile asked for: its region
/// and `services` section choose the STS endpoint for every hop, as botocore's session does.
pub fn credentials(
    ctx: &Context,
    config: &Config,
    target: &Profile,
    chain: &Chain,
    policy: &Policy,
    force_refresh: bool,
) -> Result<(RoleCredentials, Source)> {
    let now = ctx.now();
    let steps: Vec<Step> = chain.hops.iter().map(|h| step(&ctx.dirs, h, now)).collect();
    // Outermost first: a live outermost entry answers alone, without reading anything else.
    let mut start = steps.len();
    let mut from_cache = None;
    if !force_refresh {
        for (i, s) in steps.iter().enumerate() {
            if let Some(c) = cached(ctx, &s.path)
                && credentials::unusable(&c, REFRESH_WINDOW, ctx.now()).is_none()
            {
                start = i;
                from_cache = Some(c);
                break;
            }
        }
    }
    // Before any sign-in or request: a duration STS would refuse, or an MFA code nobody can type.
    for (i, s) in steps.iter().enumerate().take(start) {
        check_duration(s.hop, chained(chain, i))?;
        if let Some(serial) = &s.hop.mfa_serial
            && !ctx.settings.terminals.can_ask()
        {
            return Err(no_terminal_for_code(s.hop, serial));
        }
    }
    let (mut current, mut source) = match from_cache {
        Some(c) if start == 0 => return Ok((c, Source::Cache)),
        Some(c) => (c, Source::Cache),
        None => root_credentials(ctx, config, chain, policy, force_refresh)?,
    };
    let sts = StsTarget::of(config, target, chain)?;
    for i in (0..start).rev() {
        let whose = match steps.get(i + 1) {
            Some(inner) => Whose::Role(inner.hop),
            None => Whose::Root(&chain.root),
        };
        current = assume(ctx, &sts, &steps[i], &current, whose, outermost(chain))?;
    }
    if source == Source::Cache {
        source = Source::Fetched;
    }
    Ok((current, source))
}

/// Whether hop `i` assumes its role with role credentials (role chaining, in STS's words): every
/// hop but the innermost does, and so does the innermost when the root is an SSO role.
fn chained(chain: &Chain, i: usize) -> bool {
    i + 1 < chain.hops.len() || matches!(chain.root, Root::Sso { .. })
}

/// A `duration_seconds` STS refuses for role chaining, refused here with the fix.
fn check_duration(hop: &Hop, chained: bool) -> Result<()> {
    if chained && let Some(d) = hop.duration_seconds.filter(|d| *d > CHAINED_MAX_SECONDS) {
        return Err(Error::new(
            format!("profile \"{}\"", hop.profile),
            format!(
                "duration_seconds = {d}, but a role assumed with role credentials (role \
                 chaining, which includes IAM Identity Center roles) may last at most \
                 {CHAINED_MAX_SECONDS} seconds"
            ),
        )
        .with_hint(format!(
            "set duration_seconds = {CHAINED_MAX_SECONDS} or less in [profile {}]",
            hop.profile
        )));
    }
    Ok(())
}

/// The credentials that start the chain.
fn root_credentials(
    ctx: &Context,
    config: &Config,
    chain: &Chain,
    policy: &Policy,
    force_refresh: bool,
) -> Result<(RoleCredentials, Source)> {
    match &chain.root {
        Root::Sso { profile, sso } => {
            let root = SsoProfile::of(config.clone(), config.profile(profile)?)?;
            credentials::role_credentials(ctx, sso, || root.endpoints(), policy, force_refresh)
        }
        Root::StaticKeys { profile } => static_keys(config, profile, chain),
        other => Err(Error::new(
            format!("profile \"{}\"", outermost(chain)),
            format!(
                "its role chain starts from {}; ssoenv does not yet start chains from there",
                other.describe()
            ),
        )
        .with_hint(
            "start the chain from an IAM Identity Center profile or from access keys, or use \
             the AWS CLI for this profile",
        )),
    }
}

/// A static-keys profile's access keys, as botocore reads them (a session token is optional).
fn static_keys(config: &Config, profile: &str, chain: &Chain) -> Result<(RoleCredentials, Source)> {
    let settings = config.settings(profile);
    let get = |key: &str| {
        settings
            .and_then(|s| s.get(key))
            .unwrap_or_default()
            .to_string()
    };
    let (id, secret) = (get("aws_access_key_id"), get("aws_secret_access_key"));
    if id.is_empty() || secret.is_empty() {
        let missing = if id.is_empty() {
            "aws_access_key_id"
        } else {
            "aws_secret_access_key"
        };
        return Err(Error::new(
            format!("profile \"{profile}\""),
            format!(
                "starts the role chain of \"{}\" but has no {missing}",
                outermost(chain)
            ),
        )
        .with_hint(format!(
            "set both access keys of [{profile}] in {} or {}",
            config.paths.credentials.display(),
            config.paths.config.display()
        )));
    }
    Ok((
        RoleCredentials {
            access_key_id: id,
            secret_access_key: secret,
            session_token: get("aws_session_token"),
            // Access keys do not expire by themselves.
            expiration: i64::MAX,
        },
        Source::Cache,
    ))
}

fn outermost(chain: &Chain) -> &str {
    chain.hops.first().map_or("", |h| h.profile.as_str())
}

/// Where every hop's AssumeRole goes: botocore creates each hop's STS client with the session's
/// region (the profile asked for), so the same endpoint serves the whole chain.
struct StsTarget;

impl StsTarget {
    fn of(config: &Config, target: &Profile, chain: &Chain) -> Result<Sts> {
        // The profile's region, as botocore's session; else the first hop inward that has one,
        // rather than the global endpoint, which some partitions and opt-in regions lack.
        let region = target.region.clone().filter(|r| !r.is_empty()).or_else(|| {
            chain
                .hops
                .iter()
                .find_map(|h| h.region.clone().filter(|r| !r.is_empty()))
        });
        let configured = config.service_endpoint(target, "sts");
        crate::sso::endpoint::sts(region.as_deref(), configured.as_deref())
    }
}

/// Whose credentials a hop assumes its role with, for its errors.
#[derive(Clone, Copy)]
enum Whose<'a> {
    Role(&'a Hop),
    Root(&'a Root),
}

impl Whose<'_> {
    fn describe(self) -> String {
        match self {
            Whose::Role(hop) => format!("profile {} (role {})", hop.profile, hop.role_arn),
            Whose::Root(root) => root.describe(),
        }
    }

    /// How to get fresh source credentials when STS refuses these.
    fn refresh(self, top: &str) -> String {
        let top = crate::shell::word(top);
        match self {
            Whose::Root(Root::Sso { profile, .. }) => format!(
                "run `ssoenv login {}`, then `ssoenv use --force-refresh {top}`",
                crate::shell::word(profile)
            ),
            Whose::Root(root) => format!(
                "check the access keys of profile {} (aws_access_key_id, aws_secret_access_key, \
                 aws_session_token)",
                root.profile()
            ),
            Whose::Role(_) => format!("run `ssoenv use --force-refresh {top}`"),
        }
    }
}

/// One AssumeRole with `source`, validated, then cached.
fn assume(
    ctx: &Context,
    sts: &Sts,
    step: &Step,
    source: &RoleCredentials,
    whose: Whose,
    top: &str,
) -> Result<RoleCredentials> {
    let hop = step.hop;
    let mut call = step.call.clone();
    if let Some(serial) = &hop.mfa_serial {
        call.token_code = Some(ask_code(ctx, hop, serial)?);
    }
    let assumed = sts::assume_role(ctx.http(), &sts.url, &sts.signing_region, source, &call)
        .map_err(|err| {
            Call::assume_role(
                &hop.role_arn,
                &hop.profile,
                &whose.describe(),
                sts,
                &whose.refresh(top),
            )
            .error(err)
        })?;
    let credentials = assumed.credentials.clone();
    credentials::refuse_unusable(&credentials, ctx.now(), &sts.url, || {
        format!(
            "role {} (AssumeRole, profile \"{}\")",
            hop.role_arn, hop.profile
        )
    })?;
    // The credentials work without the cache; a read-only folder costs a request next time.
    if let Err(err) = cache::write(&step.path, &cache::AssumeRoleFile::issued(&assumed)) {
        ctx.ui.warn(&format!(
            "could not cache the assumed role's credentials: {err}"
        ));
    }
    Ok(credentials)
}

fn no_terminal_for_code(hop: &Hop, serial: &str) -> Error {
    Error::new(
        format!("profile \"{}\"", hop.profile),
        format!(
            "needs an MFA code (mfa_serial = {serial}) to assume {}, and there is no \
             terminal to ask for it",
            hop.role_arn
        ),
    )
    .with_hint(
        "run `ssoenv use` for this profile in a terminal once: the credentials are cached, \
         and later commands need no code until they expire",
    )
}

/// The MFA code for `serial`, asked on the terminal as botocore asks it; with nobody to ask, an
/// error rather than a wait.
fn ask_code(ctx: &Context, hop: &Hop, serial: &str) -> Result<String> {
    if !ctx.settings.terminals.can_ask() {
        return Err(no_terminal_for_code(hop, serial));
    }
    let prompt = format!("Enter MFA code for {serial}:");
    let shown = crate::ui::printable(&prompt).into_owned();
    let code = inquire::Text::new(&shown)
        .with_validator(|code: &str| {
            Ok(
                if code.len() == 6 && code.bytes().all(|b| b.is_ascii_digit()) {
                    inquire::validator::Validation::Valid
                } else {
                    inquire::validator::Validation::Invalid("six digits".into())
                },
            )
        })
        .prompt()
        .map_err(|err| {
            Error::new(
                format!("profile \"{}\"", hop.profile),
                format!("no MFA code given ({err})"),
            )
        })?;
    Ok(code)
}

/// The account id and role name of a role ARN (`arn:aws:iam::ACCOUNT:role/PATH/NAME`), for the
/// variables `use` sets; empty parts when the ARN is not of that shape.
pub fn account_and_role(role_arn: &str) -> (String, String) {
    let mut fields = role_arn.splitn(6, ':');
    let account = fields.nth(4).unwrap_or_default().to_string();
    let resource = fields.next().unwrap_or_default();
    let role = resource
        .strip_prefix("role/")
        .and_then(|r| r.rsplit('/').next())
        .unwrap_or_default()
        .to_string();
    (account, role)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn account_and_role_come_from_the_arn() {
        assert_eq!(
            account_and_role("arn:aws:iam::222222222222:role/Deploy"),
            ("222222222222".into(), "Deploy".into())
        );
        assert_eq!(
            account_and_role("arn:aws-cn:iam::333333333333:role/team/ops/Admin"),
            ("333333333333".into(), "Admin".into())
        );
        assert_eq!(account_and_role("arn:x"), (String::new(), String::new()));
        assert_eq!(
            account_and_role("arn:aws:iam::1:user/u"),
            ("1".into(), String::new())
        );
    }
}
