//! One integration-test binary (as ripgrep does): helpers in `util`, one module a topic.

#[path = "../support/mod.rs"]
mod support;

mod shells;
