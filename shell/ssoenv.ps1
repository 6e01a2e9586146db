# ssoenv shell integration for PowerShell (7, and Windows PowerShell 5.1). Load it from $PROFILE
# with:
#
#   ssoenv init powershell | Out-String | Invoke-Expression
#
# It defines these functions and nothing else; loading it prints nothing and changes no
# variable or prompt:
#
#   awsuse [PROFILE] [OPTION]...  make PROFILE's credentials this session's (log in only if
#                                 needed); with no PROFILE, pick one from a list (on a console);
#                                 OPTIONs are `ssoenv use`'s (--force-refresh, --no-browser, ...)
#   awsuse -                      go back to the profile used before
#   awsuse --unset                remove every variable awsuse set
#   awsuse --help | --version     print awsuse's usage and `ssoenv use`'s options, or the version
#   ssoenv_prompt                 return the active profile and the time its credentials have left
#                                 ("dev 42m", "dev 3h05m", "dev expiring 4m" under 10 minutes,
#                                 "dev expired"; nothing without one); first, when fewer than 10
#                                 minutes are left, fresh credentials, quietly, if no sign-in is
#                                 needed (_ssoenv_refresh; off when SSOENV_NO_REFRESH is set and not
#                                 empty). PowerShell has no hook before the prompt: the refresh
#                                 happens where the prompt calls ssoenv_prompt.
#   _ssoenv*                      completion: profile names for awsuse and ssoenv use, exec,
#                                 login, logout, status, credential-process and console
#
# When ssoenv fails, awsuse applies nothing and leaves ssoenv's status in $LASTEXITCODE.
#
# Show the profile in the prompt:
#
#   function prompt { $p = ssoenv_prompt; "$(if ($p) { "($p) " })PS $($PWD.Path)$('>' * ($nestedPromptLevel + 1)) " }
#
# `ssoenv init powershell` prints the completion for ssoenv's own options first (the same as
# `ssoenv completions powershell`, as the function _ssoenv_clap_complete), then this file.

# awsuse's own usage, printed before `ssoenv use --help` (the options it passes on).
function _ssoenv_usage {
    "Usage: awsuse [PROFILE] [OPTION]...  make PROFILE's credentials this session's (log in if needed)"
    '       awsuse                        pick a profile from a list'
    '       awsuse -                      go back to the profile used before'
    '       awsuse --unset                remove every variable awsuse set'
    "       awsuse --help | --version     print this, or ssoenv's version"
    ''
    'OPTIONs are passed on to ssoenv use:'
    ''
}

function awsuse {
    param([string] $Name)
    $arguments = @()
    if ($PSBoundParameters.ContainsKey('Name')) { $arguments += $Name }
    $arguments += @($args)
    # ssoenv prints help and version on stdout with status 0: printed here, never evaluated. Any
    # single-dash word holding h or V counts, as ssoenv reads clusters such as -hV.
    foreach ($argument in $arguments) {
        if ("$argument" -ceq '--') { break }
        if ("$argument" -cmatch '^(--help|-[^-]*h.*)$') {
            _ssoenv_usage
            & ssoenv use --help
            return
        }
        if ("$argument" -cmatch '^(--version|-[^-]*V.*)$') {
            & ssoenv --version
            return
        }
    }
    $from = $Env:SSOENV_PROFILE
    if ($arguments.Count -gt 0 -and $arguments[0] -cin @('--unset', '-unset')) {
        $code = & ssoenv unset --shell powershell
    } else {
        if ($arguments.Count -gt 0 -and $arguments[0] -ceq '-') {
            if (-not $global:SSOENV_PREVIOUS_PROFILE) {
                [Console]::Error.WriteLine('awsuse: no previous profile')
                $global:LASTEXITCODE = 1
                return
            }
            $arguments = @($global:SSOENV_PREVIOUS_PROFILE) + @($arguments | Select-Object -Skip 1)
        }
        $code = & ssoenv use @arguments --shell powershell
    }
    # Nothing is applied unless ssoenv succeeded.
    if ($LASTEXITCODE -ne 0) { return }
    if ($code) { Invoke-Expression (@($code) -join "`n") }
    # Remembered for `awsuse -` in this session only (not an environment variable).
    if ($from -and $from -cne $Env:SSOENV_PROFILE) { $global:SSOENV_PREVIOUS_PROFILE = $from }
}

# When the active profile's credentials have fewer than 10 minutes left, `ssoenv use --no-login`
# gets fresh ones: reused or refreshed, never a sign-in, a device code or a question, and within 5
# seconds (SSOENV_COMMAND_TIMEOUT bounds its every wait). Applied only when it succeeds; a failure
# changes nothing and is tried again a minute later at the earliest. No program while fresh.
# $LASTEXITCODE is left as it was, for the prompt that may show it.
function _ssoenv_refresh {
    if ($Env:SSOENV_NO_REFRESH -or -not $Env:SSOENV_PROFILE) { return }
    [long] $expires = 0
    if (-not [long]::TryParse("$Env:SSOENV_EXPIRES_AT", [ref] $expires)) { return }
    $now = [DateTimeOffset]::UtcNow.ToUnixTimeSeconds()
    if ($expires - $now -ge 600) { return }
    if ($global:_ssoenv_refresh_failed -and $now - $global:_ssoenv_refresh_failed -lt 60) { return }
    $exitCode = $global:LASTEXITCODE
    $timeout = $Env:SSOENV_COMMAND_TIMEOUT
    try {
        $Env:SSOENV_COMMAND_TIMEOUT = '5'
        $code = & ssoenv use --no-login --shell powershell '--' $Env:SSOENV_PROFILE 2>$null
        if ($LASTEXITCODE -ne 0) { throw 'no fresh credentials' }
        if ($code) { Invoke-Expression (@($code) -join "`n") }
        $global:_ssoenv_refresh_failed = $null
    } catch {
        $global:_ssoenv_refresh_failed = $now
    } finally {
        $Env:SSOENV_COMMAND_TIMEOUT = $timeout
        $global:LASTEXITCODE = $exitCode
    }
}

function ssoenv_prompt {
    _ssoenv_refresh
    $name = $Env:SSOENV_PROFILE
    if (-not $name) { return }
    [long] $expires = 0
    if (-not [long]::TryParse("$Env:SSOENV_EXPIRES_AT", [ref] $expires)) { return $name }
    $left = $expires - [DateTimeOffset]::UtcNow.ToUnixTimeSeconds()
    if ($left -le 0) { return "$name expired" }
    if ($left -lt 600) { return '{0} expiring {1}m' -f $name, [math]::Floor($left / 60) }
    if ($left -lt 3600) { return '{0} {1}m' -f $name, [math]::Floor($left / 60) }
    return '{0} {1}h{2:00}m' -f $name, [math]::Floor($left / 3600), [math]::Floor(($left % 3600) / 60)
}

# The profile names that start with what was typed, quoted when they need it.
function _ssoenv_profiles {
    param([string] $WordToComplete)
    $typed = "$WordToComplete" -replace '^[''"]', ''
    foreach ($name in @(& ssoenv list --names 2>$null)) {
        if (-not "$name".StartsWith($typed, [System.StringComparison]::OrdinalIgnoreCase)) { continue }
        $text = $name
        if ($name -match '[\s''"`$&|;,(){}\[\]@#<>\u2018-\u201B]') {
            $text = "'" + ($name -replace '([''\u2018-\u201B])', '$1$1') + "'"
        }
        [System.Management.Automation.CompletionResult]::new(
            $text, $name, [System.Management.Automation.CompletionResultType]::ParameterValue, $name)
    }
}

# Whether a profile name goes after $Words (the command line up to the word being completed,
# ssoenv first): the first argument after the subcommand that is neither an option nor a value.
function _ssoenv_wants_profile {
    param([string[]] $Words, [string] $WordToComplete)
    if ("$WordToComplete".StartsWith('-')) { return $false }
    $sub = ''
    $value = $false
    for ($i = 1; $i -lt $Words.Count; $i++) {
        $word = "$($Words[$i])"
        if (-not $sub) {
            if (-not $word.StartsWith('-')) { $sub = $word }
            continue
        }
        if ($value) { $value = $false; continue }
        if ($word -ceq '--') { return $false }
        if ($word -cin @('-s', '--shell', '--sso-session', '--service', '--destination', '--region')) { $value = $true; continue }
        if ($word.StartsWith('-')) { continue }
        return $false
    }
    return (-not $value) -and ($sub -cin @('use', 'exec', 'login', 'logout', 'status', 'credential-process', 'console'))
}

Register-ArgumentCompleter -CommandName awsuse -ParameterName Name -ScriptBlock {
    param($commandName, $parameterName, $wordToComplete, $commandAst, $fakeBoundParameters)
    _ssoenv_profiles $wordToComplete
}

Register-ArgumentCompleter -Native -CommandName ssoenv -ScriptBlock {
    param($wordToComplete, $commandAst, $cursorPosition)
    $before = @($commandAst.CommandElements |
            Where-Object { $_.Extent.EndOffset -lt $cursorPosition } |
            ForEach-Object { $_.Extent.Text })
    if (_ssoenv_wants_profile $before $wordToComplete) {
        _ssoenv_profiles $wordToComplete
    } elseif (Get-Command _ssoenv_clap_complete -CommandType Function -ErrorAction Ignore) {
        _ssoenv_clap_complete $wordToComplete $commandAst $cursorPosition
    }
}
