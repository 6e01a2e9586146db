//! STS (`sts`): AssumeRole over the Query protocol, each request's Signature Version 4 checked by
//! a verifier written here, apart from ssoenv's signer (it uses the `hmac` crate; ssoenv has its
//! own HMAC), and itself checked against the published SigV4 test suite in the mock's self-test.
//!
//! STS knows which credentials may sign: the role credentials the portal issued, the static keys
//! a test registers, and what it issued itself, so that the credentials of one hop sign the next.
//! Roles must be registered (`add_sts_role`); each may require an ExternalId and an MFA device,
//! whose codes the test sets and which STS refuses to take twice. A role session (portal or STS
//! credentials) may ask for at most 3600 seconds, as role chaining may.

use std::collections::{HashMap, HashSet};

use hmac::{Hmac, KeyInit, Mac};
use sha2::{Digest, Sha256};

use super::http::{Incoming, Reply, parse_query};
use super::state::{State, now_ms, random_hex};
use super::{Failure, MockSso, Route, format_utc, routes};

pub(super) const ROUTES: &[Route] = &[Route {
    path: routes::STS,
    method: "POST",
    page: false,
    handle: State::assume_role,
    error,
}];

const NAMESPACE: &str = "https://sts.amazonaws.com/doc/2011-06-15/";
/// How far a request's `X-Amz-Date` may be from the mock's clock, as AWS allows.
const SKEW_SECS: i64 = 300;
const CHAINED_MAX_SECS: i64 = 3600;

/// A role STS lets callers assume.
#[derive(Clone, Debug, Default)]
pub struct StsRole {
    pub arn: String,
    /// The `ExternalId` the trust policy requires.
    pub external_id: Option<String>,
    /// The MFA device (`SerialNumber`) the trust policy requires.
    pub mfa_serial: Option<String>,
    /// MaxSessionDuration (default 3600; up to 43200).
    pub max_session_secs: Option<i64>,
    /// Only callers whose ARN starts with this may assume it (None: anyone).
    pub trusted_prefix: Option<String>,
}

impl StsRole {
    pub fn new(arn: &str) -> StsRole {
        StsRole {
            arn: arn.into(),
            ..StsRole::default()
        }
    }
}

/// One AssumeRole the mock answered, for assertions.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct StsCall {
    /// The access key id that signed it (empty when unsigned).
    pub access_key_id: String,
    /// The region of the signature's scope.
    pub region: String,
    pub params: Vec<(String, String)>,
    /// `Ok` or the error code answered.
    pub outcome: String,
}

impl StsCall {
    pub fn param(&self, name: &str) -> Option<&str> {
        self.params
            .iter()
            .find(|(k, _)| k == name)
            .map(|(_, v)| v.as_str())
    }
}

/// Credentials STS accepts as a signature's key.
#[derive(Clone, Debug)]
pub(super) struct Signer {
    secret: String,
    session_token: Option<String>,
    expires_at_ms: Option<u64>,
    /// A role session (portal or STS credentials): chained calls are held to an hour.
    role_session: bool,
    arn: String,
}

#[derive(Default)]
pub(super) struct StsState {
    signers: HashMap<String, Signer>,
    roles: Vec<StsRole>,
    /// MFA serial → the code that is valid now.
    mfa_codes: HashMap<String, String>,
    used_codes: HashSet<(String, String)>,
    /// Lifetime of issued credentials (None: the DurationSeconds asked, default 3600).
    ttl_secs: Option<u64>,
    calls: Vec<StsCall>,
    issued: usize,
}

impl StsState {
    /// Registers role credentials the portal issued for `role` in `account`.
    pub(super) fn portal_issued(
        &mut self,
        access_key_id: &str,
        secret: &str,
        session_token: &str,
        expires_at_ms: u64,
        account: &str,
        role: &str,
    ) {
        self.signers.insert(
            access_key_id.into(),
            Signer {
                secret: secret.into(),
                session_token: Some(session_token.into()),
                expires_at_ms: Some(expires_at_ms),
                role_session: true,
                arn: format!(
                    "arn:aws:sts::{account}:assumed-role/AWSReservedSSO_{role}_0123456789abcdef/mock-user"
                ),
            },
        );
    }
}

/// STS's error document.
fn sts_error(status: u16, code: &str, message: &str) -> Reply {
    let kind = if status >= 500 { "Receiver" } else { "Sender" };
    let body = format!(
        "<ErrorResponse xmlns=\"{NAMESPACE}\">\n  <Error>\n    <Type>{kind}</Type>\n    \
         <Code>{}</Code>\n    <Message>{}</Message>\n  </Error>\n  <RequestId>{}</RequestId>\n\
         </ErrorResponse>\n",
        xml_escape(code),
        xml_escape(message),
        random_hex(16)
    );
    let mut r = Reply::json(status, serde_json::Value::Null);
    r.content_type = "text/xml";
    r.body = body.into_bytes();
    r.error_type = Some(code.to_string());
    r
}

fn error(failure: Failure) -> Reply {
    match failure {
        Failure::Throttled => sts_error(400, "Throttling", "Rate exceeded"),
        Failure::Failed => sts_error(500, "InternalFailure", "Internal failure (mock fault)"),
        Failure::Unreadable => sts_error(400, "MalformedInput", "Unreadable request body"),
        Failure::WrongMethod(message) => sts_error(405, "InvalidAction", &message),
    }
}

fn xml_escape(s: &str) -> String {
    s.replace('&', "&amp;")
        .replace('<', "&lt;")
        .replace('>', "&gt;")
        .replace('"', "&quot;")
        .replace('\'', "&apos;")
}

fn access_denied(caller: &str, role: &str) -> Reply {
    sts_error(
        403,
        "AccessDenied",
        &format!("User: {caller} is not authorized to perform: sts:AssumeRole on resource: {role}"),
    )
}

impl State {
    fn assume_role(&mut self, rq: &Incoming) -> Reply {
        let params = parse_query(&rq.body);
        let (access_key_id, region) = authorization_scope(rq).unwrap_or_default();
        let reply = self.assume_role_checked(rq, &params);
        self.sts.calls.push(StsCall {
            access_key_id,
            region,
            params,
            outcome: reply.error_type.clone().unwrap_or_else(|| "Ok".to_string()),
        });
        reply
    }

    fn assume_role_checked(&mut self, rq: &Incoming, params: &[(String, String)]) -> Reply {
        let param = |name: &str| {
            params
                .iter()
                .find(|(k, _)| k == name)
                .map(|(_, v)| v.as_str())
        };
        if param("Action") != Some("AssumeRole") || param("Version") != Some("2011-06-15") {
            return sts_error(
                400,
                "InvalidAction",
                "Could not find operation for this request",
            );
        }
        if !rq
            .header("content-type")
            .is_some_and(|t| t.starts_with("application/x-www-form-urlencoded"))
        {
            return sts_error(400, "MalformedInput", "Expected a form body");
        }
        let signer = match self.check_signature(rq) {
            Ok(signer) => signer,
            Err(reply) => return reply,
        };
        let (Some(role_arn), Some(session_name)) = (param("RoleArn"), param("RoleSessionName"))
        else {
            return sts_error(
                400,
                "ValidationError",
                "RoleArn and RoleSessionName are required",
            );
        };
        let session_ok = (2..=64).contains(&session_name.len())
            && session_name
                .bytes()
                .all(|b| b.is_ascii_alphanumeric() || b"=,.@-_".contains(&b));
        if !session_ok {
            return sts_error(
                400,
                "ValidationError",
                "1 validation error detected: Value at 'roleSessionName' failed to satisfy \
                 constraint: Member must satisfy regular expression pattern: [\\w+=,.@-]*",
            );
        }
        let Some(role) = self.sts.roles.iter().find(|r| r.arn == role_arn).cloned() else {
            return access_denied(&signer.arn, role_arn);
        };
        let untrusted = role
            .trusted_prefix
            .as_deref()
            .is_some_and(|p| !signer.arn.starts_with(p));
        let wrong_external_id = role
            .external_id
            .as_deref()
            .is_some_and(|id| param("ExternalId") != Some(id));
        if untrusted || wrong_external_id {
            return access_denied(&signer.arn, role_arn);
        }
        if let Some(serial) = &role.mfa_serial {
            let (Some(sent_serial), Some(code)) = (param("SerialNumber"), param("TokenCode"))
            else {
                return access_denied(&signer.arn, role_arn);
            };
            let valid = self.sts.mfa_codes.get(serial).map(String::as_str);
            let fresh = !self
                .sts
                .used_codes
                .contains(&(serial.clone(), code.to_string()));
            if sent_serial != serial || valid != Some(code) || !fresh {
                return sts_error(
                    403,
                    "AccessDenied",
                    "MultiFactorAuthentication failed with invalid MFA one time pass code. ",
                );
            }
            self.sts
                .used_codes
                .insert((serial.clone(), code.to_string()));
        }
        let duration = match param("DurationSeconds") {
            None => 3600,
            Some(d) => match d.parse::<i64>() {
                Ok(d) if d >= 900 => d,
                _ => {
                    return sts_error(
                        400,
                        "ValidationError",
                        &format!(
                            "1 validation error detected: Value '{d}' at 'durationSeconds' \
                             failed to satisfy constraint: Member must have value greater than \
                             or equal to 900"
                        ),
                    );
                }
            },
        };
        if signer.role_session && duration > CHAINED_MAX_SECS {
            return sts_error(
                400,
                "ValidationError",
                "The requested DurationSeconds exceeds the 1 hour session limit for roles \
                 assumed by role chaining.",
            );
        }
        if duration > role.max_session_secs.unwrap_or(3600) {
            return sts_error(
                400,
                "ValidationError",
                "The requested DurationSeconds exceeds the MaxSessionDuration set for this role.",
            );
        }
        self.issue(&role, session_name, duration)
    }

    fn issue(&mut self, role: &StsRole, session_name: &str, duration: i64) -> Reply {
        let n = self.next();
        self.sts.issued += 1;
        let access_key_id = format!("ASIASTS{n:013}");
        let secret = format!("stsSecret{n:06}/{}+Key", random_hex(12));
        let token = format!("FwoGZXIvYXdzSTSMOCK{n}/{}+session==", random_hex(32));
        let ttl = self.sts.ttl_secs.map_or(duration, |t| t as i64);
        let expires_at_ms = now_ms().saturating_add_signed(ttl * 1000);
        let (account, name) = split_role_arn(&role.arn);
        let role_id = format!("AROAMOCK{:012}", n);
        let arn = format!("arn:aws:sts::{account}:assumed-role/{name}/{session_name}");
        self.sts.signers.insert(
            access_key_id.clone(),
            Signer {
                secret: secret.clone(),
                session_token: Some(token.clone()),
                expires_at_ms: Some(expires_at_ms),
                role_session: true,
                arn: arn.clone(),
            },
        );
        // The console takes assumed-role sessions too (without SessionDuration).
        self.federation
            .issued(&access_key_id, &secret, &token, expires_at_ms);
        let expiration = format_utc(expires_at_ms / 1000);
        let body = format!(
            "<AssumeRoleResponse xmlns=\"{NAMESPACE}\">\n  <AssumeRoleResult>\n    \
             <AssumedRoleUser>\n      <AssumedRoleId>{}:{}</AssumedRoleId>\n      \
             <Arn>{}</Arn>\n    </AssumedRoleUser>\n    <Credentials>\n      \
             <AccessKeyId>{access_key_id}</AccessKeyId>\n      \
             <SecretAccessKey>{}</SecretAccessKey>\n      \
             <SessionToken>{}</SessionToken>\n      \
             <Expiration>{expiration}</Expiration>\n    </Credentials>\n  \
             </AssumeRoleResult>\n  <ResponseMetadata>\n    <RequestId>{}</RequestId>\n  \
             </ResponseMetadata>\n</AssumeRoleResponse>\n",
            role_id,
            xml_escape(session_name),
            xml_escape(&arn),
            xml_escape(&secret),
            xml_escape(&token),
            random_hex(16),
        );
        let mut r = Reply::json(200, serde_json::Value::Null);
        r.content_type = "text/xml";
        r.body = body.into_bytes();
        r
    }

    /// The signer of `rq`, if its signature is good and its credentials are live.
    fn check_signature(&self, rq: &Incoming) -> Result<Signer, Reply> {
        let missing = || {
            sts_error(
                403,
                "MissingAuthenticationToken",
                "Request is missing Authentication Token",
            )
        };
        let auth = rq.header("authorization").ok_or_else(missing)?;
        let parsed = parse_authorization(auth).ok_or_else(|| {
            sts_error(
                400,
                "IncompleteSignature",
                "Authorization header requires Credential, SignedHeaders and Signature",
            )
        })?;
        let invalid = || {
            sts_error(
                403,
                "InvalidClientTokenId",
                "The security token included in the request is invalid.",
            )
        };
        let signer = self
            .sts
            .signers
            .get(&parsed.access_key_id)
            .cloned()
            .ok_or_else(invalid)?;
        let sent_token = rq.header("x-amz-security-token");
        if sent_token != signer.session_token.as_deref() {
            return Err(invalid());
        }
        let mismatch = |why: &str| {
            sts_error(
                403,
                "SignatureDoesNotMatch",
                &format!(
                    "The request signature we calculated does not match the signature you \
                     provided. {why}"
                ),
            )
        };
        let amz_date = rq
            .header("x-amz-date")
            .ok_or_else(|| mismatch("No X-Amz-Date."))?;
        for required in ["host", "x-amz-date"] {
            if !parsed.signed_headers.iter().any(|h| h == required) {
                return Err(mismatch(&format!("{required} is not signed.")));
            }
        }
        if sent_token.is_some()
            && !parsed
                .signed_headers
                .iter()
                .any(|h| h == "x-amz-security-token")
        {
            return Err(mismatch("x-amz-security-token is not signed."));
        }
        if parsed.service != "sts" || !amz_date.starts_with(&parsed.date) {
            return Err(mismatch("Bad credential scope."));
        }
        let sent_at = parse_amz_date(amz_date).ok_or_else(|| mismatch("Bad X-Amz-Date."))?;
        let now = (now_ms() / 1000) as i64;
        if (now - sent_at).abs() > SKEW_SECS {
            return Err(sts_error(403, "SignatureDoesNotMatch", "Signature expired"));
        }
        let headers: Vec<(String, String)> = parsed
            .signed_headers
            .iter()
            .map(|name| {
                let values: Vec<&str> = rq
                    .headers
                    .iter()
                    .filter(|(n, _)| n.eq_ignore_ascii_case(name))
                    .map(|(_, v)| v.as_str())
                    .collect();
                (name.clone(), values.join(","))
            })
            .collect();
        let query = rq
            .query
            .iter()
            .map(|(k, v)| (k.as_str(), v.as_str()))
            .collect::<Vec<_>>();
        let expected = verify::signature(
            &verify::Signed {
                method: &rq.method,
                path: &rq.path,
                query: &query,
                headers: &headers,
                body: rq.body.as_bytes(),
            },
            &signer.secret,
            amz_date,
            &parsed.region,
            &parsed.service,
        );
        if expected != parsed.signature {
            return Err(mismatch(
                "Check your AWS Secret Access Key and signing method.",
            ));
        }
        if signer.expires_at_ms.is_some_and(|t| now_ms() >= t) {
            return Err(sts_error(
                403,
                "ExpiredToken",
                "The security token included in the request is expired",
            ));
        }
        Ok(signer)
    }
}

struct Authorization {
    access_key_id: String,
    date: String,
    region: String,
    service: String,
    signed_headers: Vec<String>,
    signature: String,
}

fn parse_authorization(header: &str) -> Option<Authorization> {
    let rest = header.strip_prefix("AWS4-HMAC-SHA256 ")?;
    let mut credential = None;
    let mut signed = None;
    let mut signature = None;
    for part in rest.split(',') {
        let (k, v) = part.trim().split_once('=')?;
        match k {
            "Credential" => credential = Some(v),
            "SignedHeaders" => signed = Some(v),
            "Signature" => signature = Some(v),
            _ => return None,
        }
    }
    let scope: Vec<&str> = credential?.split('/').collect();
    let [key, date, region, service, "aws4_request"] = scope.as_slice() else {
        return None;
    };
    Some(Authorization {
        access_key_id: key.to_string(),
        date: date.to_string(),
        region: region.to_string(),
        service: service.to_string(),
        signed_headers: signed?.split(';').map(str::to_string).collect(),
        signature: signature?.to_string(),
    })
}

/// (access key id, region) of a request's signature, for the record.
fn authorization_scope(rq: &Incoming) -> Option<(String, String)> {
    let parsed = parse_authorization(rq.header("authorization")?)?;
    Some((parsed.access_key_id, parsed.region))
}

/// `20150830T123600Z` → epoch seconds.
fn parse_amz_date(text: &str) -> Option<i64> {
    let b = text.as_bytes();
    if b.len() != 16 || b[8] != b'T' || b[15] != b'Z' {
        return None;
    }
    let num = |r: std::ops::Range<usize>| text.get(r)?.parse::<i64>().ok();
    let (y, m, d) = (num(0..4)?, num(4..6)?, num(6..8)?);
    let (hh, mm, ss) = (num(9..11)?, num(11..13)?, num(13..15)?);
    // Days from civil (Howard Hinnant's algorithm).
    let y = if m <= 2 { y - 1 } else { y };
    let era = y.div_euclid(400);
    let yoe = y - era * 400;
    let doy = (153 * ((m + 9) % 12) + 2) / 5 + d - 1;
    let doe = yoe * 365 + yoe / 4 - yoe / 100 + doy;
    let days = era * 146_097 + doe - 719_468;
    Some(days * 86_400 + hh * 3600 + mm * 60 + ss)
}

fn split_role_arn(arn: &str) -> (String, String) {
    let parts: Vec<&str> = arn.splitn(6, ':').collect();
    let account = parts.get(4).copied().unwrap_or("000000000000");
    let name = parts
        .get(5)
        .and_then(|r| r.rsplit('/').next())
        .unwrap_or("role");
    (account.to_string(), name.to_string())
}

/// The verifier: SigV4 from the AWS documentation, written apart from ssoenv's signer.
pub mod verify {
    use super::*;

    pub struct Signed<'a> {
        pub method: &'a str,
        pub path: &'a str,
        /// Decoded query parameters.
        pub query: &'a [(&'a str, &'a str)],
        /// The signed headers: lower-case names, values as received (joined by `,` when repeated).
        pub headers: &'a [(String, String)],
        pub body: &'a [u8],
    }

    fn uri_encode(s: &str, encode_slash: bool) -> String {
        s.bytes()
            .map(|b| match b {
                b'A'..=b'Z' | b'a'..=b'z' | b'0'..=b'9' | b'-' | b'.' | b'_' | b'~' => {
                    (b as char).to_string()
                }
                b'/' if !encode_slash => "/".to_string(),
                _ => format!("%{b:02X}"),
            })
            .collect()
    }

    fn hmac(key: &[u8], data: &str) -> Vec<u8> {
        let mut mac = <Hmac<Sha256> as KeyInit>::new_from_slice(key).expect("any key length");
        mac.update(data.as_bytes());
        mac.finalize().into_bytes().to_vec()
    }

    fn hex(bytes: &[u8]) -> String {
        bytes.iter().map(|b| format!("{b:02x}")).collect()
    }

    /// The hex signature of `rq` by `secret` at `amz_date` in `region`/`service`.
    pub fn signature(
        rq: &Signed,
        secret: &str,
        amz_date: &str,
        region: &str,
        service: &str,
    ) -> String {
        let mut headers: Vec<(String, String)> = rq
            .headers
            .iter()
            .map(|(n, v)| {
                let v = v.split_whitespace().collect::<Vec<_>>().join(" ");
                (n.to_lowercase(), v)
            })
            .collect();
        headers.sort();
        let canonical_headers: String = headers.iter().map(|(n, v)| format!("{n}:{v}\n")).collect();
        let signed: Vec<&str> = headers.iter().map(|(n, _)| n.as_str()).collect();
        let mut query: Vec<(String, String)> = rq
            .query
            .iter()
            .map(|(k, v)| (uri_encode(k, true), uri_encode(v, true)))
            .collect();
        query.sort();
        let query: Vec<String> = query.iter().map(|(k, v)| format!("{k}={v}")).collect();
        let path = if rq.path.is_empty() {
            "/".to_string()
        } else {
            uri_encode(rq.path, false)
        };
        let canonical = [
            rq.method.to_string(),
            path,
            query.join("&"),
            canonical_headers,
            signed.join(";"),
            hex(&Sha256::digest(rq.body)),
        ]
        .join("\n");
        let date = &amz_date[..8.min(amz_date.len())];
        let scope = format!("{date}/{region}/{service}/aws4_request");
        let to_sign = format!(
            "AWS4-HMAC-SHA256\n{amz_date}\n{scope}\n{}",
            hex(&Sha256::digest(canonical.as_bytes()))
        );
        let mut key = format!("AWS4{secret}").into_bytes();
        for part in [date, region, service, "aws4_request"] {
            key = hmac(&key, part);
        }
        hex(&hmac(&key, &to_sign))
    }
}

impl MockSso {
    /// A role STS lets callers assume.
    pub fn add_sts_role(&self, role: StsRole) {
        let mut st = self.state();
        st.sts.roles.retain(|r| r.arn != role.arn);
        st.sts.roles.push(role);
    }

    /// Long-term access keys (an IAM user in `account`) STS accepts as a signer.
    pub fn add_sts_user_keys(&self, access_key_id: &str, secret: &str, account: &str) {
        self.state().sts.signers.insert(
            access_key_id.into(),
            Signer {
                secret: secret.into(),
                session_token: None,
                expires_at_ms: None,
                role_session: false,
                arn: format!("arn:aws:iam::{account}:user/mock-user"),
            },
        );
    }

    /// The code valid now for the MFA device `serial`; each code is taken once.
    pub fn set_mfa_code(&self, serial: &str, code: &str) {
        self.state()
            .sts
            .mfa_codes
            .insert(serial.into(), code.into());
    }

    /// Lifetime of credentials STS issues (None: the DurationSeconds asked, default 3600).
    pub fn set_sts_credentials_ttl_secs(&self, secs: Option<u64>) {
        self.state().sts.ttl_secs = secs;
    }

    /// The credentials with this access key id expire now: STS answers `ExpiredToken`.
    pub fn expire_sts_signer(&self, access_key_id: &str) {
        if let Some(s) = self.state().sts.signers.get_mut(access_key_id) {
            s.expires_at_ms = Some(0);
        }
    }

    /// Every AssumeRole answered, in order.
    pub fn sts_calls(&self) -> Vec<StsCall> {
        self.state().sts.calls.clone()
    }

    /// Credentials STS issued.
    pub fn sts_issued(&self) -> usize {
        self.state().sts.issued
    }
}
