//! Where an IAM Identity Center instance lives, from its start URL, as the AWS CLI v2 finds it
//! for `aws configure sso`: an access portal on `*.portal.REGION.app.aws` names its region in
//! its host; any other start URL (`https://NAME.awsapps.com/start`, a company's alias) redirects
//! there, so its redirects are followed until a host names the region.

use crate::sso::http::Http;

/// Redirects followed at most: the portal's alias answers with one or two.
const MAX_HOPS: usize = 5;

/// The region a portal host names: `REGION` in `https://ANYTHING.portal.REGION.app.aws/...`.
pub fn region_of(url: &str) -> Option<String> {
    let (_, host, _) = split(url)?;
    let host = host.strip_suffix(".app.aws")?;
    let (prefix, region) = host.rsplit_once('.')?;
    let instance = prefix.strip_suffix(".portal")?;
    (!instance.is_empty() && crate::sso::endpoint::is_region_name(region))
        .then(|| region.to_string())
}

/// What a start URL's redirects said: the region, and the URL that named it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Found {
    pub region: String,
    pub portal: String,
}

/// The region of the instance behind `start_url`: from the URL itself, else from the first
/// redirect target whose host names one. Each hop is requested only when it is https (or plain
/// http to this machine, where tests serve). Ok(None): the redirects ended without naming one.
pub fn find_region(http: &Http, start_url: &str) -> Result<Option<Found>, String> {
    let mut url = start_url.to_string();
    for _ in 0..=MAX_HOPS {
        if let Some(region) = region_of(&url) {
            return Ok(Some(Found {
                region,
                portal: url,
            }));
        }
        if !may_request(&url) {
            return Err(format!(
                "a redirect led to {url}, which is neither https nor this machine"
            ));
        }
        match http.redirect(&url).map_err(|e| e.to_string())? {
            Some(next) => url = join(&url, &next),
            None => return Ok(None),
        }
    }
    Err(format!("more than {MAX_HOPS} redirects from {start_url}"))
}

/// `(scheme, host, rest)` of an absolute URL; the host without a port or user.
fn split(url: &str) -> Option<(&str, &str, &str)> {
    let (scheme, after) = url.split_once("://")?;
    let end = after.find(['/', '?', '#']).unwrap_or(after.len());
    let (authority, rest) = after.split_at(end);
    let host = authority.rsplit('@').next()?;
    let host = match host.strip_prefix('[') {
        Some(v6) => v6.split(']').next()?,
        None => host.split(':').next()?,
    };
    (!host.is_empty()).then_some((scheme, host, rest))
}

fn may_request(url: &str) -> bool {
    match split(url) {
        Some(("https", _, _)) => true,
        Some(("http", host, _)) => {
            host == "localhost"
                || host
                    .parse::<std::net::IpAddr>()
                    .is_ok_and(|ip| ip.is_loopback())
        }
        _ => false,
    }
}

/// `location` as an absolute URL: as it is, or on `base`'s scheme and authority.
fn join(base: &str, location: &str) -> String {
    let location = location.trim();
    if location.contains("://") {
        return location.to_string();
    }
    let (scheme, after) = base.split_once("://").unwrap_or(("https", base));
    let authority = after.split(['/', '?', '#']).next().unwrap_or_default();
    match location.strip_prefix("//") {
        Some(rest) => format!("{scheme}://{rest}"),
        None if location.starts_with('/') => format!("{scheme}://{authority}{location}"),
        None => format!("{scheme}://{authority}/{location}"),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_portal_host_names_its_region() {
        for (url, want) in [
            (
                "https://ssoins-7223a1b2c3d4e5f6.portal.eu-west-3.app.aws",
                Some("eu-west-3"),
            ),
            (
                "https://ssoins-1.portal.us-gov-west-1.app.aws/#/",
                Some("us-gov-west-1"),
            ),
            (
                "https://corp.portal.ap-southeast-2.app.aws:443/start?x=1",
                Some("ap-southeast-2"),
            ),
            ("https://d-1234567890.awsapps.com/start", None),
            ("https://portal.eu-west-1.app.aws/", None),
            ("https://x.portal.EU_WEST.app.aws/", None),
            ("https://x.portal.eu-west-1.app.aws.evil.example/", None),
            ("https://evil.example/x.portal.eu-west-1.app.aws", None),
            ("not a url", None),
        ] {
            assert_eq!(region_of(url).as_deref(), want, "{url}");
        }
    }

    #[test]
    fn only_https_or_loopback_is_requested() {
        assert!(may_request("https://corp.awsapps.com/start"));
        assert!(may_request("http://127.0.0.1:8080/start"));
        assert!(may_request("http://[::1]:8080/start"));
        assert!(may_request("http://localhost/start"));
        assert!(!may_request("http://corp.awsapps.com/start"));
        assert!(!may_request("http://127.0.0.1.evil.example/"));
        assert!(!may_request("file:///etc/passwd"));
    }

    #[test]
    fn relative_redirects_stay_on_their_host() {
        let base = "https://corp.awsapps.com/start";
        assert_eq!(join(base, "/start/"), "https://corp.awsapps.com/start/");
        assert_eq!(join(base, "//x.example/a"), "https://x.example/a");
        assert_eq!(
            join(base, "https://y.portal.eu-west-1.app.aws/"),
            "https://y.portal.eu-west-1.app.aws/"
        );
    }
}
