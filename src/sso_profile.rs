//! A profile of a config already read, required to be an IAM Identity Center one, with its service
//! endpoints: what every SSO sign-in and GetRoleCredentials starts from (a chain's SSO root too).

use crate::config::{Config, Kind, Profile, Root, Sso};
use crate::error::{Error, Result};
use crate::sso::Endpoints;
use crate::sso::endpoint::{self, ConfiguredEndpoints};

pub struct SsoProfile {
    pub config: Config,
    pub profile: Profile,
    pub sso: Sso,
}

impl SsoProfile {
    /// `profile` of `config`, required to be an IAM Identity Center one.
    pub fn of(config: Config, profile: Profile) -> Result<SsoProfile> {
        let name = profile.name.as_str();
        let sso = match &profile.kind {
            Kind::Sso(sso) => sso.clone(),
            Kind::Invalid(why) => {
                return Err(
                    Error::new(format!("profile \"{name}\""), why.clone()).with_hint(format!(
                        "fix [profile {name}] in {}",
                        config.paths.config.display()
                    )),
                );
            }
            Kind::AssumeRole(chain) => {
                let role = chain.hops.first().map_or("", |h| h.role_arn.as_str());
                return Err(Error::new(
                    format!("profile \"{name}\""),
                    format!(
                        "assumes role {role} from {}, and has no IAM Identity Center settings of its own",
                        chain.root.describe()
                    ),
                )
                .with_hint(match &chain.root {
                    Root::Sso { profile, .. } => {
                        format!("its chain signs in through profile \"{profile}\"")
                    }
                    _ => "its chain starts from access keys or another source, not from a \
                          sign-in"
                        .to_string(),
                }));
            }
            other => {
                return Err(Error::new(
                    format!("profile \"{name}\""),
                    format!(
                        "gets its credentials from {}, not IAM Identity Center",
                        describe_kind(other)
                    ),
                )
                .with_hint(
                    "ssoenv works with profiles that have sso_session (or sso_start_url), \
                     sso_account_id and sso_role_name; `ssoenv list` shows their kinds",
                ));
            }
        };
        Ok(SsoProfile {
            config,
            profile,
            sso,
        })
    }

    pub fn endpoints(&self) -> Result<Endpoints> {
        let configured = ConfiguredEndpoints {
            oidc: self.config.service_endpoint(&self.profile, "sso_oidc"),
            portal: self.config.service_endpoint(&self.profile, "sso"),
        };
        endpoint::resolve(&self.sso.region, &configured)
    }
}

fn describe_kind(kind: &Kind) -> &'static str {
    match kind {
        Kind::StaticKeys => "access keys",
        Kind::CredentialProcess(_) => "credential_process",
        Kind::WebIdentity => "a web identity token",
        Kind::Login(_) => "`aws login` (login_session)",
        _ => "nowhere ssoenv knows (no sso_* settings)",
    }
}
