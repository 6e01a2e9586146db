# ssoenv shell integration for nushell (0.100 or later). Load it from config.nu with:
#
#   ssoenv init nu | save --force ($nu.default-config-dir | path join ssoenv.nu)
#   source ($nu.default-config-dir | path join ssoenv.nu)
#
# (nushell reads only files known when it parses config.nu, so the first line is run once, and
# again after upgrading ssoenv.) It defines these commands and nothing else; loading it prints
# nothing and changes no variable or prompt, and adds one hook ($env.config.hooks.pre_prompt gets
# _ssoenv_refresh, once however often it is loaded):
#
#   awsuse [PROFILE] [OPTION]...  make PROFILE's credentials this shell's (log in only if needed);
#                                 with no PROFILE, pick one from a list (on a terminal);
#                                 OPTIONs are `ssoenv use`'s (--force-refresh, --no-browser, ...)
#   awsuse -                      go back to the profile used before
#   awsuse --unset                remove every variable awsuse set
#   awsuse --help | --version     print awsuse's usage and `ssoenv use`'s options, or the version
#   ssoenv_prompt                 the active profile and the time its credentials have left
#                                 ("dev 42m", "dev 3h05m", "dev expiring 4m" under 10 minutes,
#                                 "dev expired"; "" without one)
#   _ssoenv_refresh               before each prompt, when the credentials have fewer than 10
#                                 minutes left: fresh ones, quietly, if no sign-in is needed (see
#                                 below; off when SSOENV_NO_REFRESH is set and not empty)
#   _ssoenv*                      helpers, and the completion of profile names for awsuse and
#                                 ssoenv use, exec, login, logout, status and credential-process
#
# When ssoenv fails, awsuse applies nothing and fails with ssoenv's status, as an external
# command does.
#
# Show the profile in the prompt:
#
#   $env.PROMPT_COMMAND_RIGHT = {|| ssoenv_prompt }
#
# nushell has no `eval`: `ssoenv use --shell nu` prints JSON (null for a variable to remove),
# which is data, never code. Without awsuse, `ssoenv use P --shell nu | from json | load-env`
# applies it (a variable to remove is left null, which no program is given).

# awsuse's own usage, printed before `ssoenv use --help` (the options it passes on).
def _ssoenv_usage [] {
    print ([
        "Usage: awsuse [PROFILE] [OPTION]...  make PROFILE's credentials this shell's (log in if needed)"
        '       awsuse                        pick a profile from a list'
        '       awsuse -                      go back to the profile used before'
        '       awsuse --unset                remove every variable awsuse set'
        "       awsuse --help | --version     print this, or ssoenv's version"
        ''
        'OPTIONs are passed on to ssoenv use:'
        ''
    ] | str join "\n")
}

# Applies ssoenv's JSON to this shell: strings are set, nulls removed.
def --env _ssoenv_apply [changes: record] {
    let unset = ($changes | transpose name value | where value == null | get name)
    load-env ($changes | reject ...$unset)
    hide-env --ignore-errors ...$unset
}

# The profile names in the AWS config, for completion.
def _ssoenv_profiles [] {
    let listed = (^ssoenv list --names | complete)
    if $listed.exit_code == 0 { $listed.stdout | lines } else { [] }
}

# awsuse: nothing is applied unless ssoenv succeeds.
def --env --wrapped awsuse [...args: string@_ssoenv_profiles] {
    # ssoenv prints help and version on stdout with status 0: printed here, never applied. Any
    # single-dash word holding h or V counts, as ssoenv reads clusters such as -hV.
    for arg in $args {
        if $arg == '--' { break }
        if ($arg =~ '^(--help|-[^-]*h.*)$') {
            _ssoenv_usage
            ^ssoenv use --help
            return
        }
        if ($arg =~ '^(--version|-[^-]*V.*)$') {
            ^ssoenv --version
            return
        }
    }
    let from = ($env.SSOENV_PROFILE? | default '')
    # A failing ssoenv is an error here, which ends awsuse before anything is applied.
    let code = if ($args | get 0? | default '') == '--unset' {
        ^ssoenv unset --shell nu
    } else {
        mut words = $args
        if ($args | get 0? | default '') == '-' {
            let previous = ($env.SSOENV_PREVIOUS_PROFILE?.profile? | default '')
            if $previous == '' {
                error make --unspanned {msg: 'awsuse: no previous profile'}
            }
            $words = ($args | skip 1 | prepend $previous)
        }
        ^ssoenv use --shell nu ...$words
    }
    _ssoenv_apply ($code | from json)
    # Remembered for `awsuse -` in this shell only: a record, which nushell gives no program.
    let now = ($env.SSOENV_PROFILE? | default '')
    if $from != '' and $from != $now {
        $env.SSOENV_PREVIOUS_PROFILE = {profile: $from}
    }
}

# ssoenv_prompt: computed from SSOENV_PROFILE and SSOENV_EXPIRES_AT (epoch seconds); it runs no
# program.
def ssoenv_prompt [] {
    let name = ($env.SSOENV_PROFILE? | default '')
    if $name == '' { return '' }
    let expires = ($env.SSOENV_EXPIRES_AT? | default '')
    if not ($expires =~ '^[0-9]{1,18}$') { return $name }
    let left = ($expires | into int) - (date now | format date '%s' | into int)
    if $left <= 0 {
        $'($name) expired'
    } else if $left < 600 {
        # Still this close after the refresh before the prompt: it failed, or is off.
        $'($name) expiring ($left // 60)m'
    } else if $left < 3600 {
        $'($name) ($left // 60)m'
    } else {
        let minutes = ($left mod 3600 // 60 | fill --alignment right --character '0' --width 2)
        $'($name) ($left // 3600)h($minutes)m'
    }
}

# _ssoenv_refresh: before each prompt, when the active profile's credentials have fewer than 10
# minutes left, `ssoenv use --no-login` gets fresh ones quietly: reused or refreshed, never a
# sign-in, a device code or a question, and within 5 seconds (SSOENV_COMMAND_TIMEOUT bounds its
# every wait; a sign-in in progress elsewhere is not waited for). They are applied only when it
# succeeds; a failure leaves everything as it was (the prompt segment then says "expiring", and
# later "expired"), and is tried again a minute later at the earliest (the time of the failure is
# kept in a record, which nushell gives no program). While the credentials are fresh it runs no
# program: nushell's own clock.
def --env _ssoenv_refresh [] {
    if ($env.SSOENV_NO_REFRESH? | default '' | into string) != '' { return }
    let name = ($env.SSOENV_PROFILE? | default '' | into string)
    let expires = ($env.SSOENV_EXPIRES_AT? | default '' | into string)
    if $name == '' or not ($expires =~ '^[0-9]{1,18}$') { return }
    let now = (date now | format date '%s' | into int)
    if ($expires | into int) - $now >= 600 { return }
    if $now - ($env._SSOENV_REFRESH_FAILED?.at? | default 0) < 60 { return }
    let got = try {
        with-env {SSOENV_COMMAND_TIMEOUT: '5'} {
            ^ssoenv use --no-login --shell nu -- $name | complete
        }
    } catch {
        {exit_code: 1}
    }
    # Parsed first, applied only when all of it is good.
    let changes = if $got.exit_code == 0 {
        try { $got.stdout | from json } catch { null }
    }
    if ($changes | describe) =~ '^record' {
        _ssoenv_apply $changes
        hide-env --ignore-errors _SSOENV_REFRESH_FAILED
    } else {
        $env._SSOENV_REFRESH_FAILED = {at: $now}
    }
}

# Profile names where ssoenv takes one: the first argument of these subcommands (flags pass
# through as they are: these signatures declare none).
extern "ssoenv use" [...args: string@_ssoenv_profiles]
extern "ssoenv exec" [...args: string@_ssoenv_profiles]
extern "ssoenv login" [...args: string@_ssoenv_profiles]
extern "ssoenv logout" [...args: string@_ssoenv_profiles]
extern "ssoenv status" [...args: string@_ssoenv_profiles]
extern "ssoenv credential-process" [...args: string@_ssoenv_profiles]

# The one hook: _ssoenv_refresh first before each prompt, in place of one an earlier load added.
$env.config.hooks.pre_prompt = (
    $env.config.hooks.pre_prompt? | default []
    | where {|hook| ($hook | describe) != 'closure' or (view source $hook) != '{|| _ssoenv_refresh }' }
    | prepend {|| _ssoenv_refresh }
)
