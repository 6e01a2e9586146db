# ssoenv shell integration for nushell (0.100 or later). Load it from config.nu with:
#
#   ssoenv init nu | save --force ($nu.default-config-dir | path join ssoenv.nu)
#   source ($nu.default-config-dir | path join ssoenv.nu)
#
# (nushell reads only files known when it parses config.nu, so the first line is run once, and
# again after upgrading ssoenv.) It defines these commands and nothing else; loading it prints
# nothing and changes no variable or prompt:
#
#   awsuse [PROFILE] [OPTION]...  make PROFILE's credentials this shell's (log in only if needed);
#                                 with no PROFILE, pick one from a list (on a terminal);
#                                 OPTIONs are `ssoenv use`'s (--force-refresh, --no-browser, ...)
#   awsuse -                      go back to the profile used before
#   awsuse --unset                remove every variable awsuse set
#   awsuse --help | --version     print awsuse's usage and `ssoenv use`'s options, or the version
#   ssoenv_prompt                 the active profile and the time its credentials have left
#                                 ("dev 42m", "dev 3h05m", "dev expired"; "" without one)
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
    } else if $left < 3600 {
        $'($name) ($left // 60)m'
    } else {
        let minutes = ($left mod 3600 // 60 | fill --alignment right --character '0' --width 2)
        $'($name) ($left // 3600)h($minutes)m'
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
