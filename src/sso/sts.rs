//! STS AssumeRole, as the AWS CLI makes it for a `role_arn` profile: the Query protocol (a form
//! POST), signed with Signature Version 4 by the source credentials, the XML reply read by hand
//! for the few fields needed.

use super::portal::RoleCredentials;
use super::{ApiError, Http, sigv4, xml};

/// The arguments of one AssumeRole call, as botocore's `AssumeRoleProvider` builds them from a
/// profile (`role_session_name`, `external_id`, `duration_seconds`, `mfa_serial`).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct AssumeRole {
    pub role_arn: String,
    /// The profile's `role_session_name`, or one generated as botocore does
    /// (`botocore-session-<epoch>`); the cache key tells the two apart.
    pub role_session_name: String,
    pub external_id: Option<String>,
    pub duration_seconds: Option<i64>,
    /// `mfa_serial`: the MFA device's serial number or ARN.
    pub serial_number: Option<String>,
    /// The code the person typed; never part of the cache key.
    pub token_code: Option<String>,
}

/// What AssumeRole returned.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Assumed {
    /// Expiration in epoch seconds.
    pub credentials: RoleCredentials,
    /// `AssumedRoleUser.Arn`: `arn:aws:sts::ACCOUNT:assumed-role/ROLE/SESSION`.
    pub assumed_role_arn: String,
    /// `AssumedRoleUser.AssumedRoleId`: `AROA…:SESSION`.
    pub assumed_role_id: String,
    /// `ResponseMetadata.RequestId`, which the AWS CLI's cache file records.
    pub request_id: String,
}

/// `POST {endpoint}/` `Action=AssumeRole&Version=2011-06-15&…`, signed for STS in
/// `signing_region` with `source` (its session token as `X-Amz-Security-Token` when it has one).
pub fn assume_role(
    http: &Http,
    endpoint: &str,
    signing_region: &str,
    source: &RoleCredentials,
    call: &AssumeRole,
) -> Result<Assumed, ApiError> {
    assume_role_at(
        http,
        endpoint,
        signing_region,
        source,
        call,
        crate::time::now(),
    )
}

fn assume_role_at(
    http: &Http,
    endpoint: &str,
    signing_region: &str,
    source: &RoleCredentials,
    call: &AssumeRole,
    now: i64,
) -> Result<Assumed, ApiError> {
    let url = format!("{endpoint}/");
    let body = form(call);
    let (host, path) = host_and_path(&url);
    let amz_date = sigv4::amz_date(now);
    let mut headers: Vec<(&str, &str)> = vec![
        ("content-type", CONTENT_TYPE),
        ("host", &host),
        ("x-amz-date", &amz_date),
    ];
    if !source.session_token.is_empty() {
        headers.push(("x-amz-security-token", &source.session_token));
    }
    let authorization = sigv4::authorization(
        &sigv4::Request {
            method: "POST",
            path,
            query: "",
            headers: &headers,
            body: body.as_bytes(),
        },
        &sigv4::Key {
            access_key_id: &source.access_key_id,
            secret_access_key: &source.secret_access_key,
        },
        &sigv4::Scope {
            region: signing_region,
            service: "sts",
            amz_date: &amz_date,
        },
    );
    headers.push(("authorization", &authorization));
    let mut secrets = vec![
        source.secret_access_key.as_str(),
        source.session_token.as_str(),
    ];
    secrets.extend(call.token_code.as_deref());
    let reply = http.post_form(&url, &headers, &body, &secrets)?;
    parse(&url, &reply)
}

const CONTENT_TYPE: &str = "application/x-www-form-urlencoded; charset=utf-8";

/// The form botocore's Query serializer sends: `Action`, `Version`, then the members in the
/// order of the API's shape.
fn form(call: &AssumeRole) -> String {
    let mut form = form_urlencoded::Serializer::new(String::new());
    form.append_pair("Action", "AssumeRole")
        .append_pair("Version", "2011-06-15")
        .append_pair("RoleArn", &call.role_arn)
        .append_pair("RoleSessionName", &call.role_session_name);
    if let Some(duration) = call.duration_seconds {
        form.append_pair("DurationSeconds", &duration.to_string());
    }
    for (name, value) in [
        ("ExternalId", &call.external_id),
        ("SerialNumber", &call.serial_number),
        ("TokenCode", &call.token_code),
    ] {
        if let Some(value) = value {
            form.append_pair(name, value);
        }
    }
    form.finish()
}

/// The `Host` header (no user name, no default port) and the path of `url`, which the endpoint
/// checks made an http(s) URL with a host.
fn host_and_path(url: &str) -> (String, &str) {
    let (scheme, rest) = url.split_once("://").unwrap_or(("https", url));
    let (authority, path) = rest.split_at(rest.find('/').unwrap_or(rest.len()));
    let host = authority.rsplit('@').next().unwrap_or(authority);
    let default_port = if scheme.eq_ignore_ascii_case("http") {
        ":80"
    } else {
        ":443"
    };
    let host = host.strip_suffix(default_port).unwrap_or(host);
    (host.to_ascii_lowercase(), path)
}

const RESULT: &str = "AssumeRoleResponse/AssumeRoleResult/";

/// The fields of the reply ssoenv uses; anything missing makes the reply unusable.
fn parse(url: &str, body: &str) -> Result<Assumed, ApiError> {
    let leaves = xml::leaves(body)
        .map_err(|why| ApiError::transport(url, format!("the reply was not STS's XML ({why})")))?;
    let field = |path: &str| {
        xml::find(&leaves, &format!("{RESULT}{path}"))
            .map(str::trim)
            .filter(|v| !v.is_empty())
            .ok_or_else(|| {
                ApiError::transport(url, format!("the reply lacked {}", path.replace('/', ".")))
            })
    };
    let expiration = field("Credentials/Expiration")?;
    let expiration = crate::time::parse(expiration).ok_or_else(|| {
        ApiError::transport(url, "the reply's Credentials.Expiration is not a time")
    })?;
    Ok(Assumed {
        credentials: RoleCredentials {
            access_key_id: field("Credentials/AccessKeyId")?.to_owned(),
            secret_access_key: field("Credentials/SecretAccessKey")?.to_owned(),
            session_token: field("Credentials/SessionToken")?.to_owned(),
            expiration,
        },
        assumed_role_arn: field("AssumedRoleUser/Arn")?.to_owned(),
        assumed_role_id: field("AssumedRoleUser/AssumedRoleId")?.to_owned(),
        request_id: xml::find(&leaves, "AssumeRoleResponse/ResponseMetadata/RequestId")
            .unwrap_or_default()
            .trim()
            .to_owned(),
    })
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::sso::http::test_server::{ok, reply, serve};
    use std::time::Duration;

    const OK: &str = r#"<AssumeRoleResponse xmlns="https://sts.amazonaws.com/doc/2011-06-15/">
  <AssumeRoleResult>
    <SourceIdentity>x</SourceIdentity>
    <AssumedRoleUser>
      <Arn>arn:aws:sts::222222222222:assumed-role/Deploy/a&amp;b</Arn>
      <AssumedRoleId>AROA3XFRBF535PLBIFPI4:a&amp;b</AssumedRoleId>
    </AssumedRoleUser>
    <Credentials>
      <AccessKeyId>ASIAJEXAMPLEXEG2JICEA</AccessKeyId>
      <SecretAccessKey>9drTJvcXLB89EXAMPLELB8923FB892xMFI</SecretAccessKey>
      <SessionToken>AQoXdzELDDY//////////wEaoAK1wvxJY12r2IrDFT2IvAzTCn3zHoZ7YNtpiQLF0MqZye/qwjzP2iEXAMPLEbw/m3hsj8VBTkPORGvr9jM5sgP+w9IZWZnU+LWhmg+a5fDi2oTGUYcdg9uexQ4mtCHIHfi4citgqZTgco40Yqr4lIlo4V2b2Dyauk0eYFNebHtYlFVgAUj+7Indz3LU0aTWk1WKIjHmmMCIoTkyYp/k7kUG7moeEYKSitwQIi6Gjn+nyzM+PtoA3685ixzv0R7i5rjQi0YE0lf1oeie3bDiNHncmzosRM6SFiPzSvp6h/32xQuZsjcypmwsPSDtTPYcs0+YN/8BRi2/IcrxSpnWEXAMPLEXSDFTAQAM6Dl9zR0tXoybnlrZIwMLlMi1Kcgo5OytwU=</SessionToken>
      <Expiration>2023-11-14T22:13:20Z</Expiration>
    </Credentials>
    <PackedPolicySize>6</PackedPolicySize>
  </AssumeRoleResult>
  <ResponseMetadata>
    <RequestId>c6104cbe-af31-11e0-8154-cbc7ccf896c7</RequestId>
  </ResponseMetadata>
</AssumeRoleResponse>"#;

    fn source() -> RoleCredentials {
        RoleCredentials {
            access_key_id: "ASIASOURCE".into(),
            secret_access_key: "source-secret-key-0123456789".into(),
            session_token: "source-session-token-0123456789".into(),
            expiration: 2_000_000_000,
        }
    }

    fn call() -> AssumeRole {
        AssumeRole {
            role_arn: "arn:aws:iam::222222222222:role/Deploy".into(),
            role_session_name: "a&b c".into(),
            external_id: Some("ext=1".into()),
            duration_seconds: Some(900),
            serial_number: Some("arn:aws:iam::111111111111:mfa/alice".into()),
            token_code: Some("123456".into()),
        }
    }

    #[test]
    fn the_request_is_the_query_protocol_signed_and_the_reply_is_read() {
        let (url, seen) = serve(vec![ok(OK)]);
        let http = Http::for_tests(Duration::from_secs(5));
        let got =
            assume_role_at(&http, &url, "eu-west-1", &source(), &call(), 1_440_938_160).unwrap();
        assert_eq!(got.credentials.access_key_id, "ASIAJEXAMPLEXEG2JICEA");
        assert_eq!(got.credentials.expiration, 1_700_000_000);
        assert!(got.credentials.session_token.ends_with("lMi1Kcgo5OytwU="));
        assert_eq!(
            got.assumed_role_arn,
            "arn:aws:sts::222222222222:assumed-role/Deploy/a&b"
        );
        assert_eq!(got.assumed_role_id, "AROA3XFRBF535PLBIFPI4:a&b");
        assert_eq!(got.request_id, "c6104cbe-af31-11e0-8154-cbc7ccf896c7");

        let seen = seen.lock().unwrap();
        let request = &seen[0];
        assert_eq!(
            (request.method.as_str(), request.url.as_str()),
            ("POST", "/")
        );
        assert_eq!(
            request.body,
            "Action=AssumeRole&Version=2011-06-15&RoleArn=arn%3Aaws%3Aiam%3A%3A222222222222%3Arole%2FDeploy\
             &RoleSessionName=a%26b+c&DurationSeconds=900&ExternalId=ext%3D1\
             &SerialNumber=arn%3Aaws%3Aiam%3A%3A111111111111%3Amfa%2Falice&TokenCode=123456"
        );
        assert_eq!(request.header("content-type"), Some(CONTENT_TYPE));
        assert_eq!(request.header("x-amz-date"), Some("20150830T123600Z"));
        assert_eq!(
            request.header("x-amz-security-token"),
            Some("source-session-token-0123456789")
        );
        let host = url.trim_start_matches("http://");
        assert_eq!(request.header("host"), Some(host));
        let authorization = request.header("authorization").unwrap();
        assert!(
            authorization.starts_with(
                "AWS4-HMAC-SHA256 Credential=ASIASOURCE/20150830/eu-west-1/sts/aws4_request, \
                 SignedHeaders=content-type;host;x-amz-date;x-amz-security-token, Signature="
            ),
            "{authorization}"
        );
    }

    #[test]
    fn static_keys_send_no_token() {
        let (url, seen) = serve(vec![ok(OK)]);
        let http = Http::for_tests(Duration::from_secs(5));
        let keys = RoleCredentials {
            session_token: String::new(),
            ..source()
        };
        assume_role(&http, &url, "us-east-1", &keys, &call()).unwrap();
        let seen = seen.lock().unwrap();
        assert_eq!(seen[0].header("x-amz-security-token"), None);
        assert!(
            seen[0]
                .header("authorization")
                .unwrap()
                .contains("SignedHeaders=content-type;host;x-amz-date,")
        );
    }

    #[test]
    fn errors_are_decoded_redacted_and_throttling_is_retried() {
        let error = |code: &str, message: &str| {
            format!(
                "<ErrorResponse xmlns=\"https://sts.amazonaws.com/doc/2011-06-15/\"><Error>\
                 <Type>Sender</Type><Code>{code}</Code><Message>{message}</Message></Error>\
                 <RequestId>r</RequestId></ErrorResponse>"
            )
        };
        let throttled = error("Throttling", "Rate exceeded");
        let denied = error(
            "AccessDenied",
            "User: arn:aws:sts::1:assumed-role/A/s is not authorized &amp; \
             source-secret-key-0123456789 &lt;x&gt;",
        );
        let (url, seen) = serve(vec![
            reply(400, &[], &throttled),
            reply(400, &[("content-type", "text/xml")], &denied),
        ]);
        let http = Http::for_tests(Duration::from_secs(5));
        let err = assume_role(&http, &url, "us-east-1", &source(), &call()).unwrap_err();
        assert_eq!(seen.lock().unwrap().len(), 2);
        match err {
            ApiError::Service {
                status,
                code,
                message,
            } => {
                assert_eq!((status, code.as_str()), (400, "AccessDenied"));
                assert_eq!(
                    message,
                    "User: arn:aws:sts::1:assumed-role/A/s is not authorized & [secret] <x>"
                );
            }
            other => panic!("{other:?}"),
        }
    }

    #[test]
    fn replies_that_are_not_sts_xml_are_transport_errors() {
        for body in [
            "not xml",
            "<AssumeRoleResponse><AssumeRoleResult></AssumeRoleResult></AssumeRoleResponse>",
            &OK.replace("2023-11-14T22:13:20Z", "soon"),
            &OK.replace("<Credentials>", "<!DOCTYPE x><Credentials>"),
        ] {
            let err = parse("https://sts.example/", body).unwrap_err();
            assert!(matches!(err, ApiError::Transport { .. }), "{err:?}");
        }
    }

    #[test]
    fn host_header_drops_user_and_default_port() {
        assert_eq!(
            host_and_path("https://u:p@STS.example:443/base/"),
            ("sts.example".to_owned(), "/base/")
        );
        assert_eq!(
            host_and_path("http://127.0.0.1:8080/"),
            ("127.0.0.1:8080".to_owned(), "/")
        );
        assert_eq!(
            host_and_path("http://localhost:80/"),
            ("localhost".to_owned(), "/")
        );
    }
}
