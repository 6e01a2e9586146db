# ssoenv shell integration for zsh. Load it from ~/.zshrc, after compinit, with:
#
#   eval "$(ssoenv init zsh)"
#
# It defines these functions, and adds _ssoenv_refresh to precmd_functions; loading it prints
# nothing and changes no option, other variable or hook, or prompt:
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
#   _ssoenv_precmd                a precmd hook that keeps $SSOENV_PS1 current (see below)
#   _ssoenv_refresh               before each prompt, when the credentials have fewer than 10
#                                 minutes left: fresh ones, quietly, if no sign-in is needed (see
#                                 below; off when SSOENV_NO_REFRESH is set and not empty)
#   _ssoenv*                      completion: profile names for awsuse and ssoenv use, exec,
#                                 login, logout, status, credential-process and console
#                                 (registered only when compinit has run)
#
# Show the profile in the prompt (no program, no subshell: a precmd hook fills a variable, and
# `%` in a profile name is doubled so the prompt shows it as it is):
#
#   setopt PROMPT_SUBST
#   precmd_functions+=(_ssoenv_precmd)
#   PROMPT='${SSOENV_PS1:+(${SSOENV_PS1//\%/%%}) }'$PROMPT
#
# `ssoenv init zsh` prints the completion for ssoenv's own options first (the same as
# `ssoenv completions zsh`, without its compdef line), then this file.

# awsuse's own usage, printed before `ssoenv use --help` (the options it passes on).
function _ssoenv_usage {
    printf '%s\n' \
        'Usage: awsuse [PROFILE] [OPTION]...  make PROFILE'\''s credentials this shell'\''s (log in if needed)' \
        '       awsuse                        pick a profile from a list' \
        '       awsuse -                      go back to the profile used before' \
        '       awsuse --unset                remove every variable awsuse set' \
        '       awsuse --help | --version     print this, or ssoenv'\''s version' \
        '' \
        'OPTIONs are passed on to ssoenv use:' \
        ''
}

# awsuse: nothing is applied unless ssoenv succeeds; its status is awsuse's.
function awsuse {
    emulate -L zsh
    local _ssoenv_code _ssoenv_from=${SSOENV_PROFILE-} _ssoenv_arg
    # ssoenv prints help and version on stdout with status 0: printed here, never evaluated.
    # Any single-dash word holding h or V counts, as ssoenv reads clusters such as -hV.
    for _ssoenv_arg in "$@"; do
        case $_ssoenv_arg in
        --) break ;;
        --help | -h* | -[^-]*h*)
            _ssoenv_usage
            command ssoenv use --help
            return
            ;;
        --version | -V* | -[^-]*V*)
            command ssoenv --version
            return
            ;;
        esac
    done
    if [[ ${1-} == --unset ]]; then
        _ssoenv_code=$(command ssoenv unset --shell zsh) || return
    else
        if [[ ${1-} == - ]]; then
            if [[ -z ${SSOENV_PREVIOUS_PROFILE-} ]]; then
                print -ru2 -- 'awsuse: no previous profile'
                return 1
            fi
            shift
            set -- "$SSOENV_PREVIOUS_PROFILE" "$@"
        fi
        _ssoenv_code=$(command ssoenv use --shell zsh "$@") || return
    fi
    eval "$_ssoenv_code" || return
    # Remembered for `awsuse -` in this shell only (not exported).
    if [[ -n $_ssoenv_from && $_ssoenv_from != "${SSOENV_PROFILE-}" ]]; then
        typeset -g SSOENV_PREVIOUS_PROFILE=$_ssoenv_from
    fi
    return 0
}

# ssoenv_prompt: computed from SSOENV_PROFILE and SSOENV_EXPIRES_AT (epoch seconds) with zsh
# builtins only (zsh/datetime's EPOCHSECONDS), so a prompt can call it every time at no cost.
function ssoenv_prompt {
    emulate -L zsh
    local var='' text=''
    if [[ ${1-} == -v ]]; then
        var=${2-}
        # In this shell, not a subshell: refreshed credentials would stay, so refresh first (the
        # precmd_functions may have been set anew after loading).
        _ssoenv_refresh
    fi
    if [[ -z ${SSOENV_PROFILE-} ]]; then
        text=''
    # Digits only: anything else would be evaluated as code by $(( )).
    elif [[ ${SSOENV_EXPIRES_AT-} != <-> ]] || ! zmodload -F zsh/datetime p:EPOCHSECONDS 2>/dev/null; then
        text=$SSOENV_PROFILE
    else
        local -i left=$((10#$SSOENV_EXPIRES_AT - EPOCHSECONDS))
        if ((left <= 0)); then
            printf -v text '%s expired' "$SSOENV_PROFILE"
        elif ((left < 600)); then
            # Still this close after the refresh before the prompt: it failed, or is off.
            printf -v text '%s expiring %dm' "$SSOENV_PROFILE" $((left / 60))
        elif ((left < 3600)); then
            printf -v text '%s %dm' "$SSOENV_PROFILE" $((left / 60))
        else
            printf -v text '%s %dh%02dm' "$SSOENV_PROFILE" $((left / 3600)) $((left % 3600 / 60))
        fi
    fi
    if [[ -n $var ]]; then
        typeset -g "$var=$text"
    else
        print -rn -- "$text"
    fi
}

# For precmd_functions: keeps SSOENV_PS1 current before each prompt, with no subshell.
function _ssoenv_precmd {
    ssoenv_prompt -v SSOENV_PS1
}

# _ssoenv_refresh: before each prompt, when the active profile's credentials have fewer than 10
# minutes left, `ssoenv use --no-login` gets fresh ones quietly: reused or refreshed, never a
# sign-in, a device code or a question, and within 5 seconds (SSOENV_COMMAND_TIMEOUT bounds its
# every wait; a sign-in in progress elsewhere is not waited for). They are applied only when it
# succeeds; a failure leaves everything as it was (the prompt segment then says "expiring", and
# later "expired"), and is tried again a minute later at the earliest. While the credentials are
# fresh it runs no program and opens no file (zsh/datetime's EPOCHSECONDS). Keeps $?.
function _ssoenv_refresh {
    local -i _ssoenv_status=$?
    emulate -L zsh
    local _ssoenv_code
    if [[ -z ${SSOENV_PROFILE-} || -n ${SSOENV_NO_REFRESH-} || ${SSOENV_EXPIRES_AT-} != <-> ]] ||
        ! zmodload -F zsh/datetime p:EPOCHSECONDS 2>/dev/null ||
        ((10#$SSOENV_EXPIRES_AT - EPOCHSECONDS >= 600)); then
        return _ssoenv_status
    fi
    if [[ ${_ssoenv_refresh_failed-} == <-> ]] && ((EPOCHSECONDS - 10#$_ssoenv_refresh_failed < 60)); then
        return _ssoenv_status
    fi
    if _ssoenv_code=$(SSOENV_COMMAND_TIMEOUT=5 command ssoenv use --no-login --shell zsh \
        -- "$SSOENV_PROFILE" 2>/dev/null) && eval "$_ssoenv_code"; then
        unset _ssoenv_refresh_failed
    else
        typeset -g _ssoenv_refresh_failed=$EPOCHSECONDS
    fi
    return _ssoenv_status
}

# Offers the profile names; compadd quotes them (spaces and all) and matches what was typed.
function _ssoenv_profiles {
    local -a names
    names=(${(f)"$(command ssoenv list --names 2>/dev/null)"})
    compadd -- "${names[@]}"
}

# Whether the word being completed is where a profile name goes: the first argument after
# ssoenv's subcommand (or awsuse) that is neither an option nor an option's value.
function _ssoenv_wants_profile {
    local sub='' word
    local -i value=0 i
    [[ ${words[CURRENT]-} == -* ]] && return 1
    [[ ${words[1]-} == awsuse ]] && sub=use
    for ((i = 2; i < CURRENT; i++)); do
        word=${words[i]}
        if [[ -z $sub ]]; then
            [[ $word == -* ]] || sub=$word
            continue
        fi
        if ((value)); then
            value=0
            continue
        fi
        case $word in
        --) return 1 ;;
        -s | --shell | --sso-session | --service | --destination | --region) value=1 ;;
        -*) ;;
        *) return 1 ;;
        esac
    done
    ((value)) && return 1
    case $sub in
    use | exec | login | logout | status | credential-process | console) return 0 ;;
    esac
    return 1
}

function _ssoenv_awsuse {
    if [[ ${PREFIX-} == -* ]]; then
        compadd -- - --unset --force-refresh --no-browser --use-device-code
    elif _ssoenv_wants_profile; then
        _ssoenv_profiles
    fi
}

# ssoenv's own completion (subcommands, options) comes from `_ssoenv`, generated by clap; this
# adds profile names where they go.
function _ssoenv_complete {
    if _ssoenv_wants_profile; then
        _ssoenv_profiles
    elif (($+functions[_ssoenv])); then
        autoload -Uz is-at-least
        _ssoenv "$@"
    fi
}

if (($+functions[compdef])); then
    compdef _ssoenv_awsuse awsuse
    compdef _ssoenv_complete ssoenv
fi

# First in precmd_functions, once (typeset -ga keeps what it holds, and makes it an array when
# it is not set yet).
typeset -ga precmd_functions
if ((! ${precmd_functions[(Ie)_ssoenv_refresh]})); then
    precmd_functions=(_ssoenv_refresh "${precmd_functions[@]}")
fi
