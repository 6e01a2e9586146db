//! The AWS console as a profile: which partition a region belongs to, where that partition's
//! console and sign-in endpoint are, which console page to open, and the one-time sign-in URL
//! for live credentials (the federation flow, `sso::federation`). All but `sign_in_url` is pure.

use crate::activate::Resolved;
use crate::context::Context;
use crate::error::{Error, Result};
use crate::sso::{Call, endpoint, federation};

/// Where a console session opens when neither a flag nor the profile names a region.
pub const DEFAULT_REGION: &str = "us-east-1";

/// The AWS partitions that have a public console.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Partition {
    Aws,
    China,
    GovCloud,
}

impl Partition {
    /// The partition of `region`, as the SDKs' partition table matches it: `cn-*` is aws-cn,
    /// `us-gov-*` aws-us-gov; the isolated partitions (`us-iso-*`, `us-isob-*`, `eu-isoe-*`, ...)
    /// have no console reachable from here.
    pub fn of(region: &str) -> Result<Partition> {
        if region.starts_with("cn-") {
            return Ok(Partition::China);
        }
        if region.starts_with("us-gov-") {
            return Ok(Partition::GovCloud);
        }
        if region
            .split('-')
            .nth(1)
            .is_some_and(|p| p.starts_with("iso"))
        {
            return Err(Error::new(
                format!("region {region}"),
                "is in an isolated partition, whose console ssoenv cannot sign in to",
            )
            .with_hint("give a region of the aws, aws-cn or aws-us-gov partition with --region"));
        }
        Ok(Partition::Aws)
    }

    pub fn name(self) -> &'static str {
        match self {
            Partition::Aws => "aws",
            Partition::China => "aws-cn",
            Partition::GovCloud => "aws-us-gov",
        }
    }

    /// The sign-in endpoint that federates credentials of this partition.
    pub fn signin(self) -> &'static str {
        match self {
            Partition::Aws => "https://signin.aws.amazon.com",
            Partition::China => "https://signin.amazonaws.cn",
            Partition::GovCloud => "https://signin.amazonaws-us-gov.com",
        }
    }

    /// The console's domain: pages live on it and on its subdomains (`eu-west-1.`, `s3.`).
    pub fn console_domain(self) -> &'static str {
        match self {
            Partition::Aws => "console.aws.amazon.com",
            Partition::China => "console.amazonaws.cn",
            Partition::GovCloud => "console.amazonaws-us-gov.com",
        }
    }

    /// The partition whose console serves `host`, if any.
    fn serving(host: &str) -> Option<Partition> {
        [Partition::Aws, Partition::China, Partition::GovCloud]
            .into_iter()
            .find(|p| {
                let domain = p.console_domain();
                host == domain
                    || host
                        .strip_suffix(domain)
                        .is_some_and(|sub| sub.ends_with('.') && sub.len() > 1)
            })
    }
}

/// Which console page to open.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Page {
    /// The console home of the region.
    Home,
    /// A service's page, by the name the console (or a common abbreviation) gives it.
    Service(String),
    /// An explicit https URL on a console host.
    Url(String),
}

/// Short names people type, and services whose console path is not `{name}/home`. Any other
/// name opens `/{name}/home`, which is where most services live.
const SERVICES: &[(&str, &str)] = &[
    ("apigw", "apigateway/home"),
    ("cfn", "cloudformation/home"),
    ("ct", "cloudtrail/home"),
    ("cw", "cloudwatch/home"),
    ("ddb", "dynamodbv2/home"),
    ("dynamodb", "dynamodbv2/home"),
    ("eventbridge", "events/home"),
    ("identitycenter", "singlesignon/home"),
    ("organizations", "organizations/v2/home"),
    ("orgs", "organizations/v2/home"),
    ("r53", "route53/v2/home"),
    ("route53", "route53/v2/home"),
    ("sfn", "states/home"),
    ("sm", "secretsmanager/home"),
    ("ssm", "systems-manager/home"),
    ("sso", "singlesignon/home"),
    ("stepfunctions", "states/home"),
];

/// A `--service` name, checked: it becomes part of a URL path. Case does not matter.
pub fn service_name(name: &str) -> Result<String> {
    let lower = name.trim().to_ascii_lowercase();
    let ok = !lower.is_empty()
        && lower.len() <= 64
        && lower
            .bytes()
            .all(|b| b.is_ascii_lowercase() || b.is_ascii_digit() || b == b'-')
        && !lower.starts_with('-');
    if ok {
        Ok(lower)
    } else {
        Err(Error::usage(
            "--service",
            format!("{name:?} is not a service name (letters, digits and dashes, e.g. s3, ec2)"),
        ))
    }
}

/// A `--destination`, checked before anything else happens: an https URL on the console of one
/// of the partitions (returned, so that its region can be checked against it later). Anything
/// else would make the sign-in link send the person, signed in, somewhere that is not the console.
pub fn check_destination(url: &str) -> Result<Partition> {
    let refuse = |why: &str| {
        Error::usage("--destination", format!("{url:?} {why}")).with_hint(
            "give a page of the AWS console, e.g. \
             https://eu-west-1.console.aws.amazon.com/ec2/home?region=eu-west-1, or use --service",
        )
    };
    if let Err(why) = crate::browser::check_url(url) {
        return Err(refuse(&format!("cannot be opened: {why}")));
    }
    let uri: ureq::http::Uri = url.parse().map_err(|_| refuse("is not a URL"))?;
    if !uri
        .scheme_str()
        .is_some_and(|s| s.eq_ignore_ascii_case("https"))
    {
        return Err(refuse("is not an https URL"));
    }
    let Some(authority) = uri.authority() else {
        return Err(refuse("has no host"));
    };
    if authority.port().is_some() {
        return Err(refuse("names a port; the console has none"));
    }
    let host = authority.host().to_ascii_lowercase();
    Partition::serving(&host).ok_or_else(|| {
        refuse(
            "is not on an AWS console host (console.aws.amazon.com, console.amazonaws.cn, \
             console.amazonaws-us-gov.com, or one of their subdomains)",
        )
    })
}

/// The console URL to land on: `https://{region}.{console}/console/home?region={region}`, a
/// service's page on the same host, or the checked `--destination`, which must be on the
/// console of `region`'s partition.
pub fn destination(region: &str, page: &Page) -> Result<String> {
    let partition = Partition::of(region)?;
    let host = format!("{region}.{}", partition.console_domain());
    match page {
        Page::Home => Ok(format!("https://{host}/console/home?region={region}")),
        Page::Service(name) => {
            let name = service_name(name)?;
            let path = SERVICES
                .iter()
                .find(|(alias, _)| *alias == name)
                .map_or_else(|| format!("{name}/home"), |(_, path)| (*path).to_owned());
            Ok(format!("https://{host}/{path}?region={region}"))
        }
        Page::Url(url) => {
            let on = check_destination(url)?;
            if on != partition {
                return Err(Error::usage(
                    "--destination",
                    format!(
                        "the page is on the {} console, but region {region} is in the {} \
                         partition",
                        on.name(),
                        partition.name()
                    ),
                )
                .with_hint("give --region a region of the page's partition"));
            }
            Ok(url.clone())
        }
    }
}

/// The region to open and whether it was chosen for lack of one: `flag`, else the profile's
/// `region`, else `DEFAULT_REGION`. A profile's region that is no region name is an error.
pub fn region(
    flag: Option<&str>,
    profile_name: &str,
    of_profile: Option<&str>,
) -> Result<(String, bool)> {
    if let Some(region) = flag {
        return Ok((region.to_owned(), false));
    }
    match of_profile {
        Some(region) if endpoint::is_region_name(region) => Ok((region.to_owned(), false)),
        Some(region) => Err(Error::new(
            format!("profile {profile_name}"),
            format!("region {region:?} is not an AWS region name"),
        )
        .with_hint("fix `region` in the profile, or give --region")),
        None => Ok((DEFAULT_REGION.to_owned(), true)),
    }
}

/// The URL that signs a browser in to the console at `destination` as `resolved`'s role: its
/// credentials go to `region`'s sign-in endpoint (or the override) for a token, valid 15
/// minutes. A bearer secret: it goes to a browser or stdout, never to a message.
pub fn sign_in_url(
    ctx: &Context,
    profile_name: &str,
    resolved: &Resolved,
    region: &str,
    destination: &str,
) -> Result<String> {
    let partition = Partition::of(region)?;
    let (signin, overridden_by) = endpoint::signin(partition.signin())?;
    let token = federation::get_signin_token(ctx.http(), &signin, &resolved.credentials)
        .map_err(|e| Call::federation(profile_name, &signin, overridden_by).error(e))?;
    Ok(federation::login_url(&signin, destination, &token))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn partitions_follow_the_region() {
        for (region, partition, signin) in [
            ("eu-west-1", Partition::Aws, "https://signin.aws.amazon.com"),
            ("us-east-1", Partition::Aws, "https://signin.aws.amazon.com"),
            (
                "cn-north-1",
                Partition::China,
                "https://signin.amazonaws.cn",
            ),
            (
                "cn-northwest-1",
                Partition::China,
                "https://signin.amazonaws.cn",
            ),
            (
                "us-gov-west-1",
                Partition::GovCloud,
                "https://signin.amazonaws-us-gov.com",
            ),
            (
                "us-gov-east-1",
                Partition::GovCloud,
                "https://signin.amazonaws-us-gov.com",
            ),
        ] {
            let p = Partition::of(region).unwrap();
            assert_eq!((p, p.signin()), (partition, signin), "{region}");
        }
        for isolated in [
            "us-iso-east-1",
            "us-isob-east-1",
            "eu-isoe-west-1",
            "us-isof-south-1",
        ] {
            let e = Partition::of(isolated).unwrap_err();
            assert!(e.why.contains("isolated"), "{isolated}: {e}");
        }
    }

    #[test]
    fn the_home_page_is_the_regions_console() {
        assert_eq!(
            destination("eu-west-1", &Page::Home).unwrap(),
            "https://eu-west-1.console.aws.amazon.com/console/home?region=eu-west-1"
        );
        assert_eq!(
            destination("cn-north-1", &Page::Home).unwrap(),
            "https://cn-north-1.console.amazonaws.cn/console/home?region=cn-north-1"
        );
        assert_eq!(
            destination("us-gov-west-1", &Page::Home).unwrap(),
            "https://us-gov-west-1.console.amazonaws-us-gov.com/console/home?region=us-gov-west-1"
        );
    }

    #[test]
    fn services_by_console_name_alias_or_any_name() {
        let page = |s: &str| destination("eu-west-1", &Page::Service(s.into())).unwrap();
        assert_eq!(
            page("s3"),
            "https://eu-west-1.console.aws.amazon.com/s3/home?region=eu-west-1"
        );
        assert_eq!(
            page("EC2"),
            "https://eu-west-1.console.aws.amazon.com/ec2/home?region=eu-west-1"
        );
        assert_eq!(
            page("ddb"),
            "https://eu-west-1.console.aws.amazon.com/dynamodbv2/home?region=eu-west-1"
        );
        assert_eq!(
            page("ssm"),
            "https://eu-west-1.console.aws.amazon.com/systems-manager/home?region=eu-west-1"
        );
        assert_eq!(
            page("new-service2"),
            "https://eu-west-1.console.aws.amazon.com/new-service2/home?region=eu-west-1"
        );
        for bad in [
            "",
            "s3/../x",
            "s3?x=1",
            "a b",
            "-x",
            "é",
            "s3#",
            &"x".repeat(65),
        ] {
            let e = destination("eu-west-1", &Page::Service(bad.into())).unwrap_err();
            assert_eq!(e.exit_code(), 2, "{bad:?}");
        }
    }

    #[test]
    fn a_destination_must_be_an_https_console_page_of_the_regions_partition() {
        for good in [
            "https://console.aws.amazon.com/",
            "https://eu-west-1.console.aws.amazon.com/ec2/home?region=eu-west-1#Instances:",
            "https://s3.console.aws.amazon.com/s3/buckets?region=eu-west-1",
            "HTTPS://EU-WEST-1.CONSOLE.AWS.AMAZON.COM/",
        ] {
            let got = destination("eu-west-1", &Page::Url(good.into())).unwrap();
            assert_eq!(got, good);
        }
        assert!(
            destination(
                "cn-north-1",
                &Page::Url("https://console.amazonaws.cn/s3".into())
            )
            .is_ok()
        );
        for bad in [
            "http://console.aws.amazon.com/",
            "https://console.aws.amazon.com.evil.com/",
            "https://evilconsole.aws.amazon.com/",
            "https://.console.aws.amazon.com/",
            "https://console.aws.amazon.com@evil.com/",
            "https://evil.com/?https://console.aws.amazon.com/",
            "https://console.aws.amazon.com:8443/",
            "javascript:alert(1)",
            "-https://console.aws.amazon.com/",
            "https://signin.aws.amazon.com/federation",
            "console.aws.amazon.com",
            "",
        ] {
            let e = destination("eu-west-1", &Page::Url(bad.into())).unwrap_err();
            assert_eq!(e.exit_code(), 2, "{bad:?}: {e}");
            assert!(e.what == "--destination", "{bad:?}: {e}");
        }
        let e = destination(
            "eu-west-1",
            &Page::Url("https://console.amazonaws.cn/".into()),
        )
        .unwrap_err();
        assert!(e.why.contains("aws-cn console"), "{e}");
        assert_eq!(e.exit_code(), 2);
    }

    #[test]
    fn the_region_is_the_flags_then_the_profiles_then_the_default() {
        assert_eq!(
            region(Some("ap-south-1"), "p", Some("eu-west-1")).unwrap(),
            ("ap-south-1".into(), false)
        );
        assert_eq!(
            region(None, "p", Some("eu-west-1")).unwrap(),
            ("eu-west-1".into(), false)
        );
        assert_eq!(region(None, "p", None).unwrap(), ("us-east-1".into(), true));
        let e = region(None, "p", Some("EU West")).unwrap_err();
        assert!(e.what.contains("profile p") && e.hint.unwrap().contains("--region"));
    }
}
