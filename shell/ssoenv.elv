# ssoenv shell integration for elvish (0.18 or later). Load it from rc.elv with:
#
#   eval (ssoenv init elvish | slurp)
#
# It adds these commands to the prompt's namespace (with edit:add-var, as `eval` keeps what it
# defines to itself) and nothing else; loading it prints nothing and changes no variable or prompt:
#
#   awsuse [PROFILE] [OPTION]...  make PROFILE's credentials this shell's (log in only if needed);
#                                 with no PROFILE, pick one from a list (on a terminal);
#                                 OPTIONs are `ssoenv use`'s (--force-refresh, --no-browser, ...)
#   awsuse -                      go back to the profile used before
#   awsuse --unset                remove every variable awsuse set
#   awsuse --help | --version     print awsuse's usage and `ssoenv use`'s options, or the version
#   ssoenv_prompt                 print the active profile and the time its credentials have left
#                                 ("dev 42m", "dev 3h05m", "dev expired"; nothing without one)
#
# and completes profile names for awsuse and for ssoenv use, exec, login, logout, status and
# credential-process (ssoenv's own options by clap's completer, which comes first in
# `ssoenv init elvish`). When ssoenv fails, awsuse applies nothing and throws ssoenv's failure.
#
# Show the profile in the prompt (the only program it runs is `date +%s`):
#
#   set edit:rprompt = { ssoenv_prompt }

use re
use str

# awsuse's own usage, printed before `ssoenv use --help` (the options it passes on).
fn _ssoenv_usage {
    echo "Usage: awsuse [PROFILE] [OPTION]...  make PROFILE's credentials this shell's (log in if needed)"
    echo '       awsuse                        pick a profile from a list'
    echo '       awsuse -                      go back to the profile used before'
    echo '       awsuse --unset                remove every variable awsuse set'
    echo "       awsuse --help | --version     print this, or ssoenv's version"
    echo ''
    echo 'OPTIONs are passed on to ssoenv use:'
    echo ''
}

# The profile awsuse switched away from, for `awsuse -`: this shell's only, never exported.
var _ssoenv_previous = ''

# awsuse: nothing is applied unless ssoenv succeeds (a failing ssoenv throws before `eval`).
fn awsuse {|@args|
    # ssoenv prints help and version on stdout with status 0: printed here, never evaluated. Any
    # single-dash word holding h or V counts, as ssoenv reads clusters such as -hV.
    for arg $args {
        if (eq $arg --) {
            break
        }
        if (re:match '^(--help|-[^-]*h.*)$' $arg) {
            _ssoenv_usage
            e:ssoenv use --help
            return
        }
        if (re:match '^(--version|-[^-]*V.*)$' $arg) {
            e:ssoenv --version
            return
        }
    }
    var from = $E:SSOENV_PROFILE
    var code = ''
    if (and (> (count $args) 0) (eq $args[0] --unset)) {
        set code = (e:ssoenv unset --shell elvish | slurp)
    } else {
        if (and (> (count $args) 0) (eq $args[0] -)) {
            if (eq $_ssoenv_previous '') {
                fail 'awsuse: no previous profile'
            }
            set args = [$_ssoenv_previous (all $args[1..])]
        }
        set code = (e:ssoenv use --shell elvish $@args | slurp)
    }
    eval $code
    if (and (not-eq $from '') (not-eq $from $E:SSOENV_PROFILE)) {
        set _ssoenv_previous = $from
    }
}

# ssoenv_prompt: computed from SSOENV_PROFILE and SSOENV_EXPIRES_AT (epoch seconds).
fn ssoenv_prompt {
    var name = $E:SSOENV_PROFILE
    if (eq $name '') {
        return
    }
    var expires = $E:SSOENV_EXPIRES_AT
    if (not (re:match '^[0-9]{1,18}$' $expires)) {
        print $name
        return
    }
    var left = (- $expires (e:date +%s))
    if (<= $left 0) {
        print $name' expired'
    } elif (< $left 3600) {
        printf '%s %dm' $name (/ (- $left (% $left 60)) 60)
    } else {
        var minutes = (/ (- (% $left 3600) (% $left 60)) 60)
        printf '%s %dh%02dm' $name (/ (- $left (% $left 3600)) 3600) $minutes
    }
}

fn _ssoenv_profiles {
    try {
        e:ssoenv list --names 2>/dev/null | from-lines
    } catch {
        # No config, or no ssoenv: nothing to offer.
    }
}

# Whether a profile name goes at the last of `words` (the command line up to the word being
# completed): the first argument after ssoenv's subcommand (or awsuse) that is neither an option
# nor an option's value.
fn _ssoenv_wants_profile {|words|
    if (str:has-prefix $words[-1] -) {
        put $false
        return
    }
    var sub = ''
    if (eq $words[0] awsuse) {
        set sub = use
    }
    var value = $false
    for word $words[1..-1] {
        if (eq $sub '') {
            if (not (str:has-prefix $word -)) {
                set sub = $word
            }
            continue
        }
        if $value {
            set value = $false
            continue
        }
        if (eq $word --) {
            put $false
            return
        }
        if (has-value [-s --shell --sso-session] $word) {
            set value = $true
            continue
        }
        if (str:has-prefix $word -) {
            continue
        }
        put $false
        return
    }
    put (and (not $value) (has-value [use exec login logout status credential-process] $sub))
}

set edit:completion:arg-completer[awsuse] = {|@words|
    if (str:has-prefix $words[-1] -) {
        put - --unset --force-refresh --no-browser --use-device-code
    } elif (_ssoenv_wants_profile $words) {
        _ssoenv_profiles
    }
}

# clap's completer (above) answers every position where no profile name goes.
var _ssoenv_clap_complete = $edit:completion:arg-completer[ssoenv]
set edit:completion:arg-completer[ssoenv] = {|@words|
    if (_ssoenv_wants_profile $words) {
        _ssoenv_profiles
    } else {
        $_ssoenv_clap_complete $@words
    }
}

edit:add-var awsuse~ $awsuse~
edit:add-var ssoenv_prompt~ $ssoenv_prompt~
