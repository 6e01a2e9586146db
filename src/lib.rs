//! ssoenv: AWS IAM Identity Center credentials for the shell.
//!
//! Data flows one way: `config` resolves a `Profile`, `auth` turns it into a token, `sso` turns
//! that into role credentials, `env` turns those into `EnvChanges`, and `shell` renders them.
//! Nothing here prints; `main` decides what reaches stdout and stderr (the engine talks to the
//! person through `ui::Ui`).

pub mod activate;
pub mod atomic_file;
pub mod auth;
pub mod browser;
pub mod cache;
pub mod cli;
pub mod commands;
pub mod config;
pub mod config_edit;
pub mod configure_plan;
pub mod credentials;
pub mod deadline;
pub mod discovery;
pub mod env;
pub mod error;
pub mod ini;
pub mod login;
pub mod naming;
pub mod picker;
pub mod populate_plan;
pub mod pyjson;
pub mod shell;
pub mod sso;
pub mod sso_profile;
pub mod time;
pub mod ui;
