//! Every AWS service ssoenv speaks to, over one HTTP agent: the two of IAM Identity Center,
//! sso-oidc (client registration, device and PKCE logins, refresh) and the access portal (role
//! credentials, accounts, roles, logout); STS (AssumeRole, for `role_arn` profiles); the console
//! sign-in endpoint (`federation`, role credentials into a console sign-in URL) and the sign-in
//! service of `aws login` (`signin_oauth`); and what their failures mean for the person
//! (`failure`). Wire format: ARCHITECTURE.md, "Wire protocol".

pub mod endpoint;
pub mod failure;
pub mod federation;
pub mod http;
pub mod oidc;
pub mod portal;
pub mod signin_oauth;
pub mod sigv4;
pub mod sts;
mod xml;

pub use endpoint::Endpoints;
pub use failure::Call;
pub use http::{ApiError, Http};
