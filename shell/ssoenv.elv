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
#                                 ("dev 42m", "dev 3h05m", "dev expiring 4m" under 10 minutes,
#                                 "dev expired"; nothing without one)
#
# and one hook, _ssoenv_refresh, added to edit:before-readline (once, however often this is
# loaded): before each prompt, when the credentials have fewer than 10 minutes left, fresh ones,
# quietly, if no sign-in is needed (see below; off when SSOENV_NO_REFRESH is set and not empty).
# It also completes profile names for awsuse and for ssoenv use, exec, login, logout, status and
# credential-process (ssoenv's own options by clap's completer, which comes first in
# `ssoenv init elvish`). When ssoenv fails, awsuse applies nothing and throws ssoenv's failure.
#
# Show the profile in the prompt (on Linux it runs no program; elsewhere `date +%s`):
#
#   eval (ssoenv init elvish | slurp) &on-end={|ns| set edit:rprompt = $ns[ssoenv_prompt~] }
#
# in place of the loading line: rc.elv is compiled as a whole before edit:add-var's commands exist,
# so `{ ssoenv_prompt }` there would name a program that is not found.

use math
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

# The time now in epoch seconds. elvish (0.19) has no clock of its own, so on Linux it is the boot
# time (/proc/stat's btime, read once here) plus the time since boot (/proc/uptime, which counts
# suspended time too): two file reads, no program. Elsewhere `date +%s`.
var _ssoenv_boot = ''
try {
    set _ssoenv_boot = (re:find '(?m)^btime ([0-9]+)$' (slurp < /proc/stat))[groups][1][text]
} catch {
    # No /proc: `date` it is.
}
fn _ssoenv_now {
    var up = ''
    if (not-eq $_ssoenv_boot '') {
        try {
            set up = (str:split ' ' (slurp < /proc/uptime) | take 1)
        } catch {
        }
    }
    if (re:match '^[0-9]+(\.[0-9]+)?$' $up) {
        put (+ (num $_ssoenv_boot) (exact-num (math:floor (num $up))))
    } else {
        num (e:date +%s)
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
    var left = (- (num $expires) (_ssoenv_now))
    if (<= $left 0) {
        print $name' expired'
    } elif (< $left 600) {
        # Still this close after the refresh before the prompt: it failed, or is off.
        printf '%s expiring %dm' $name (/ (- $left (% $left 60)) 60)
    } elif (< $left 3600) {
        printf '%s %dm' $name (/ (- $left (% $left 60)) 60)
    } else {
        var minutes = (/ (- (% $left 3600) (% $left 60)) 60)
        printf '%s %dh%02dm' $name (/ (- $left (% $left 3600)) 3600) $minutes
    }
}

# When the last quiet refresh failed (epoch seconds; 0: it did not): this shell's only.
var _ssoenv_refresh_failed = 0

# _ssoenv_refresh: before each prompt, when the active profile's credentials have fewer than 10
# minutes left, `ssoenv use --no-login` gets fresh ones quietly: reused or refreshed, never a
# sign-in, a device code or a question, and within 5 seconds (SSOENV_COMMAND_TIMEOUT bounds its
# every wait; a sign-in in progress elsewhere is not waited for). They are applied only when it
# succeeds; a failure leaves everything as it was (the prompt segment then says "expiring", and
# later "expired"), and is tried again a minute later at the earliest. While the credentials are
# fresh it runs no program on Linux (see _ssoenv_now).
fn _ssoenv_refresh {
    var name = $E:SSOENV_PROFILE
    var expires = $E:SSOENV_EXPIRES_AT
    if (or (not-eq $E:SSOENV_NO_REFRESH '') (eq $name '') (not (re:match '^[0-9]{1,18}$' $expires))) {
        return
    }
    var now = (_ssoenv_now)
    if (or (>= (- (num $expires) $now) 600) (< (- $now $_ssoenv_refresh_failed) 60)) {
        return
    }
    try {
        tmp E:SSOENV_COMMAND_TIMEOUT = 5
        eval (e:ssoenv use --no-login --shell elvish -- $name 2>/dev/null | slurp)
        set _ssoenv_refresh_failed = 0
    } catch {
        set _ssoenv_refresh_failed = $now
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

# The one hook: first before each prompt, in place of one an earlier load added (found by its
# code, as every load makes a new function).
fn _ssoenv_is_hook {|f|
    try {
        str:contains $f[body] '_ssoenv_refresh_failed'
    } catch {
        put $false
    }
}
set edit:before-readline = [$_ssoenv_refresh~ (each {|f| if (not (_ssoenv_is_hook $f)) { put $f } } $edit:before-readline)]
