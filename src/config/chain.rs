//! Role chaining: a `role_arn` profile followed through its `source_profile`s down to the profile
//! whose credentials start the chain, by botocore's rules (`AssumeRoleProvider` in
//! botocore/credentials.py), so that ssoenv and the AWS CLI assume the same roles from the same
//! root or refuse the same profile.

use super::{Config, Settings, Sso};

/// The roles assumed, outermost (the profile asked for) first, and where the first one's
/// credentials come from.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Chain {
    pub hops: Vec<Hop>,
    pub root: Root,
}

/// One AssumeRole call, with the settings of the profile that asks for it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Hop {
    pub profile: String,
    pub role_arn: String,
    pub role_session_name: Option<String>,
    pub external_id: Option<String>,
    /// None when unset or not an integer: botocore then leaves it out of the call.
    pub duration_seconds: Option<i64>,
    pub mfa_serial: Option<String>,
    pub region: Option<String>,
}

/// Where a chain's credentials start.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Root {
    Sso {
        profile: String,
        sso: Sso,
    },
    /// Access keys in the config or credentials file.
    StaticKeys {
        profile: String,
    },
    CredentialProcess {
        profile: String,
    },
    WebIdentity {
        profile: String,
    },
    /// `credential_source` (Environment, Ec2InstanceMetadata, EcsContainer) of the last hop.
    CredentialSource {
        profile: String,
        source: String,
    },
}

impl Root {
    pub fn profile(&self) -> &str {
        match self {
            Root::Sso { profile, .. }
            | Root::StaticKeys { profile }
            | Root::CredentialProcess { profile }
            | Root::WebIdentity { profile }
            | Root::CredentialSource { profile, .. } => profile,
        }
    }

    /// What the root is, for people.
    pub fn describe(&self) -> String {
        match self {
            Root::Sso { profile, .. } => format!("profile {profile} (IAM Identity Center)"),
            Root::StaticKeys { profile } => format!("profile {profile} (access keys)"),
            Root::CredentialProcess { profile } => {
                format!("profile {profile} (credential_process)")
            }
            Root::WebIdentity { profile } => format!("profile {profile} (web identity token)"),
            Root::CredentialSource { source, .. } => format!("credential_source {source}"),
        }
    }
}

/// botocore's `_has_static_credentials`: either key is enough to end a chain.
fn has_static_credentials(settings: &Settings) -> bool {
    settings.contains("aws_access_key_id") || settings.contains("aws_secret_access_key")
}

/// botocore's `_has_assume_role_config_vars`.
fn assumes_role(settings: &Settings) -> bool {
    settings.contains("role_arn") && !settings.contains("web_identity_token_file")
}

fn hop(profile: &str, settings: &Settings) -> Hop {
    let text = |key: &str| settings.get(key).map(str::to_string);
    Hop {
        profile: profile.to_string(),
        role_arn: text("role_arn").unwrap_or_default(),
        role_session_name: text("role_session_name"),
        external_id: text("external_id"),
        // Python's int() takes surrounding white space.
        duration_seconds: settings
            .get("duration_seconds")
            .and_then(|s| s.trim().parse().ok()),
        mfa_serial: text("mfa_serial"),
        region: text("region"),
    }
}

fn names(visited: &[&str]) -> String {
    visited.join(" -> ")
}

impl Config {
    /// The chain of the role_arn profile `top` (which must exist), or why botocore refuses it.
    pub fn resolve_chain(&self, top: &str) -> Result<Chain, String> {
        let mut visited: Vec<&str> = vec![top];
        let mut hops = Vec::new();
        let mut current = top;
        loop {
            let settings = self
                .settings(current)
                .ok_or_else(|| format!("profile \"{current}\" does not exist"))?;
            let source_profile = settings.get("source_profile");
            let credential_source = settings.get("credential_source");
            let (source, source_settings) = match (source_profile, credential_source) {
                (Some(_), Some(_)) => {
                    return Err(format!(
                        "profile \"{current}\" has both source_profile and credential_source \
                         (chain {}); keep one",
                        names(&visited)
                    ));
                }
                (None, None) => {
                    return Err(format!(
                        "profile \"{current}\" has role_arn but no source_profile or \
                         credential_source (chain {})",
                        names(&visited)
                    ));
                }
                (None, Some(source)) => {
                    hops.push(hop(current, settings));
                    return Ok(Chain {
                        hops,
                        root: Root::CredentialSource {
                            profile: current.to_string(),
                            source: source.to_string(),
                        },
                    });
                }
                (Some(source), None) => match self.settings(source) {
                    None => {
                        return Err(format!(
                            "the source_profile \"{source}\" of profile \"{current}\" does not \
                             exist (chain {} -> {source})",
                            names(&visited)
                        ));
                    }
                    Some(s) => (source, s),
                },
            };
            // A profile may name itself only to take its own static keys.
            if visited.contains(&source)
                && (source != current || !has_static_credentials(source_settings))
            {
                visited.push(source);
                return Err(format!(
                    "source_profile makes a loop: {} (each profile's source_profile names the \
                     next)",
                    names(&visited)
                ));
            }
            hops.push(hop(current, settings));
            visited.push(source);
            if has_static_credentials(source_settings) || !assumes_role(source_settings) {
                let root = self.source_root(source, source_settings, &visited)?;
                return Ok(Chain { hops, root });
            }
            current = source;
        }
    }

    /// The source profile's own credentials, tried in the order of botocore's
    /// `ProfileProviderBuilder.providers`.
    fn source_root(
        &self,
        name: &str,
        settings: &Settings,
        visited: &[&str],
    ) -> Result<Root, String> {
        let profile = name.to_string();
        if settings.contains("role_arn") && settings.contains("web_identity_token_file") {
            return Ok(Root::WebIdentity { profile });
        }
        if let Some(sso) = self.resolve_sso(name, settings)? {
            return Ok(Root::Sso { profile, sso });
        }
        if settings.contains("aws_access_key_id") {
            return Ok(Root::StaticKeys { profile });
        }
        if settings.contains("credential_process") {
            return Ok(Root::CredentialProcess { profile });
        }
        Err(format!(
            "the source profile \"{name}\" must have credentials: access keys, IAM Identity \
             Center settings or credential_process (chain {})",
            names(visited)
        ))
    }
}
