# Print an optspec for argparse to handle cmd's options that are independent of any subcommand.
function __fish_ssoenv_global_optspecs
    string join \n h/help V/version
end

function __fish_ssoenv_needs_command
    # Figure out if the current invocation already has a command.
    set -l cmd (commandline -opc)
    set -e cmd[1]
    argparse -s (__fish_ssoenv_global_optspecs) -- $cmd 2>/dev/null
    or return
    if set -q argv[1]
        # Also print the command, so this can be used to figure out what it is.
        echo $argv[1]
        return 1
    end
    return 0
end

function __fish_ssoenv_using_subcommand
    set -l cmd (__fish_ssoenv_needs_command)
    test -z "$cmd"
    and return 1
    contains -- $cmd[1] $argv
end

complete -c ssoenv -n "__fish_ssoenv_needs_command" -s h -l help -d 'Print help (see more with \'--help\')'
complete -c ssoenv -n "__fish_ssoenv_needs_command" -s V -l version -d 'Print version'
complete -c ssoenv -n "__fish_ssoenv_needs_command" -f -a "use" -d 'Print shell code that exports a profile\'s credentials (log in only if needed)'
complete -c ssoenv -n "__fish_ssoenv_needs_command" -f -a "exec" -d 'Run one command with a profile\'s credentials in its environment'
complete -c ssoenv -n "__fish_ssoenv_needs_command" -f -a "unset" -d 'Print shell code that removes every variable `use` sets'
complete -c ssoenv -n "__fish_ssoenv_needs_command" -f -a "login" -d 'Log in to IAM Identity Center and cache the token (shared with the AWS CLI)'
complete -c ssoenv -n "__fish_ssoenv_needs_command" -f -a "logout" -d 'Log out: end the session and delete its cached token and role credentials'
complete -c ssoenv -n "__fish_ssoenv_needs_command" -f -a "status" -d 'Show the cached token and credentials of a profile'
complete -c ssoenv -n "__fish_ssoenv_needs_command" -f -a "list" -d 'List the profiles in the AWS config and credentials files'
complete -c ssoenv -n "__fish_ssoenv_needs_command" -f -a "credential-process" -d 'Print credentials as JSON for `credential_process = ssoenv credential-process NAME`'
complete -c ssoenv -n "__fish_ssoenv_needs_command" -f -a "console" -d 'Open the AWS console in the browser as a profile (sign in only if needed)'
complete -c ssoenv -n "__fish_ssoenv_needs_command" -f -a "configure" -d 'Create an sso-session and a profile, interactively or all by flags'
complete -c ssoenv -n "__fish_ssoenv_needs_command" -f -a "populate" -d 'Write a profile for every account and role you can reach'
complete -c ssoenv -n "__fish_ssoenv_needs_command" -f -a "init" -d 'Print the shell integration (awsuse, prompt, completion) for SHELL'
complete -c ssoenv -n "__fish_ssoenv_needs_command" -f -a "completions" -d 'Print a completion script for SHELL'
complete -c ssoenv -n "__fish_ssoenv_using_subcommand use" -s s -l shell -d 'Shell to print for [default: $SSOENV_SHELL, then the shell running ssoenv, then $SHELL, then bash]' -r -f -a "bash\t''
zsh\t''
fish\t''
powershell\t''
cmd\t''
json\t''
nu\t''
elvish\t''
xonsh\t''"
complete -c ssoenv -n "__fish_ssoenv_using_subcommand use" -l no-browser -d 'Do not open a browser: print the URL and a code to approve from any device'
complete -c ssoenv -n "__fish_ssoenv_using_subcommand use" -l use-device-code -d 'Use the device code flow instead of the browser redirect (PKCE)'
complete -c ssoenv -n "__fish_ssoenv_using_subcommand use" -l force-refresh -d 'Fetch new role credentials even when cached ones are still good'
complete -c ssoenv -n "__fish_ssoenv_using_subcommand use" -l no-login -d 'Never sign in: reuse or refresh only, and fail (status 1) when a sign-in is needed (the shell integration\'s quiet refresh before a prompt)'
complete -c ssoenv -n "__fish_ssoenv_using_subcommand use" -s h -l help -d 'Print help'
complete -c ssoenv -n "__fish_ssoenv_using_subcommand use" -s V -l version -d 'Print version'
complete -c ssoenv -n "__fish_ssoenv_using_subcommand exec" -l serve -d 'Serve credentials to COMMAND from an endpoint on 127.0.0.1 that keeps them fresh, instead of putting keys in its environment (for commands that outlast their credentials)'
complete -c ssoenv -n "__fish_ssoenv_using_subcommand exec" -s h -l help -d 'Print help'
complete -c ssoenv -n "__fish_ssoenv_using_subcommand exec" -s V -l version -d 'Print version'
complete -c ssoenv -n "__fish_ssoenv_using_subcommand unset" -s s -l shell -d 'Shell to print for [default: $SSOENV_SHELL, then the shell running ssoenv, then $SHELL, then bash]' -r -f -a "bash\t''
zsh\t''
fish\t''
powershell\t''
cmd\t''
json\t''
nu\t''
elvish\t''
xonsh\t''"
complete -c ssoenv -n "__fish_ssoenv_using_subcommand unset" -s h -l help -d 'Print help'
complete -c ssoenv -n "__fish_ssoenv_using_subcommand unset" -s V -l version -d 'Print version'
complete -c ssoenv -n "__fish_ssoenv_using_subcommand login" -l sso-session -d 'Log in to this [sso-session NAME] directly' -r
complete -c ssoenv -n "__fish_ssoenv_using_subcommand login" -l no-browser -d 'Do not open a browser: print the URL and a code to approve from any device'
complete -c ssoenv -n "__fish_ssoenv_using_subcommand login" -l use-device-code -d 'Use the device code flow instead of the browser redirect (PKCE)'
complete -c ssoenv -n "__fish_ssoenv_using_subcommand login" -s h -l help -d 'Print help'
complete -c ssoenv -n "__fish_ssoenv_using_subcommand login" -s V -l version -d 'Print version'
complete -c ssoenv -n "__fish_ssoenv_using_subcommand logout" -l sso-session -d 'End this [sso-session NAME]' -r
complete -c ssoenv -n "__fish_ssoenv_using_subcommand logout" -l all -d 'End every cached session and delete every cached SSO role credential'
complete -c ssoenv -n "__fish_ssoenv_using_subcommand logout" -s h -l help -d 'Print help'
complete -c ssoenv -n "__fish_ssoenv_using_subcommand logout" -s V -l version -d 'Print version'
complete -c ssoenv -n "__fish_ssoenv_using_subcommand status" -l json -d 'Print JSON for scripts'
complete -c ssoenv -n "__fish_ssoenv_using_subcommand status" -s h -l help -d 'Print help'
complete -c ssoenv -n "__fish_ssoenv_using_subcommand status" -s V -l version -d 'Print version'
complete -c ssoenv -n "__fish_ssoenv_using_subcommand list" -l json -d 'Print a JSON array for scripts'
complete -c ssoenv -n "__fish_ssoenv_using_subcommand list" -l names -d 'Print only the profile names, one a line (for completion)'
complete -c ssoenv -n "__fish_ssoenv_using_subcommand list" -s h -l help -d 'Print help'
complete -c ssoenv -n "__fish_ssoenv_using_subcommand list" -s V -l version -d 'Print version'
complete -c ssoenv -n "__fish_ssoenv_using_subcommand credential-process" -s h -l help -d 'Print help'
complete -c ssoenv -n "__fish_ssoenv_using_subcommand credential-process" -s V -l version -d 'Print version'
complete -c ssoenv -n "__fish_ssoenv_using_subcommand console" -l service -d 'Open this service\'s page (s3, ec2, cloudwatch, lambda, iam, ddb, ...) instead of the home' -r
complete -c ssoenv -n "__fish_ssoenv_using_subcommand console" -l destination -d 'Open this console page (an https URL on the partition\'s console)' -r
complete -c ssoenv -n "__fish_ssoenv_using_subcommand console" -l region -d 'Region of the console [default: the profile\'s region, else us-east-1]' -r
complete -c ssoenv -n "__fish_ssoenv_using_subcommand console" -l print -d 'Print the sign-in link on stdout instead of opening a browser'
complete -c ssoenv -n "__fish_ssoenv_using_subcommand console" -l no-browser -d 'Do not open a browser: print the URL and a code to approve from any device'
complete -c ssoenv -n "__fish_ssoenv_using_subcommand console" -l use-device-code -d 'Use the device code flow instead of the browser redirect (PKCE)'
complete -c ssoenv -n "__fish_ssoenv_using_subcommand console" -l force-refresh -d 'Fetch new role credentials even when cached ones are still good'
complete -c ssoenv -n "__fish_ssoenv_using_subcommand console" -s h -l help -d 'Print help (see more with \'--help\')'
complete -c ssoenv -n "__fish_ssoenv_using_subcommand console" -s V -l version -d 'Print version'
complete -c ssoenv -n "__fish_ssoenv_using_subcommand configure" -l sso-session -d 'Use (or create) this [sso-session NAME]' -r
complete -c ssoenv -n "__fish_ssoenv_using_subcommand configure" -l start-url -d 'The AWS access portal URL, e.g. https://d-1234567890.awsapps.com/start' -r
complete -c ssoenv -n "__fish_ssoenv_using_subcommand configure" -l sso-region -d 'The region of the IAM Identity Center instance' -r
complete -c ssoenv -n "__fish_ssoenv_using_subcommand configure" -l account-id -d 'Account ID (12 digits)' -r
complete -c ssoenv -n "__fish_ssoenv_using_subcommand configure" -l role-name -d 'Role (permission set) name' -r
complete -c ssoenv -n "__fish_ssoenv_using_subcommand configure" -l region -d 'Default region for the profile' -r
complete -c ssoenv -n "__fish_ssoenv_using_subcommand configure" -l output -d 'Default output format for the profile' -r -f -a "json\t''
text\t''
table\t''
yaml\t''
yaml-stream\t''"
complete -c ssoenv -n "__fish_ssoenv_using_subcommand configure" -l profile -d 'Name of the profile to write [default: {account name}-{role name}]' -r
complete -c ssoenv -n "__fish_ssoenv_using_subcommand configure" -l force -d 'Replace the profile when one of that name exists'
complete -c ssoenv -n "__fish_ssoenv_using_subcommand configure" -l no-browser -d 'Do not open a browser: print the URL and a code to approve from any device'
complete -c ssoenv -n "__fish_ssoenv_using_subcommand configure" -l use-device-code -d 'Use the device code flow instead of the browser redirect (PKCE)'
complete -c ssoenv -n "__fish_ssoenv_using_subcommand configure" -s h -l help -d 'Print help'
complete -c ssoenv -n "__fish_ssoenv_using_subcommand configure" -s V -l version -d 'Print version'
complete -c ssoenv -n "__fish_ssoenv_using_subcommand populate" -l sso-session -d 'The [sso-session NAME] whose accounts and roles to write [default: the only one]' -r
complete -c ssoenv -n "__fish_ssoenv_using_subcommand populate" -l template -d 'Profile name template: {account_name}, {account_id}, {role_name}' -r
complete -c ssoenv -n "__fish_ssoenv_using_subcommand populate" -l region -d 'Default region for every written profile' -r
complete -c ssoenv -n "__fish_ssoenv_using_subcommand populate" -l max-rate -d 'At most this many requests a second to the access portal (across all threads)' -r
complete -c ssoenv -n "__fish_ssoenv_using_subcommand populate" -l dry-run -d 'Print what would change, write nothing'
complete -c ssoenv -n "__fish_ssoenv_using_subcommand populate" -l prune -d 'Remove profiles written earlier for roles that no longer exist'
complete -c ssoenv -n "__fish_ssoenv_using_subcommand populate" -l no-browser -d 'Do not open a browser: print the URL and a code to approve from any device'
complete -c ssoenv -n "__fish_ssoenv_using_subcommand populate" -l use-device-code -d 'Use the device code flow instead of the browser redirect (PKCE)'
complete -c ssoenv -n "__fish_ssoenv_using_subcommand populate" -s h -l help -d 'Print help'
complete -c ssoenv -n "__fish_ssoenv_using_subcommand populate" -s V -l version -d 'Print version'
complete -c ssoenv -n "__fish_ssoenv_using_subcommand init" -s h -l help -d 'Print help (see more with \'--help\')'
complete -c ssoenv -n "__fish_ssoenv_using_subcommand init" -s V -l version -d 'Print version'
complete -c ssoenv -n "__fish_ssoenv_using_subcommand completions" -s h -l help -d 'Print help'
complete -c ssoenv -n "__fish_ssoenv_using_subcommand completions" -s V -l version -d 'Print version'
