//! The two IAM Identity Center services ssoenv speaks to, over one HTTP agent: sso-oidc (client
//! registration, device and PKCE logins, refresh) and the access portal (role credentials,
//! accounts, roles, logout), and what their failures mean for the person (`failure`). Wire
//! format: ARCHITECTURE.md, "Wire protocol". Also the console sign-in endpoint (`federation`),
//! which turns role credentials into a console sign-in URL.

pub mod endpoint;
pub mod failure;
pub mod federation;
pub mod http;
pub mod oidc;
pub mod portal;
pub mod signin_oauth;

pub use endpoint::Endpoints;
pub use failure::Call;
pub use http::{ApiError, Http};
