use clap::CommandFactory;

use crate::cli::{Cli, CompletionShell};

pub fn script(shell: CompletionShell) -> String {
    let mut out = Vec::new();
    clap_complete::generate(shell.generator(), &mut Cli::command(), "ssoenv", &mut out);
    String::from_utf8_lossy(&out).into_owned()
}
