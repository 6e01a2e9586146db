# ssoenv shell integration for fish. Load it from ~/.config/fish/config.fish with:
#
#   ssoenv init fish | source
#
# It defines these functions and nothing else; loading it prints nothing and changes no
# variable or prompt:
#
#   awsuse [PROFILE] [OPTION]...  make PROFILE's credentials this shell's (log in only if needed);
#                                 with no PROFILE, pick one from a list (on a terminal);
#                                 OPTIONs are `ssoenv use`'s (--force-refresh, --no-browser, ...)
#   awsuse -                      go back to the profile used before
#   awsuse --unset                remove every variable awsuse set
#   awsuse --help | --version     print awsuse's usage and `ssoenv use`'s options, or the version
#   ssoenv_prompt                 print the active profile and the time its credentials have left
#                                 ("dev 42m", "dev 3h05m", "dev expired"; nothing without one)
#   _ssoenv*                      completion: profile names for awsuse and ssoenv use, exec,
#                                 login, logout, status, credential-process and console
#
# Show the profile in the prompt:
#
#   function fish_right_prompt; ssoenv_prompt; end
#
# `ssoenv init fish` prints the completion for ssoenv's own options first (the same as
# `ssoenv completions fish`, its helper functions renamed _ssoenv_*), then this file.

# awsuse's own usage, printed before `ssoenv use --help` (the options it passes on).
function _ssoenv_usage --description 'Print awsuse\'s usage'
    printf '%s\n' \
        'Usage: awsuse [PROFILE] [OPTION]...  make PROFILE\'s credentials this shell\'s (log in if needed)' \
        '       awsuse                        pick a profile from a list' \
        '       awsuse -                      go back to the profile used before' \
        '       awsuse --unset                remove every variable awsuse set' \
        '       awsuse --help | --version     print this, or ssoenv\'s version' \
        '' \
        'OPTIONs are passed on to ssoenv use:' \
        ''
end

# awsuse: nothing is applied unless ssoenv succeeds; its status is awsuse's.
function awsuse --description 'Make a profile\'s AWS credentials this shell\'s (awsuse [PROFILE | - | --unset])'
    # ssoenv prints help and version on stdout with status 0: printed here, never evaluated.
    # Any single-dash word holding h or V counts, as ssoenv reads clusters such as -hV.
    for arg in $argv
        test "$arg" = --; and break
        if string match -qr -- '^(--help|-[^-]*h.*)$' $arg
            _ssoenv_usage
            command ssoenv use --help
            return
        else if string match -qr -- '^(--version|-[^-]*V.*)$' $arg
            command ssoenv --version
            return
        end
    end
    set -l from "$SSOENV_PROFILE"
    set -l code
    set -l code_status
    if test "$argv[1]" = --unset
        set code (command ssoenv unset --shell fish | string collect)
        set code_status $pipestatus[1]
    else
        if test "$argv[1]" = -
            if test -z "$SSOENV_PREVIOUS_PROFILE"
                echo 'awsuse: no previous profile' >&2
                return 1
            end
            set argv $SSOENV_PREVIOUS_PROFILE $argv[2..-1]
        end
        set code (command ssoenv use --shell fish $argv | string collect)
        set code_status $pipestatus[1]
    end
    test "$code_status" = 0; or return $code_status
    printf '%s\n' $code | source; or return
    # Remembered for `awsuse -` in this shell only (not exported).
    if test -n "$from"; and test "$from" != "$SSOENV_PROFILE"
        set -g SSOENV_PREVIOUS_PROFILE $from
    end
    return 0
end

# ssoenv_prompt: computed from SSOENV_PROFILE and SSOENV_EXPIRES_AT (epoch seconds); the only
# program it runs is `date +%s`.
function ssoenv_prompt --description 'Print the active AWS profile and the time its credentials have left'
    test -n "$SSOENV_PROFILE"; or return 0
    if not string match -qr '^[0-9]+$' -- "$SSOENV_EXPIRES_AT"
        printf '%s' "$SSOENV_PROFILE"
        return 0
    end
    set -l left (math "$SSOENV_EXPIRES_AT - "(date +%s))
    if test $left -le 0
        printf '%s expired' "$SSOENV_PROFILE"
    else if test $left -lt 3600
        printf '%s %dm' "$SSOENV_PROFILE" (math "floor($left / 60)")
    else
        printf '%s %dh%02dm' "$SSOENV_PROFILE" (math "floor($left / 3600)") (math "floor($left % 3600 / 60)")
    end
end

function _ssoenv_profiles --description 'The profile names in the AWS config, for completion'
    command ssoenv list --names 2>/dev/null
end

# Whether the token being completed is where a profile name goes: the first argument after
# ssoenv's subcommand (or awsuse) that is neither an option nor an option's value.
function _ssoenv_wants_profile --description 'Whether a profile name goes at the cursor'
    string match -q -- '-*' (commandline -ct); and return 1
    set -l tokens (commandline -opc)
    set -l sub
    test "$tokens[1]" = awsuse; and set sub use
    set -l value 0
    for word in $tokens[2..-1]
        if test -z "$sub"
            string match -q -- '-*' $word; or set sub $word
            continue
        end
        if test $value = 1
            set value 0
            continue
        end
        switch $word
            case --
                return 1
            case -s --shell --sso-session --service --destination --region
                set value 1
            case '-*'
            case '*'
                return 1
        end
    end
    test $value = 0; and contains -- "$sub" use exec login logout status credential-process console
end

complete -c awsuse -f
complete -c awsuse -n _ssoenv_wants_profile -a '(_ssoenv_profiles)' -d Profile
complete -c awsuse -n _ssoenv_wants_profile -a - -d 'The profile used before'
complete -c awsuse -l unset -d 'Remove every variable awsuse set'
complete -c awsuse -l force-refresh -d 'Fetch new role credentials'
complete -c awsuse -l no-browser -d 'Log in with a code, opening no browser'
complete -c awsuse -l use-device-code -d 'Log in with the device code flow'
complete -c ssoenv -n _ssoenv_wants_profile -f -a '(_ssoenv_profiles)' -d Profile
