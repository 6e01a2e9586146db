//! One integration-test binary (as ripgrep does): helpers in `util`, one module a topic.

#[path = "../support/mod.rs"]
mod support;

mod assume_role;
mod caches;
mod chains;
mod cli;
mod completions;
mod config_oracle;
mod console;
mod discovery;
mod engine;
mod exec;
mod faults;
mod fuzz;
mod interop;
mod layers;
mod login_session;
#[path = "../support/mock_selftest.rs"]
mod mock_selftest;
mod more_shells;
mod no_login;
mod readme;
mod sandbox;
mod secrets;
mod serve;
mod shell_integration;
mod shells;
mod terminal;
mod util;
mod windows;
