//! Where the services are: `https://oidc.{region}.amazonaws.com` and
//! `https://portal.sso.{region}.amazonaws.com` (`.amazonaws.com.cn` for `cn-*`), unless the SDKs'
//! endpoint overrides say otherwise.

use std::net::Ipv4Addr;

use crate::error::{Error, Result};

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Endpoints {
    /// Base URL of sso-oidc, no trailing slash.
    pub oidc: String,
    /// Base URL of the portal, no trailing slash.
    pub portal: String,
}

/// Overrides the config file may give for one profile (its `services` section): `sso_oidc` and
/// `sso` `endpoint_url`s.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct ConfiguredEndpoints {
    pub oidc: Option<String>,
    pub portal: Option<String>,
}

/// Resolves the endpoints for `region`. Order, as the SDKs read them: `AWS_ENDPOINT_URL_SSO_OIDC`
/// / `AWS_ENDPOINT_URL_SSO`, then `AWS_ENDPOINT_URL`, then `configured`, then the regional default.
/// `AWS_IGNORE_CONFIGURED_ENDPOINT_URLS=true` skips everything but the default.
/// Refuses a region that is not `[a-z0-9-]+` (it becomes part of a host name) and a plain-http
/// URL whose host is not a loopback address.
pub fn resolve(region: &str, configured: &ConfiguredEndpoints) -> Result<Endpoints> {
    resolve_with(region, configured, &|name| std::env::var(name).ok())
}

const OIDC_VAR: &str = "AWS_ENDPOINT_URL_SSO_OIDC";
const PORTAL_VAR: &str = "AWS_ENDPOINT_URL_SSO";
const GLOBAL_VAR: &str = "AWS_ENDPOINT_URL";
const IGNORE_VAR: &str = "AWS_IGNORE_CONFIGURED_ENDPOINT_URLS";

fn resolve_with(
    region: &str,
    configured: &ConfiguredEndpoints,
    env: &dyn Fn(&str) -> Option<String>,
) -> Result<Endpoints> {
    check_region(region)?;
    let env = |name: &str| env(name).filter(|v| !v.trim().is_empty());
    let ignore = env(IGNORE_VAR).is_some_and(|v| v.trim().eq_ignore_ascii_case("true"));
    let domain = if region.starts_with("cn-") {
        "amazonaws.com.cn"
    } else {
        "amazonaws.com"
    };
    let pick = |var: &str, setting: &str, from_config: Option<&String>, default: String| {
        let chosen = if ignore {
            None
        } else {
            env(var)
                .map(|v| (var.to_owned(), v))
                .or_else(|| env(GLOBAL_VAR).map(|v| (GLOBAL_VAR.to_owned(), v)))
                .or_else(|| {
                    from_config
                        .filter(|v| !v.trim().is_empty())
                        .map(|v| (setting.to_owned(), v.clone()))
                })
        };
        match chosen {
            Some((source, url)) => check_url(&source, &url),
            None => Ok(default),
        }
    };
    Ok(Endpoints {
        oidc: pick(
            OIDC_VAR,
            "endpoint_url for sso_oidc in the profile's services section",
            configured.oidc.as_ref(),
            format!("https://oidc.{region}.{domain}"),
        )?,
        portal: pick(
            PORTAL_VAR,
            "endpoint_url for sso in the profile's services section",
            configured.portal.as_ref(),
            format!("https://portal.sso.{region}.{domain}"),
        )?,
    })
}

const SIGNIN_VAR: &str = "AWS_ENDPOINT_URL_SIGNIN";

/// The console sign-in endpoint (federation): `default`, the partition's, unless
/// `AWS_ENDPOINT_URL_SIGNIN` or `AWS_ENDPOINT_URL` says otherwise (both skipped under
/// `AWS_IGNORE_CONFIGURED_ENDPOINT_URLS=true`), checked as every override is. Also returns the
/// variable that chose it, for the hint after no answer came.
pub fn signin(default: &str) -> Result<(String, Option<&'static str>)> {
    signin_with(default, &|name| std::env::var(name).ok())
}

fn signin_with(
    default: &str,
    env: &dyn Fn(&str) -> Option<String>,
) -> Result<(String, Option<&'static str>)> {
    let env = |name: &str| env(name).filter(|v| !v.trim().is_empty());
    if env(IGNORE_VAR).is_some_and(|v| v.trim().eq_ignore_ascii_case("true")) {
        return Ok((default.to_owned(), None));
    }
    for var in [SIGNIN_VAR, GLOBAL_VAR] {
        if let Some(url) = env(var) {
            return Ok((check_url(var, &url)?, Some(var)));
        }
    }
    Ok((default.to_owned(), None))
}

/// The sign-in service's base URL (`aws login`), as the SDKs' rule set for `signin` builds it:
/// `https://{region}.signin.aws.amazon.com` (`.amazonaws.cn`, `.amazonaws-us-gov.com` in those
/// partitions; `https://signin.{region}.{suffix}` in the isolated ones), unless
/// `AWS_ENDPOINT_URL_SIGNIN`, `AWS_ENDPOINT_URL` or the profile's services section (`configured`)
/// override it, in that order.
pub fn resolve_signin(region: &str, configured: Option<&String>) -> Result<String> {
    resolve_signin_with(region, configured, &|name| std::env::var(name).ok())
}

fn resolve_signin_with(
    region: &str,
    configured: Option<&String>,
    env: &dyn Fn(&str) -> Option<String>,
) -> Result<String> {
    let env = |name: &str| env(name).filter(|v| !v.trim().is_empty());
    let ignore = env(IGNORE_VAR).is_some_and(|v| v.trim().eq_ignore_ascii_case("true"));
    if !ignore {
        let chosen = env(SIGNIN_VAR)
            .map(|v| (SIGNIN_VAR.to_owned(), v))
            .or_else(|| env(GLOBAL_VAR).map(|v| (GLOBAL_VAR.to_owned(), v)))
            .or_else(|| {
                configured.filter(|v| !v.trim().is_empty()).map(|v| {
                    (
                        "endpoint_url for signin in the profile's services section".to_owned(),
                        v.clone(),
                    )
                })
            });
        if let Some((source, url)) = chosen {
            return check_url(&source, &url);
        }
    }
    if !is_region_name(region) {
        return Err(Error::new(
            format!("region {region:?}"),
            "is not an AWS region name (lower-case letters, digits and dashes)",
        )
        .with_hint("check region in the profile, e.g. region = us-east-1"));
    }
    let isolated = [
        ("us-isob-", "sc2s.sgov.gov"),
        ("us-isof-", "csp.hci.ic.gov"),
        ("us-iso-", "c2s.ic.gov"),
        ("eu-isoe-", "cloud.adc-e.uk"),
    ];
    Ok(if region.starts_with("cn-") {
        format!("https://{region}.signin.amazonaws.cn")
    } else if region.starts_with("us-gov-") {
        format!("https://{region}.signin.amazonaws-us-gov.com")
    } else if let Some((_, suffix)) = isolated.iter().find(|(p, _)| region.starts_with(p)) {
        format!("https://signin.{region}.{suffix}")
    } else {
        format!("https://{region}.signin.aws.amazon.com")
    })
}

/// Where STS is for one AssumeRole call, and the region its signature names.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Sts {
    /// Base URL, no trailing slash.
    pub url: String,
    pub signing_region: String,
    /// The variable or setting the URL came from; None for the regional endpoint.
    pub source: Option<String>,
}

const STS_VAR: &str = "AWS_ENDPOINT_URL_STS";
/// botocore signs for `aws-global` (no region) as this region.
const STS_GLOBAL_REGION: &str = "us-east-1";

/// The STS endpoint for `region` (None when neither the profile nor the environment names one).
/// Order, as the SDKs read them: `AWS_ENDPOINT_URL_STS`, `AWS_ENDPOINT_URL`, `configured` (the
/// profile's `services` section, `sts = endpoint_url = …`), then the regional endpoint as the AWS
/// CLI v2 uses it: `https://sts.{region}.{partition's domain}`, or the global
/// `https://sts.amazonaws.com` (signed for us-east-1) when there is no region.
/// `AWS_IGNORE_CONFIGURED_ENDPOINT_URLS=true` skips every override.
pub fn sts(region: Option<&str>, configured: Option<&str>) -> Result<Sts> {
    sts_with(region, configured, &|name| std::env::var(name).ok())
}

fn sts_with(
    region: Option<&str>,
    configured: Option<&str>,
    env: &dyn Fn(&str) -> Option<String>,
) -> Result<Sts> {
    let region = region.map(str::trim).filter(|r| !r.is_empty());
    if let Some(region) = region
        && !is_region_name(region)
    {
        return Err(Error::new(
            format!("region {region:?}"),
            "is not an AWS region name (lower-case letters, digits and dashes)",
        )
        .with_hint("check region in the profile (or AWS_REGION), e.g. region = us-east-1"));
    }
    let env = |name: &str| env(name).filter(|v| !v.trim().is_empty());
    let ignore = env(IGNORE_VAR).is_some_and(|v| v.trim().eq_ignore_ascii_case("true"));
    let chosen = if ignore {
        None
    } else {
        env(STS_VAR)
            .map(|v| (STS_VAR, v))
            .or_else(|| env(GLOBAL_VAR).map(|v| (GLOBAL_VAR, v)))
            .or_else(|| {
                configured.filter(|v| !v.trim().is_empty()).map(|v| {
                    (
                        "endpoint_url for sts in the profile's services section",
                        v.to_owned(),
                    )
                })
            })
    };
    let (url, source) = match (chosen, region) {
        (Some((source, url)), _) => (check_url(source, &url)?, Some(source.to_owned())),
        (None, Some(region)) => (format!("https://sts.{region}.{}", dns_suffix(region)), None),
        (None, None) => ("https://sts.amazonaws.com".to_owned(), None),
    };
    Ok(Sts {
        url,
        signing_region: region.unwrap_or(STS_GLOBAL_REGION).to_owned(),
        source,
    })
}

/// The domain of `region`'s partition, by the region patterns of botocore's `partitions.json`;
/// any other name is taken to be in the commercial partition, as botocore does.
fn dns_suffix(region: &str) -> &'static str {
    const PARTITIONS: [(&str, &str); 6] = [
        ("cn-", "amazonaws.com.cn"),
        ("eusc-", "amazonaws.eu"),
        ("us-iso-", "c2s.ic.gov"),
        ("us-isob-", "sc2s.sgov.gov"),
        ("eu-isoe-", "cloud.adc-e.uk"),
        ("us-isof-", "csp.hci.ic.gov"),
    ];
    PARTITIONS
        .iter()
        .find(|(prefix, _)| region.starts_with(prefix))
        .map_or("amazonaws.com", |(_, domain)| domain)
}

/// Which override sent a request to `url` (as errors show it: no query, no user name), when one
/// did: `AWS_ENDPOINT_URL=http://127.0.0.1:9`, or the profile's services section. None when
/// `url` is `region`'s own endpoint. For the hint after no answer came: a test server that has
/// stopped leaves its variables behind, and the region is then not what to check.
pub fn override_behind(url: &str, region: &str) -> Option<String> {
    override_behind_with(url, region, &|name| std::env::var(name).ok())
}

fn override_behind_with(
    url: &str,
    region: &str,
    env: &dyn Fn(&str) -> Option<String>,
) -> Option<String> {
    let domain = if region.starts_with("cn-") {
        "amazonaws.com.cn"
    } else {
        "amazonaws.com"
    };
    let under = |base: &str| {
        let base = url_for_errors(base.trim().trim_end_matches('/'));
        url == base || url.starts_with(&format!("{base}/"))
    };
    if under(&format!("https://oidc.{region}.{domain}"))
        || under(&format!("https://portal.sso.{region}.{domain}"))
    {
        return None;
    }
    [OIDC_VAR, PORTAL_VAR, GLOBAL_VAR]
        .into_iter()
        .find_map(|var| {
            let value = env(var).filter(|v| !v.trim().is_empty() && under(v))?;
            let shown = url_for_errors(value.trim().trim_end_matches('/'));
            Some(format!("{var}={shown}"))
        })
        .or_else(|| Some("an endpoint_url in the profile's services section".into()))
}

/// A URL as errors show it: drops the query and fragment (account ids, page tokens) and any `user:password@`.
pub(crate) fn url_for_errors(url: &str) -> String {
    let end = url.find(['?', '#']).unwrap_or(url.len());
    let url = url.get(..end).unwrap_or(url);
    let Some((scheme, rest)) = url.split_once("://") else {
        return url.to_owned();
    };
    let (authority, path) = rest.split_at(rest.find('/').unwrap_or(rest.len()));
    let host = authority.rsplit('@').next().unwrap_or(authority);
    format!("{scheme}://{host}{path}")
}

/// `[a-z0-9-]+`: a region becomes part of a host name, so nothing else may pass.
pub fn is_region_name(region: &str) -> bool {
    !region.is_empty()
        && region
            .bytes()
            .all(|b| b.is_ascii_lowercase() || b.is_ascii_digit() || b == b'-')
}

fn check_region(region: &str) -> Result<()> {
    if is_region_name(region) {
        Ok(())
    } else {
        Err(Error::new(
            format!("region {region:?}"),
            "is not an AWS region name (lower-case letters, digits and dashes)",
        )
        .with_hint("check sso_region in the profile or sso-session, e.g. sso_region = us-east-1"))
    }
}

/// `source` is the variable or setting the URL came from, so that the error says where to look.
fn check_url(source: &str, url: &str) -> Result<String> {
    let url = url.trim();
    let fail = |why: &str| {
        Error::new(source, why).with_hint(
            "use an https:// URL, or http:// to localhost, 127.0.0.1 or [::1] for a local test server",
        )
    };
    let lower = url.to_ascii_lowercase();
    let (secure, rest) = if lower.starts_with("https://") {
        (true, url.get(8..).unwrap_or_default())
    } else if lower.starts_with("http://") {
        (false, url.get(7..).unwrap_or_default())
    } else {
        return Err(fail(&format!("{url:?} is not an http(s) URL")));
    };
    if url.chars().any(|c| c.is_whitespace() || c.is_control()) {
        return Err(fail("the URL contains white space"));
    }
    // Paths are appended to the base, which a query or fragment would swallow.
    if url.contains(['?', '#']) {
        return Err(fail("the URL must not have a query or fragment"));
    }
    let authority = rest.split('/').next().unwrap_or_default();
    let host_port = authority.rsplit('@').next().unwrap_or_default();
    let host = if host_port.starts_with('[') {
        host_port.find(']').and_then(|end| host_port.get(..=end))
    } else {
        host_port.split(':').next()
    }
    .unwrap_or_default();
    if host.is_empty() {
        return Err(fail("the URL has no host"));
    }
    if !secure && !is_loopback(host) {
        return Err(fail("plain http is allowed only to a loopback address"));
    }
    Ok(url.trim_end_matches('/').to_owned())
}

fn is_loopback(host: &str) -> bool {
    host.eq_ignore_ascii_case("localhost")
        || host == "[::1]"
        || host.parse::<Ipv4Addr>().is_ok_and(|ip| ip.is_loopback())
}

#[cfg(test)]
mod tests {
    use super::*;

    fn resolve_env(
        region: &str,
        configured: &ConfiguredEndpoints,
        vars: &[(&str, &str)],
    ) -> Result<Endpoints> {
        let vars: Vec<(String, String)> = vars
            .iter()
            .map(|(k, v)| (k.to_string(), v.to_string()))
            .collect();
        resolve_with(region, configured, &move |name| {
            vars.iter().find(|(k, _)| k == name).map(|(_, v)| v.clone())
        })
    }

    fn none() -> ConfiguredEndpoints {
        ConfiguredEndpoints::default()
    }

    #[test]
    fn signin_endpoints_follow_the_rule_set_and_the_overrides() {
        let no_env = |_: &str| None;
        let at = |r: &str| resolve_signin_with(r, None, &no_env).unwrap();
        assert_eq!(at("us-east-1"), "https://us-east-1.signin.aws.amazon.com");
        assert_eq!(at("cn-north-1"), "https://cn-north-1.signin.amazonaws.cn");
        assert_eq!(
            at("us-gov-west-1"),
            "https://us-gov-west-1.signin.amazonaws-us-gov.com"
        );
        assert_eq!(
            at("us-iso-east-1"),
            "https://signin.us-iso-east-1.c2s.ic.gov"
        );
        assert!(resolve_signin_with("a/b", None, &no_env).is_err());
        let configured = "https://conf.example/".to_string();
        let env = |name: &str| match name {
            GLOBAL_VAR => Some("http://127.0.0.1:9".to_string()),
            _ => None,
        };
        assert_eq!(
            resolve_signin_with("us-east-1", Some(&configured), &env).unwrap(),
            "http://127.0.0.1:9"
        );
        assert_eq!(
            resolve_signin_with("us-east-1", Some(&configured), &no_env).unwrap(),
            "https://conf.example"
        );
        let both = |name: &str| match name {
            SIGNIN_VAR => Some("http://localhost:8".to_string()),
            GLOBAL_VAR => Some("http://127.0.0.1:9".to_string()),
            _ => None,
        };
        assert_eq!(
            resolve_signin_with("us-east-1", None, &both).unwrap(),
            "http://localhost:8"
        );
    }

    #[test]
    fn the_override_behind_a_url_is_named() {
        let vars = |pairs: &'static [(&'static str, &'static str)]| {
            move |name: &str| {
                pairs
                    .iter()
                    .find(|(k, _)| *k == name)
                    .map(|(_, v)| v.to_string())
            }
        };
        let global = vars(&[(GLOBAL_VAR, "http://user:pw@127.0.0.1:9/ ")]);
        assert_eq!(
            override_behind_with("http://127.0.0.1:9/token", "eu-west-1", &global).as_deref(),
            Some("AWS_ENDPOINT_URL=http://127.0.0.1:9")
        );
        let portal = vars(&[
            (GLOBAL_VAR, "http://127.0.0.1:9"),
            (PORTAL_VAR, "https://p.example"),
        ]);
        assert_eq!(
            override_behind_with(
                "https://p.example/federation/credentials",
                "eu-west-1",
                &portal
            )
            .as_deref(),
            Some("AWS_ENDPOINT_URL_SSO=https://p.example")
        );
        let none = vars(&[]);
        let section = override_behind_with("https://cfg.example/token", "eu-west-1", &none);
        assert!(section.unwrap().contains("services section"));
        for url in [
            "https://oidc.eu-west-1.amazonaws.com/token",
            "https://portal.sso.cn-north-1.amazonaws.com.cn/logout",
        ] {
            let region = if url.contains("cn-") {
                "cn-north-1"
            } else {
                "eu-west-1"
            };
            assert_eq!(override_behind_with(url, region, &global), None, "{url}");
        }
    }

    #[test]
    fn the_signin_endpoint_and_its_overrides() {
        let env = |pairs: &'static [(&'static str, &'static str)]| {
            move |name: &str| {
                pairs
                    .iter()
                    .find(|(k, _)| *k == name)
                    .map(|(_, v)| v.to_string())
            }
        };
        let default = "https://signin.aws.amazon.com";
        let got = |pairs| signin_with(default, &env(pairs));
        assert_eq!(got(&[]).unwrap(), (default.to_owned(), None));
        assert_eq!(
            got(&[
                (GLOBAL_VAR, "http://127.0.0.1:9/"),
                (SIGNIN_VAR, "http://[::1]:8/")
            ])
            .unwrap(),
            ("http://[::1]:8".to_owned(), Some(SIGNIN_VAR))
        );
        assert_eq!(
            got(&[(GLOBAL_VAR, "http://127.0.0.1:9/"), (SIGNIN_VAR, " ")]).unwrap(),
            ("http://127.0.0.1:9".to_owned(), Some(GLOBAL_VAR))
        );
        assert_eq!(
            got(&[(SIGNIN_VAR, "http://127.0.0.1:9"), (IGNORE_VAR, "true")]).unwrap(),
            (default.to_owned(), None)
        );
        let e = got(&[(SIGNIN_VAR, "http://signin.example")]).unwrap_err();
        assert_eq!(
            e.to_string(),
            "AWS_ENDPOINT_URL_SIGNIN: plain http is allowed only to a loopback address"
        );
        assert!(got(&[(SIGNIN_VAR, "https://h/federation?x")]).is_err());
    }

    #[test]
    fn regional_defaults() {
        let e = resolve_env("eu-west-1", &none(), &[]).unwrap();
        assert_eq!(e.oidc, "https://oidc.eu-west-1.amazonaws.com");
        assert_eq!(e.portal, "https://portal.sso.eu-west-1.amazonaws.com");
        let e = resolve_env("cn-north-1", &none(), &[]).unwrap();
        assert_eq!(e.oidc, "https://oidc.cn-north-1.amazonaws.com.cn");
        assert_eq!(e.portal, "https://portal.sso.cn-north-1.amazonaws.com.cn");
    }

    #[test]
    fn override_order() {
        let configured = ConfiguredEndpoints {
            oidc: Some("https://cfg-oidc.example/".into()),
            portal: Some("https://cfg-portal.example".into()),
        };
        let e = resolve_env("us-east-1", &configured, &[]).unwrap();
        assert_eq!(e.oidc, "https://cfg-oidc.example");
        assert_eq!(e.portal, "https://cfg-portal.example");

        let global = [(GLOBAL_VAR, "http://127.0.0.1:9000/")];
        let e = resolve_env("us-east-1", &configured, &global).unwrap();
        assert_eq!(e.oidc, "http://127.0.0.1:9000");
        assert_eq!(e.portal, "http://127.0.0.1:9000");

        let all = [
            (GLOBAL_VAR, "http://127.0.0.1:9000"),
            (OIDC_VAR, "http://localhost:1/oidc/"),
            (PORTAL_VAR, "https://portal.example"),
        ];
        let e = resolve_env("us-east-1", &configured, &all).unwrap();
        assert_eq!(e.oidc, "http://localhost:1/oidc");
        assert_eq!(e.portal, "https://portal.example");

        let empty = [(OIDC_VAR, ""), (GLOBAL_VAR, "")];
        let e = resolve_env("us-east-1", &configured, &empty).unwrap();
        assert_eq!(e.oidc, "https://cfg-oidc.example");
    }

    #[test]
    fn ignore_switch_restores_defaults() {
        let configured = ConfiguredEndpoints {
            oidc: Some("https://cfg.example".into()),
            portal: None,
        };
        let vars = [(IGNORE_VAR, "TRUE"), (GLOBAL_VAR, "http://evil.example")];
        let e = resolve_env("us-east-2", &configured, &vars).unwrap();
        assert_eq!(e.oidc, "https://oidc.us-east-2.amazonaws.com");
        assert_eq!(e.portal, "https://portal.sso.us-east-2.amazonaws.com");
        let vars = [(IGNORE_VAR, "false"), (GLOBAL_VAR, "https://x.example")];
        assert_eq!(
            resolve_env("us-east-2", &none(), &vars).unwrap().oidc,
            "https://x.example"
        );
    }

    #[test]
    fn plain_http_only_to_loopback() {
        for ok in [
            "http://localhost:8080",
            "http://127.0.0.1",
            "http://127.9.9.9:1/x",
            "http://[::1]:4000",
            "HTTP://LOCALHOST",
        ] {
            assert!(
                resolve_env("us-east-1", &none(), &[(PORTAL_VAR, ok)]).is_ok(),
                "{ok}"
            );
        }
        for bad in [
            "http://example.com",
            "http://10.0.0.1",
            "http://localhost.evil.com",
            "http://127.0.0.1.evil.com",
            "http://127.0.0.1@evil.com",
            "http://[::2]",
        ] {
            let e = resolve_env("us-east-1", &none(), &[(PORTAL_VAR, bad)]).unwrap_err();
            assert_eq!(
                e.to_string(),
                "AWS_ENDPOINT_URL_SSO: plain http is allowed only to a loopback address",
                "{bad}"
            );
        }
        let e = resolve_env("us-east-1", &none(), &[(GLOBAL_VAR, "ftp://x")]).unwrap_err();
        assert!(e.to_string().starts_with("AWS_ENDPOINT_URL: "), "{e}");
        for bad in ["https://", "https://h/?q", "https://h/ x"] {
            assert!(
                resolve_env("us-east-1", &none(), &[(OIDC_VAR, bad)]).is_err(),
                "{bad}"
            );
        }
        let configured = ConfiguredEndpoints {
            oidc: None,
            portal: Some("http://portal.example".into()),
        };
        let e = resolve_env("us-east-1", &configured, &[]).unwrap_err();
        assert!(e.what.contains("services"), "{e}");
    }

    #[test]
    fn sts_endpoints_as_botocore_resolves_them() {
        let sts = |region: Option<&str>, configured: Option<&str>, vars: &[(&str, &str)]| {
            let vars: Vec<(String, String)> = vars
                .iter()
                .map(|(k, v)| (k.to_string(), v.to_string()))
                .collect();
            sts_with(region, configured, &move |name| {
                vars.iter().find(|(k, _)| k == name).map(|(_, v)| v.clone())
            })
        };
        // What botocore 1.43 resolves for each (create_client("sts", region_name=...)).
        for (region, url) in [
            ("eu-west-1", "https://sts.eu-west-1.amazonaws.com"),
            ("us-gov-west-1", "https://sts.us-gov-west-1.amazonaws.com"),
            ("cn-north-1", "https://sts.cn-north-1.amazonaws.com.cn"),
            ("us-iso-east-1", "https://sts.us-iso-east-1.c2s.ic.gov"),
            ("us-isob-east-1", "https://sts.us-isob-east-1.sc2s.sgov.gov"),
            (
                "eu-isoe-west-1",
                "https://sts.eu-isoe-west-1.cloud.adc-e.uk",
            ),
            (
                "us-isof-south-1",
                "https://sts.us-isof-south-1.csp.hci.ic.gov",
            ),
            ("eusc-de-east-1", "https://sts.eusc-de-east-1.amazonaws.eu"),
            ("xx-new-1", "https://sts.xx-new-1.amazonaws.com"),
        ] {
            let e = sts(Some(region), None, &[]).unwrap();
            assert_eq!((e.url.as_str(), e.signing_region.as_str()), (url, region));
            assert_eq!(e.source, None);
        }
        let global = sts(None, None, &[]).unwrap();
        assert_eq!(global.url, "https://sts.amazonaws.com");
        assert_eq!(global.signing_region, "us-east-1");

        let configured = Some("https://cfg-sts.example/");
        let e = sts(Some("eu-west-1"), configured, &[]).unwrap();
        assert_eq!(e.url, "https://cfg-sts.example");
        assert!(e.source.unwrap().contains("services section"));
        let e = sts(
            Some("eu-west-1"),
            configured,
            &[(GLOBAL_VAR, "http://127.0.0.1:9")],
        )
        .unwrap();
        assert_eq!(
            (e.url.as_str(), e.source.as_deref()),
            ("http://127.0.0.1:9", Some(GLOBAL_VAR))
        );
        let both = [
            (GLOBAL_VAR, "http://127.0.0.1:9"),
            (STS_VAR, "http://[::1]:7/"),
        ];
        let e = sts(Some("eu-west-1"), configured, &both).unwrap();
        assert_eq!(
            (e.url.as_str(), e.signing_region.as_str()),
            ("http://[::1]:7", "eu-west-1")
        );
        let ignored = [(IGNORE_VAR, "true"), (STS_VAR, "http://127.0.0.1:7")];
        let e = sts(Some("eu-west-1"), configured, &ignored).unwrap();
        assert_eq!(e.url, "https://sts.eu-west-1.amazonaws.com");
        assert!(sts(Some("eu-west-1"), None, &[(STS_VAR, "http://sts.example")]).is_err());
        assert!(sts(Some("EU/1"), None, &[]).is_err());
        assert_eq!(
            sts(Some(" "), None, &[]).unwrap().url,
            "https://sts.amazonaws.com"
        );
    }

    #[test]
    fn bad_regions() {
        for bad in [
            "",
            "US-EAST-1",
            "us-east-1.evil.com",
            "us east",
            "eu/1",
            "ü",
        ] {
            let e = resolve_env(bad, &none(), &[]).unwrap_err();
            assert!(e.what.contains(&format!("{bad:?}")), "{e}");
            assert!(e.hint.as_deref().unwrap_or("").contains("sso_region"));
        }
    }
}
