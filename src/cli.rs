//! The command line, as clap sees it. Help texts are the user-facing contract.

use clap::{Args, Parser, Subcommand};

use crate::shell::Shell;

#[derive(Debug, Parser)]
#[command(
    name = "ssoenv",
    version,
    about = "AWS IAM Identity Center (SSO) credentials in your shell, in one word",
    long_about = "Resolve a profile from ~/.aws/config, reuse the AWS CLI's SSO token cache, log in \
                  only when needed, and print environment variables for your shell to evaluate.\n\n\
                  Typical use:\n  eval \"$(ssoenv use dev)\"           # bash, zsh\n  \
                  ssoenv use dev | source            # fish\n  \
                  ssoenv exec dev -- terraform plan  # one command",
    propagate_version = true,
    disable_help_subcommand = true
)]
pub struct Cli {
    #[command(subcommand)]
    pub command: Command,
}

#[derive(Debug, Subcommand)]
pub enum Command {
    /// Print shell code that exports a profile's credentials (log in only if needed)
    Use(UseArgs),
    /// Run one command with a profile's credentials in its environment
    Exec(ExecArgs),
    /// Print shell code that removes every variable `use` sets
    Unset(UnsetArgs),
    /// Log in to IAM Identity Center and cache the token (shared with the AWS CLI)
    Login(LoginArgs),
    /// Log out: end the session and delete its cached token and role credentials
    Logout(LogoutArgs),
    /// Show the cached token and credentials of a profile
    Status(StatusArgs),
    /// List the profiles in the AWS config and credentials files
    List(ListArgs),
    /// Print credentials as JSON for `credential_process = ssoenv credential-process NAME`
    CredentialProcess(CredentialProcessArgs),
    /// Open the AWS console in the browser as a profile (sign in only if needed)
    Console(ConsoleArgs),
    /// Create an sso-session and a profile, interactively or all by flags
    Configure(ConfigureArgs),
    /// Write a profile for every account and role you can reach
    Populate(PopulateArgs),
    /// Print the shell integration (awsuse, prompt, completion) for SHELL
    #[command(after_long_help = "Set up, one line in the shell's start-up file:\n  \
        eval \"$(ssoenv init bash)\"                               # ~/.bashrc\n  \
        eval \"$(ssoenv init zsh)\"                                # ~/.zshrc, after compinit\n  \
        ssoenv init fish | source                                # ~/.config/fish/config.fish\n  \
        ssoenv init powershell | Out-String | Invoke-Expression  # $PROFILE\n  \
        ssoenv init cmd > \"%USERPROFILE%\\bin\\awsuse.cmd\"         # cmd: once, into a folder on PATH\n  \
        eval (ssoenv init elvish | slurp)                        # rc.elv\n  \
        execx($(ssoenv init xonsh), 'exec', __xonsh__.ctx, filename='ssoenv')  # ~/.xonshrc\n  \
        ssoenv init nu | save -f ($nu.default-config-dir | path join ssoenv.nu)  # nu: once, then\n  \
        source ($nu.default-config-dir | path join ssoenv.nu)   # in config.nu\n\n\
        Then: awsuse PROFILE (log in if needed, set the credentials), awsuse (pick from a list), \
        awsuse - (the previous profile), awsuse --unset; ssoenv_prompt prints \"dev 42m\" for \
        a prompt; TAB completes profile names for awsuse and ssoenv use/exec/login.")]
    Init(InitArgs),
    /// Print a completion script for SHELL
    Completions(CompletionsArgs),
}

#[derive(Debug, Args)]
pub struct LoginOptions {
    /// Do not open a browser: print the URL and a code to approve from any device
    #[arg(long)]
    pub no_browser: bool,
    /// Use the device code flow instead of the browser redirect (PKCE)
    #[arg(long)]
    pub use_device_code: bool,
}

#[derive(Debug, Args)]
pub struct UseArgs {
    /// Profile name [default: a picker on a terminal; else $AWS_PROFILE, $AWS_DEFAULT_PROFILE,
    /// default]
    pub profile: Option<String>,
    #[arg(long, short = 's', value_name = "SHELL")]
    /// Shell to print for [default: $SSOENV_SHELL, then the shell running ssoenv, then $SHELL,
    /// then bash]
    pub shell: Option<Shell>,
    #[command(flatten)]
    pub login: LoginOptions,
    /// Fetch new role credentials even when cached ones are still good
    #[arg(long)]
    pub force_refresh: bool,
    /// Never sign in: reuse or refresh only, and fail (status 1) when a sign-in is needed (the
    /// shell integration's quiet refresh before a prompt)
    #[arg(long, conflicts_with_all = ["no_browser", "use_device_code"])]
    pub no_login: bool,
}

#[derive(Debug, Args)]
pub struct ExecArgs {
    /// Profile name [default: $SSOENV_PROFILE, $AWS_PROFILE, $AWS_DEFAULT_PROFILE, default]
    pub profile: Option<String>,
    /// Serve credentials to COMMAND from an endpoint on 127.0.0.1 that keeps them fresh, instead
    /// of putting keys in its environment (for commands that outlast their credentials)
    #[arg(long)]
    pub serve: bool,
    /// The command to run, after `--`
    #[arg(last = true, required = true, value_name = "COMMAND")]
    pub command: Vec<std::ffi::OsString>,
}

/// The hint for a usage error that clap gives none for: `ssoenv exec P env` without `--`, the
/// slip people make every day (clap reads `env` as an unexpected argument), gets the command line
/// they meant. `args` are the process's arguments, the program name first.
pub fn usage_hint(args: &[std::ffi::OsString], err: &clap::Error) -> Option<String> {
    use clap::error::{ContextKind, ContextValue, ErrorKind};
    let words: Vec<String> = args
        .get(1..)?
        .iter()
        .map(|w| w.to_string_lossy().into_owned())
        .collect();
    let (command, words) = words.split_first()?;
    if command != "exec" || words.iter().any(|w| w == "--") {
        return None;
    }
    let shown = |words: &[String]| -> String {
        let words: Vec<_> = words.iter().map(|w| crate::shell::word(w)).collect();
        words.join(" ")
    };
    match err.kind() {
        // The profile, then the first word of the command: `--` goes between them.
        ErrorKind::UnknownArgument => {
            let Some(ContextValue::String(invalid)) = err.get(ContextKind::InvalidArg) else {
                return None;
            };
            let profile = words.first().filter(|w| !w.starts_with('-'))?;
            (words.get(1) == Some(invalid)).then(|| {
                format!(
                    "the command goes after `--`: ssoenv exec {} -- {}",
                    shown(std::slice::from_ref(profile)),
                    shown(&words[1..])
                )
            })
        }
        ErrorKind::MissingRequiredArgument => Some(format!(
            "the command goes after `--`: ssoenv exec {}-- COMMAND [ARG]...",
            words
                .first()
                .map(|p| format!("{} ", shown(std::slice::from_ref(p))))
                .unwrap_or_default()
        )),
        _ => None,
    }
}

#[derive(Debug, Args)]
pub struct UnsetArgs {
    #[arg(long, short = 's', value_name = "SHELL")]
    /// Shell to print for [default: $SSOENV_SHELL, then the shell running ssoenv, then $SHELL,
    /// then bash]
    pub shell: Option<Shell>,
}

#[derive(Debug, Args)]
pub struct LoginArgs {
    /// Profile whose sso-session (or start URL) to log in to
    /// [default: $SSOENV_PROFILE, $AWS_PROFILE, $AWS_DEFAULT_PROFILE, default]
    #[arg(conflicts_with = "sso_session")]
    pub profile: Option<String>,
    /// Log in to this [sso-session NAME] directly
    #[arg(long, value_name = "NAME")]
    pub sso_session: Option<String>,
    #[command(flatten)]
    pub login: LoginOptions,
}

#[derive(Debug, Args)]
pub struct LogoutArgs {
    /// Profile whose session to end
    /// [default: $SSOENV_PROFILE, $AWS_PROFILE, $AWS_DEFAULT_PROFILE, default]
    #[arg(conflicts_with_all = ["sso_session", "all"])]
    pub profile: Option<String>,
    /// End this [sso-session NAME]
    #[arg(long, value_name = "NAME", conflicts_with = "all")]
    pub sso_session: Option<String>,
    /// End every cached session and delete every cached SSO role credential
    #[arg(long)]
    pub all: bool,
}

#[derive(Debug, Args)]
pub struct StatusArgs {
    /// Profile name [default: $SSOENV_PROFILE, $AWS_PROFILE, $AWS_DEFAULT_PROFILE, default]
    pub profile: Option<String>,
    /// Print JSON for scripts
    #[arg(long)]
    pub json: bool,
}

#[derive(Debug, Args)]
pub struct ListArgs {
    /// Print a JSON array for scripts
    #[arg(long, conflicts_with = "names")]
    pub json: bool,
    /// Print only the profile names, one a line (for completion)
    #[arg(long)]
    pub names: bool,
}

#[derive(Debug, Args)]
pub struct CredentialProcessArgs {
    /// Profile name [default: $SSOENV_PROFILE, $AWS_PROFILE, $AWS_DEFAULT_PROFILE, default]
    pub profile: Option<String>,
}

#[derive(Debug, Args)]
#[command(
    after_long_help = "The sign-in link works for 15 minutes and signs anyone who has it \
    in as the profile's role: it goes only to the browser (as its argument, which other users \
    of this machine may see while the browser starts), or, with --print, to stdout. Over SSH or \
    with no display there is no browser to open: use --print and open the link where you are."
)]
pub struct ConsoleArgs {
    /// Profile name [default: $SSOENV_PROFILE, $AWS_PROFILE, $AWS_DEFAULT_PROFILE, default]
    pub profile: Option<String>,
    /// Open this service's page (s3, ec2, cloudwatch, lambda, iam, ddb, ...) instead of the home
    #[arg(long, value_name = "NAME", conflicts_with = "destination")]
    pub service: Option<String>,
    /// Open this console page (an https URL on the partition's console)
    #[arg(long, value_name = "URL")]
    pub destination: Option<String>,
    /// Region of the console [default: the profile's region, else us-east-1]
    #[arg(long, value_name = "REGION")]
    pub region: Option<String>,
    /// Print the sign-in link on stdout instead of opening a browser
    #[arg(long)]
    pub print: bool,
    #[command(flatten)]
    pub login: LoginOptions,
    /// Fetch new role credentials even when cached ones are still good
    #[arg(long)]
    pub force_refresh: bool,
}

#[derive(Debug, Args)]
pub struct ConfigureArgs {
    /// Use (or create) this [sso-session NAME]
    #[arg(long, value_name = "NAME")]
    pub sso_session: Option<String>,
    /// The AWS access portal URL, e.g. https://d-1234567890.awsapps.com/start
    #[arg(long, value_name = "URL")]
    pub start_url: Option<String>,
    /// The region of the IAM Identity Center instance
    #[arg(long, value_name = "REGION")]
    pub sso_region: Option<String>,
    /// Account ID (12 digits)
    #[arg(long, value_name = "ID")]
    pub account_id: Option<String>,
    /// Role (permission set) name
    #[arg(long, value_name = "ROLE")]
    pub role_name: Option<String>,
    /// Default region for the profile
    #[arg(long, value_name = "REGION")]
    pub region: Option<String>,
    /// Default output format for the profile
    #[arg(
        long,
        value_name = "FORMAT",
        value_parser = ["json", "text", "table", "yaml", "yaml-stream"]
    )]
    pub output: Option<String>,
    /// Name of the profile to write [default: {account name}-{role name}]
    #[arg(long, value_name = "NAME")]
    pub profile: Option<String>,
    /// Replace the profile when one of that name exists
    #[arg(long)]
    pub force: bool,
    #[command(flatten)]
    pub login: LoginOptions,
}

#[derive(Debug, Args)]
pub struct PopulateArgs {
    /// The [sso-session NAME] whose accounts and roles to write [default: the only one]
    #[arg(long, value_name = "NAME")]
    pub sso_session: Option<String>,
    /// Profile name template: {account_name}, {account_id}, {role_name}
    #[arg(
        long,
        value_name = "TEMPLATE",
        default_value = "{account_name}-{role_name}"
    )]
    pub template: String,
    /// Default region for every written profile
    #[arg(long, value_name = "REGION")]
    pub region: Option<String>,
    /// Print what would change, write nothing
    #[arg(long)]
    pub dry_run: bool,
    /// Remove profiles written earlier for roles that no longer exist
    #[arg(long)]
    pub prune: bool,
    /// At most this many requests a second to the access portal (across all threads)
    #[arg(
        long,
        value_name = "PER_SECOND",
        default_value_t = 10,
        value_parser = clap::value_parser!(u32).range(1..=1000)
    )]
    pub max_rate: u32,
    #[command(flatten)]
    pub login: LoginOptions,
}

#[derive(Debug, Args)]
pub struct InitArgs {
    #[arg(value_parser = InitShellParser)]
    pub shell: InitShell,
}

/// The shells `init` has an integration for: those `use` prints for, json aside (an output
/// format, not a shell).
#[derive(Debug, Clone, Copy, PartialEq, Eq, clap::ValueEnum)]
pub enum InitShell {
    Bash,
    Zsh,
    Fish,
    #[value(alias = "pwsh")]
    Powershell,
    Cmd,
    Nu,
    Elvish,
    Xonsh,
}

/// `InitShell`'s own values, and a message of its own for `json`: `use --shell json` exists, so
/// `init json` is a natural thing to try.
#[derive(Debug, Clone, Copy)]
struct InitShellParser;

impl clap::builder::TypedValueParser for InitShellParser {
    type Value = InitShell;

    fn parse_ref(
        &self,
        cmd: &clap::Command,
        arg: Option<&clap::Arg>,
        value: &std::ffi::OsStr,
    ) -> Result<InitShell, clap::Error> {
        if value == Shell::Json.name() {
            let values: Vec<String> = self
                .possible_values()
                .into_iter()
                .flatten()
                .map(|v| v.get_name().to_string())
                .collect();
            return Err(clap::Error::raw(
                clap::error::ErrorKind::InvalidValue,
                format!(
                    "invalid value 'json' for '{}': no shell integration for json\n  \
                     [possible values: {}]\n\nFor more information, try '--help'.\n",
                    arg.map_or_else(|| "SHELL".into(), ToString::to_string),
                    values.join(", ")
                ),
            )
            .with_cmd(cmd));
        }
        clap::builder::EnumValueParser::<InitShell>::new().parse_ref(cmd, arg, value)
    }

    fn possible_values(
        &self,
    ) -> Option<Box<dyn Iterator<Item = clap::builder::PossibleValue> + '_>> {
        Some(Box::new(
            <InitShell as clap::ValueEnum>::value_variants()
                .iter()
                .filter_map(clap::ValueEnum::to_possible_value),
        ))
    }
}

#[derive(Debug, Args)]
pub struct CompletionsArgs {
    pub shell: CompletionShell,
}

#[derive(Debug, Clone, Copy, clap::ValueEnum)]
pub enum CompletionShell {
    Bash,
    Zsh,
    Fish,
    #[value(alias = "pwsh")]
    Powershell,
    Elvish,
}

impl CompletionShell {
    pub fn generator(self) -> clap_complete::Shell {
        match self {
            CompletionShell::Bash => clap_complete::Shell::Bash,
            CompletionShell::Zsh => clap_complete::Shell::Zsh,
            CompletionShell::Fish => clap_complete::Shell::Fish,
            CompletionShell::Powershell => clap_complete::Shell::PowerShell,
            CompletionShell::Elvish => clap_complete::Shell::Elvish,
        }
    }
}
