// On glibc Linux, enter at C `main` rather than through std's runtime prologue (issue 11): for the
// main thread that prologue reads and parses /proc/self/maps to place a stack-overflow guard, which
// costs `ssoenv use` about a fifth of starting /bin/true. `prologue` keeps the parts that matter.
#![cfg_attr(all(target_os = "linux", target_env = "gnu", not(test)), no_main)]

use std::io::Write;

use clap::{CommandFactory, FromArgMatches};
use ssoenv::cli::Cli;
use ssoenv::commands::{self, Outcome};
use ssoenv::ui;

// glibc hands std the arguments before `main` (std registers an .init_array entry there), so
// clap's `std::env::args_os` works as usual; musl does not, hence gnu only. Not under `cargo test`,
// whose harness brings its own `main`.
#[cfg(all(target_os = "linux", target_env = "gnu", not(test)))]
#[unsafe(no_mangle)]
extern "C" fn main(_argc: libc::c_int, _argv: *const *const libc::c_char) -> libc::c_int {
    prologue();
    no_core_dumps();
    let code = run();
    // std's epilogue would flush stdout; clap's --help may leave a last line in its buffer.
    let _ = std::io::stdout().flush();
    libc::c_int::from(code)
}

#[cfg(not(all(target_os = "linux", target_env = "gnu", not(test))))]
fn main() -> std::process::ExitCode {
    no_core_dumps();
    std::process::ExitCode::from(run())
}

/// What std's prologue does that ssoenv relies on: 0, 1 and 2 are open (else the first file opened
/// would become "stdout" and receive credentials), and SIGPIPE is ignored, so a closed pipe is an
/// error (status 1) rather than a silent death. Children get SIGPIPE back: std's `Command` resets it.
#[cfg(all(target_os = "linux", target_env = "gnu", not(test)))]
fn prologue() {
    for fd in 0..3 {
        // SAFETY: fcntl(F_GETFD) and open take no pointers but a NUL-terminated literal.
        unsafe {
            if libc::fcntl(fd, libc::F_GETFD) == -1
                && std::io::Error::last_os_error().raw_os_error() == Some(libc::EBADF)
                && libc::open(c"/dev/null".as_ptr(), libc::O_RDWR) == -1
            {
                std::process::abort();
            }
        }
    }
    // SAFETY: setting a signal's disposition to SIG_IGN runs no code of ours in a handler.
    unsafe { libc::signal(libc::SIGPIPE, libc::SIG_IGN) };
}

/// `Cli::try_parse`, without freeing clap's command tree and matches on the way out: the process
/// exits soon after, and dropping them cost cached `use` 5% of its instructions.
fn parse() -> Result<Cli, clap::Error> {
    let mut command = Cli::command();
    let parsed = match command.try_get_matches_from_mut(std::env::args_os()) {
        Ok(mut matches) => {
            let cli =
                Cli::from_arg_matches_mut(&mut matches).map_err(|err| err.format(&mut command));
            std::mem::forget(matches);
            cli
        }
        Err(err) => Err(err),
    };
    std::mem::forget(command);
    parsed
}

fn run() -> u8 {
    let cli = match parse() {
        Ok(cli) => cli,
        Err(err) => {
            let code = u8::try_from(err.exit_code()).unwrap_or(2);
            if err.use_stderr() {
                // A usage error quotes what was typed or set in the environment: plain text,
                // made printable like everything else on stderr.
                ui::eprint_text(&err.render().to_string());
                let args: Vec<std::ffi::OsString> = std::env::args_os().collect();
                if let Some(hint) = ssoenv::cli::usage_hint(&args, &err) {
                    ui::eprint(&format!("hint: {hint}"));
                }
            } else {
                // --help and --version go to stdout with status 0.
                let _ = err.print();
            }
            return code;
        }
    };
    match commands::run(cli.command, &ui::Stderr) {
        Ok(Outcome::Print(text)) => {
            // One write of the whole text: the shell never evaluates half of it.
            let mut out = std::io::stdout().lock();
            match out.write_all(text.as_bytes()).and_then(|()| out.flush()) {
                Ok(()) => 0,
                Err(err) if err.kind() == std::io::ErrorKind::BrokenPipe => 1,
                Err(err) => {
                    ui::eprint(&format!("stdout: {err}"));
                    1
                }
            }
        }
        Ok(Outcome::Exit(code)) => code,
        Err(err) => {
            ui::report(&err);
            err.exit_code()
        }
    }
}

/// The process holds a client secret, tokens and role credentials: a crash must not write them
/// to a core file, and (Linux) other processes of the same user must not read them through
/// ptrace or /proc/PID/mem. Only the soft core limit is lowered, so a command `exec` starts may
/// raise it again. Two system calls; failures change nothing else, so they are ignored.
fn no_core_dumps() {
    #[cfg(unix)]
    // SAFETY: getrlimit/setrlimit read and write a local struct; prctl takes plain integers.
    unsafe {
        let mut limit = libc::rlimit {
            rlim_cur: 0,
            rlim_max: 0,
        };
        if libc::getrlimit(libc::RLIMIT_CORE, &mut limit) == 0 {
            limit.rlim_cur = 0;
        }
        libc::setrlimit(libc::RLIMIT_CORE, &limit);
        #[cfg(any(target_os = "linux", target_os = "android"))]
        libc::prctl(libc::PR_SET_DUMPABLE, 0, 0, 0, 0);
    }
}
