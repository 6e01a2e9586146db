//! ssoenv: AWS IAM Identity Center credentials for the shell.
//!
//! Data flows one way: `config` resolves a `Profile`, `auth` turns it into a token, `sso` turns
//! that into role credentials, `env` turns those into `EnvChanges`, and `shell` renders them.
//! Nothing here prints; `main` decides what reaches stdout and stderr (the engine talks to the
//! person through `ui::Ui`).
//!
//! Layers, each using only those below it:
//! - `commands`: one file a subcommand; reads `settings::Settings` once and builds a `Context`.
//! - `credentials` (role credentials) → `auth` (reuse, refresh or sign in; `auth::assess` is the
//!   pure decision) → `login` (a fresh sign-in). `auth` calls `login`; `login` never calls `auth`.
//! - `context` (`Context`: cache dirs, `Ui`, settings, clock, the lazily built HTTP agent; and
//!   `Policy`), taken by all three.
//! - `sso` (the services on the wire; `sso::failure` turns their errors into `Error`s), `cache`
//!   (the AWS CLI's files), `lock` (locks between ssoenv processes), `config`, `config_edit`.
//! - Leaves: `settings` (the environment and terminals), `time`, `deadline`, `error`, `ui`,
//!   `ini`, `pyjson`, `atomic_file`, `shell`, `env`, `browser`.

pub mod activate;
pub mod atomic_file;
pub mod auth;
pub mod browser;
pub mod cache;
pub mod child;
pub mod cli;
pub mod commands;
pub mod config;
pub mod config_edit;
pub mod configure_plan;
pub mod console;
pub mod container_credentials;
pub mod context;
pub mod credentials;
pub mod deadline;
pub mod discovery;
pub mod dpop;
pub mod env;
pub mod error;
pub mod ini;
pub mod lock;
pub mod login;
pub mod login_cache;
pub mod login_session;
pub mod naming;
pub mod picker;
pub mod populate_plan;
pub mod pyjson;
pub mod role_chain;
pub mod settings;
pub mod shell;
pub mod sso;
pub mod sso_profile;
pub mod start_url;
pub mod time;
pub mod ui;
