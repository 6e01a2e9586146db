# ssoenv shell integration for fish. Load it from ~/.config/fish/config.fish with:
#
#   ssoenv init fish | source
#
# It defines these functions and nothing else (_ssoenv_refresh handles the fish_prompt event);
# loading it prints nothing and changes no variable or prompt:
#
#   awsuse [PROFILE] [OPTION]...  make PROFILE's credentials this shell's (log in only if needed);
#                                 with no PROFILE, pick one from a list (on a terminal);
#                                 OPTIONs are `ssoenv use`'s (--force-refresh, --no-browser, ...)
#   awsuse -                      go back to the profile used before
#   awsuse --unset                remove every variable awsuse set
#   awsuse --help | --version     print awsuse's usage and `ssoenv use`'s options, or the version
#   ssoenv_prompt                 print the active profile and the time its credentials have left
#                                 ("dev 42m", "dev 3h05m", "dev expiring 4m" under 10 minutes,
#                                 "dev expired"; nothing without one)
#   _ssoenv_refresh               before each prompt, when the credentials have fewer than 10
#                                 minutes left: fresh ones, quietly, if no sign-in is needed (see
#                                 below; off when SSOENV_NO_REFRESH is set and not empty)
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

# The time, in epoch seconds. fish has no variable for it; `path mtime` (fish 3.5) gives when a
# file last changed and how long ago, which add up to now, with no program run. Older fish runs
# `date +%s`.
function _ssoenv_now --description 'The time in epoch seconds'
    if builtin -q path 2>/dev/null
        and set -l at (path mtime / 2>/dev/null)
        and set -l ago (path mtime --relative / 2>/dev/null)
        math "$at + $ago"
    else
        date +%s
    end
end

# ssoenv_prompt: computed from SSOENV_PROFILE and SSOENV_EXPIRES_AT (epoch seconds), with no
# program run (see _ssoenv_now).
function ssoenv_prompt --description 'Print the active AWS profile and the time its credentials have left'
    test -n "$SSOENV_PROFILE"; or return 0
    if not string match -qr '^[0-9]+$' -- "$SSOENV_EXPIRES_AT"
        printf '%s' "$SSOENV_PROFILE"
        return 0
    end
    set -l left (math "$SSOENV_EXPIRES_AT - "(_ssoenv_now))
    if test $left -le 0
        printf '%s expired' "$SSOENV_PROFILE"
    else if test $left -lt 600
        # Still this close after the refresh before the prompt: it failed, or is off.
        printf '%s expiring %dm' "$SSOENV_PROFILE" (math "floor($left / 60)")
    else if test $left -lt 3600
        printf '%s %dm' "$SSOENV_PROFILE" (math "floor($left / 60)")
    else
        printf '%s %dh%02dm' "$SSOENV_PROFILE" (math "floor($left / 3600)") (math "floor($left % 3600 / 60)")
    end
end

# _ssoenv_refresh: before each prompt, when the active profile's credentials have fewer than 10
# minutes left, `ssoenv use --no-login` gets fresh ones quietly: reused or refreshed, never a
# sign-in, a device code or a question, and within 5 seconds (SSOENV_COMMAND_TIMEOUT bounds its
# every wait; a sign-in in progress elsewhere is not waited for). They are applied only when it
# succeeds; a failure leaves everything as it was (the prompt segment then says "expiring", and
# later "expired"), and is tried again a minute later at the earliest. While the credentials are
# fresh it runs no program (see _ssoenv_now).
function _ssoenv_refresh --on-event fish_prompt --description 'Refresh expiring AWS credentials before the prompt'
    test -z "$SSOENV_NO_REFRESH"; and test -n "$SSOENV_PROFILE"; or return 0
    string match -qr '^[0-9]+$' -- "$SSOENV_EXPIRES_AT"; or return 0
    set -l now (_ssoenv_now)
    test (math "$SSOENV_EXPIRES_AT - $now") -lt 600; or return 0
    if string match -qr '^[0-9]+$' -- "$_ssoenv_refresh_failed"
        test (math "$now - $_ssoenv_refresh_failed") -ge 60; or return 0
    end
    set -l code (SSOENV_COMMAND_TIMEOUT=5 command ssoenv use --no-login --shell fish -- $SSOENV_PROFILE 2>/dev/null | string collect)
    if test "$pipestatus[1]" = 0; and printf '%s\n' $code | source
        set -e _ssoenv_refresh_failed
    else
        set -g _ssoenv_refresh_failed $now
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
