//! One integration-test binary (as ripgrep does): helpers in `util`, one module a topic.

#[path = "../support/mod.rs"]
mod support;

mod assume_role;
mod caches;
mod chains;
mod cli;
mod completions;
mod config_oracle;
mod discovery;
mod engine;
mod exec;
mod faults;
mod fuzz;
mod interop;
mod layers;
#[path = "../support/mock_selftest.rs"]
mod mock_selftest;
mod readme;
mod sandbox;
mod secrets;
mod shell_integration;
mod shells;
mod terminal;
mod util;
