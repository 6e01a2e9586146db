//! STS AssumeRole, as the AWS CLI makes it for a `role_arn` profile: the Query protocol (a form
//! POST), signed with Signature Version 4 by the source credentials, the XML reply read by hand
//! for the few fields needed.

use super::portal::RoleCredentials;
use super::{ApiError, Http};

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
/// `signing_region` with `source`.
pub fn assume_role(
    http: &Http,
    endpoint: &str,
    signing_region: &str,
    source: &RoleCredentials,
    call: &AssumeRole,
) -> Result<Assumed, ApiError> {
    let _ = (http, signing_region, source, call);
    Err(ApiError::transport(
        endpoint,
        "AssumeRole is not implemented yet",
    ))
}
