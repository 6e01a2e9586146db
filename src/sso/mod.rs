//! Every AWS service ssoenv speaks to, over one HTTP agent: the two of IAM Identity Center,
//! sso-oidc (client registration, device and PKCE logins, refresh) and the access portal (role
//! credentials, accounts, roles, logout), and STS (AssumeRole, for `role_arn` profiles); and what
//! their failures mean for the person (`failure`). Wire format: ARCHITECTURE.md, "Wire protocol".

pub mod endpoint;
pub mod failure;
pub mod http;
pub mod oidc;
pub mod portal;
pub mod sigv4;
pub mod sts;
mod xml;

pub use endpoint::Endpoints;
pub use failure::Call;
pub use http::{ApiError, Http};
