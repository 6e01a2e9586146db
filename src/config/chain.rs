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

#[cfg(test)]
mod tests {
    use super::*;
    use crate::config::Kind;

    fn config(text: &str, credentials: &str) -> Config {
        Config::from_texts(text, credentials)
    }

    const HUB: &str = "[sso-session corp]\nsso_start_url = https://x\nsso_region = us-east-1\n\
                       [profile hub]\nsso_session = corp\nsso_account_id = 1\nsso_role_name = R\n";

    fn roots(c: &Config, name: &str) -> (Vec<String>, String) {
        let chain = c.resolve_chain(name).unwrap();
        let hops = chain.hops.iter().map(|h| h.profile.clone()).collect();
        (hops, chain.root.profile().to_string())
    }

    #[test]
    fn two_hops_down_to_an_sso_root_with_each_hops_settings() {
        let c = config(
            &format!(
                "{HUB}[profile a]\nrole_arn = arn:a\nsource_profile = b\nregion = eu-west-1\n\
                 mfa_serial = arn:mfa\nduration_seconds = \" 900\"\n\
                 [profile b]\nrole_arn = arn:b\nsource_profile = hub\nexternal_id = x\n\
                 role_session_name = s\nduration_seconds = 1h\n"
            ),
            "",
        );
        let chain = c.resolve_chain("a").unwrap();
        assert!(
            matches!(&chain.root, Root::Sso { profile, sso } if profile == "hub"
            && sso.session.as_deref() == Some("corp"))
        );
        let [a, b] = &chain.hops[..] else {
            panic!("{chain:?}")
        };
        assert_eq!(
            (
                a.role_arn.as_str(),
                a.region.as_deref(),
                a.mfa_serial.as_deref()
            ),
            ("arn:a", Some("eu-west-1"), Some("arn:mfa"))
        );
        // Not an integer to Python's int(): botocore leaves it out.
        assert_eq!((a.duration_seconds, b.duration_seconds), (None, None));
        assert_eq!(
            (b.external_id.as_deref(), b.role_session_name.as_deref()),
            (Some("x"), Some("s"))
        );
        assert!(matches!(c.profile("a").unwrap().kind, Kind::AssumeRole(_)));
    }

    #[test]
    fn static_keys_end_the_chain_even_beside_role_arn() {
        let c = config(
            "[profile a]\nrole_arn = arn:a\nsource_profile = k\n\
             [profile k]\naws_secret_access_key = s\nrole_arn = arn:k\nsource_profile = gone\n\
             [profile c]\nrole_arn = arn:c\nsource_profile = creds\n",
            "[creds]\naws_access_key_id = A\naws_secret_access_key = S\n",
        );
        // Either key ends the chain; a secret alone is then not credentials.
        assert!(
            c.resolve_chain("a")
                .unwrap_err()
                .contains("must have credentials")
        );
        assert_eq!(roots(&c, "c"), (vec!["c".into()], "creds".into()));
        assert!(matches!(
            c.resolve_chain("c").unwrap().root,
            Root::StaticKeys { .. }
        ));
    }

    #[test]
    fn a_profile_may_be_its_own_source_only_with_static_keys() {
        let c = config(
            "[profile s]\nrole_arn = arn:s\nsource_profile = s\naws_access_key_id = A\n\
             aws_secret_access_key = S\n[profile l]\nrole_arn = arn:l\nsource_profile = l\n",
            "",
        );
        assert_eq!(roots(&c, "s"), (vec!["s".into()], "s".into()));
        assert!(c.resolve_chain("l").unwrap_err().contains("loop: l -> l"));
    }

    #[test]
    fn loops_missing_sources_and_conflicts_name_the_chain() {
        let c = config(
            &format!(
                "{HUB}[profile a]\nrole_arn = arn:a\nsource_profile = b\n\
                 [profile b]\nrole_arn = arn:b\nsource_profile = c\n\
                 [profile c]\nrole_arn = arn:c\nsource_profile = a\n\
                 [profile m]\nrole_arn = arn:m\nsource_profile = a2\n\
                 [profile a2]\nrole_arn = arn:a2\nsource_profile = nope\n\
                 [profile both]\nrole_arn = arn:x\nsource_profile = hub\n\
                 credential_source = Environment\n\
                 [profile none]\nrole_arn = arn:x\n\
                 [profile env]\nrole_arn = arn:e\ncredential_source = Environment\n"
            ),
            "",
        );
        assert!(
            c.resolve_chain("b")
                .unwrap_err()
                .contains("b -> c -> a -> b")
        );
        assert!(
            c.resolve_chain("m")
                .unwrap_err()
                .contains("m -> a2 -> nope")
        );
        assert!(
            c.resolve_chain("both")
                .unwrap_err()
                .contains("both source_profile")
        );
        assert!(
            c.resolve_chain("none")
                .unwrap_err()
                .contains("no source_profile")
        );
        assert_eq!(
            c.resolve_chain("env").unwrap().root,
            Root::CredentialSource {
                profile: "env".into(),
                source: "Environment".into()
            }
        );
    }

    #[test]
    fn role_arn_wins_over_sso_settings_and_sso_wins_in_a_source() {
        let c = config(
            &format!(
                "{HUB}[profile both]\nrole_arn = arn:b\nsource_profile = hubkeys\n\
                 sso_session = corp\nsso_account_id = 1\nsso_role_name = R\n\
                 [profile hubkeys]\nsso_session = corp\nsso_account_id = 2\nsso_role_name = R\n\
                 aws_access_key_id = A\naws_secret_access_key = S\n"
            ),
            "",
        );
        assert!(matches!(
            c.profile("both").unwrap().kind,
            Kind::AssumeRole(Chain { root: Root::Sso { ref profile, .. }, .. }) if profile == "hubkeys"
        ));
    }
}
