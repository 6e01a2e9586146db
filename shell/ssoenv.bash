# ssoenv shell integration for bash (4.2 or later). Load it from ~/.bashrc with:
#
#   eval "$(ssoenv init bash)"
#
# It defines these functions, and adds _ssoenv_refresh to PROMPT_COMMAND; loading it prints
# nothing and changes no option, other variable or prompt:
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
# Show the profile in the prompt (no program, no subshell: PROMPT_COMMAND fills a variable):
#
#   PROMPT_COMMAND="ssoenv_prompt -v SSOENV_PS1${PROMPT_COMMAND:+; $PROMPT_COMMAND}"
#   PS1='${SSOENV_PS1:+($SSOENV_PS1) }'"$PS1"
#
# `ssoenv init bash` prints the completion for ssoenv's own options first (the same as
# `ssoenv completions bash`), then this file.

# awsuse's own usage, printed before `ssoenv use --help` (the options it passes on).
_ssoenv_usage() {
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
awsuse() {
    local _ssoenv_code _ssoenv_from=${SSOENV_PROFILE-} _ssoenv_arg
    # ssoenv prints help and version on stdout with status 0: printed here, never evaluated.
    # Any single-dash word holding h or V counts, as ssoenv reads clusters such as -hV.
    for _ssoenv_arg in "$@"; do
        case $_ssoenv_arg in
        --) break ;;
        --help | -h* | -[!-]*h*)
            _ssoenv_usage
            command ssoenv use --help
            return
            ;;
        --version | -V* | -[!-]*V*)
            command ssoenv --version
            return
            ;;
        esac
    done
    if [[ ${1-} == --unset ]]; then
        _ssoenv_code=$(command ssoenv unset --shell bash) || return
    else
        if [[ ${1-} == - ]]; then
            if [[ -z ${SSOENV_PREVIOUS_PROFILE-} ]]; then
                printf '%s\n' 'awsuse: no previous profile' >&2
                return 1
            fi
            shift
            set -- "$SSOENV_PREVIOUS_PROFILE" "$@"
        fi
        _ssoenv_code=$(command ssoenv use --shell bash "$@") || return
    fi
    eval "$_ssoenv_code" || return
    # Remembered for `awsuse -` in this shell only (not exported).
    if [[ -n $_ssoenv_from && $_ssoenv_from != "${SSOENV_PROFILE-}" ]]; then
        SSOENV_PREVIOUS_PROFILE=$_ssoenv_from
    fi
    return 0
}

# ssoenv_prompt: computed from SSOENV_PROFILE and SSOENV_EXPIRES_AT (epoch seconds) with bash
# builtins only. `ssoenv_prompt -v NAME` stores the text in NAME instead of printing it, so a
# prompt can use it with no subshell at all (see the PROMPT_COMMAND line above).
ssoenv_prompt() {
    local _ssoenv_var='' _ssoenv_text='' _ssoenv_now _ssoenv_left
    if [[ ${1-} == -v ]]; then
        _ssoenv_var=${2-}
        # In this shell, not a subshell: refreshed credentials would stay, so refresh first (the
        # prompt line above may come before _ssoenv_refresh in PROMPT_COMMAND).
        _ssoenv_refresh
    fi
    if [[ -n ${SSOENV_PROFILE-} ]]; then
        case ${SSOENV_EXPIRES_AT-} in
        '' | *[!0-9]*)
            # Digits only: anything else would be evaluated as code by $(( )).
            _ssoenv_text=$SSOENV_PROFILE
            ;;
        *)
            if [[ -n ${EPOCHSECONDS-} ]]; then
                _ssoenv_now=$EPOCHSECONDS
            else
                printf -v _ssoenv_now '%(%s)T' -1
            fi
            _ssoenv_left=$((10#$SSOENV_EXPIRES_AT - _ssoenv_now))
            if ((_ssoenv_left <= 0)); then
                printf -v _ssoenv_text '%s expired' "$SSOENV_PROFILE"
            elif ((_ssoenv_left < 600)); then
                # Still this close after the refresh before the prompt: it failed, or is off.
                printf -v _ssoenv_text '%s expiring %dm' "$SSOENV_PROFILE" $((_ssoenv_left / 60))
            elif ((_ssoenv_left < 3600)); then
                printf -v _ssoenv_text '%s %dm' "$SSOENV_PROFILE" $((_ssoenv_left / 60))
            else
                printf -v _ssoenv_text '%s %dh%02dm' "$SSOENV_PROFILE" \
                    $((_ssoenv_left / 3600)) $((_ssoenv_left % 3600 / 60))
            fi
            ;;
        esac
    fi
    if [[ -n $_ssoenv_var ]]; then
        printf -v "$_ssoenv_var" '%s' "$_ssoenv_text"
    else
        printf '%s' "$_ssoenv_text"
    fi
}

# _ssoenv_refresh: before each prompt, when the active profile's credentials have fewer than 10
# minutes left, `ssoenv use --no-login` gets fresh ones quietly: reused or refreshed, never a
# sign-in, a device code or a question, and within 5 seconds (SSOENV_COMMAND_TIMEOUT bounds its
# every wait; a sign-in in progress elsewhere is not waited for). They are applied only when it
# succeeds; a failure leaves everything as it was (the prompt segment then says "expiring", and
# later "expired"), and is tried again a minute later at the earliest. While the credentials are
# fresh it runs no program and opens no file. Keeps $? for what follows in PROMPT_COMMAND.
_ssoenv_refresh() {
    local _ssoenv_status=$? _ssoenv_now _ssoenv_code
    case ${SSOENV_EXPIRES_AT-} in
    '' | *[!0-9]*) return "$_ssoenv_status" ;;
    esac
    if [[ -z ${SSOENV_PROFILE-} || -n ${SSOENV_NO_REFRESH-} ]]; then
        return "$_ssoenv_status"
    fi
    if [[ -n ${EPOCHSECONDS-} ]]; then
        _ssoenv_now=$EPOCHSECONDS
    else
        printf -v _ssoenv_now '%(%s)T' -1
    fi
    if ((10#$SSOENV_EXPIRES_AT - _ssoenv_now >= 600)); then
        return "$_ssoenv_status"
    fi
    case ${_ssoenv_refresh_failed-} in
    '' | *[!0-9]*) ;;
    *) ((_ssoenv_now - 10#$_ssoenv_refresh_failed < 60)) && return "$_ssoenv_status" ;;
    esac
    if _ssoenv_code=$(SSOENV_COMMAND_TIMEOUT=5 command ssoenv use --no-login --shell bash \
        -- "$SSOENV_PROFILE" 2>/dev/null) && eval "$_ssoenv_code"; then
        unset -v _ssoenv_refresh_failed
    else
        _ssoenv_refresh_failed=$_ssoenv_now
    fi
    return "$_ssoenv_status"
}

# Adds to COMPREPLY the profile names that start with $1, the word as typed (plain, with
# backslashes, or after an opening quote), each written for where it goes so that it stays one
# word and nothing in it runs: readline inserts a reply as it is, after the opening quote, and
# closes the quote after it.
# Built for thousands of profiles: one read of the list, and builtins that take the whole list
# at once (mapfile from a pipe would read it a byte per system call).
_ssoenv_profiles() {
    local typed=${1-} prefix='' quote='' list name i
    local -a names matches
    case $typed in
    \'*)
        quote=\'
        prefix=${typed:1}
        ;;
    \"*)
        # Inside double quotes a backslash escapes only $ ` " \ (and a line break).
        quote=\"
        for ((i = 1; i < ${#typed}; i++)); do
            [[ ${typed:i:1} == \\ && ${typed:i+1:1} == [\$\`\"\\] ]] && i=$((i + 1))
            prefix+=${typed:i:1}
        done
        ;;
    *)
        for ((i = 0; i < ${#typed}; i++)); do
            [[ ${typed:i:1} == \\ ]] && i=$((i + 1))
            prefix+=${typed:i:1}
        done
        ;;
    esac
    list=$(command ssoenv list --names 2>/dev/null) || return 0
    [[ -n $list ]] || return 0
    mapfile -t names <<<"$list"
    for name in "${names[@]}"; do
        [[ $name == "$prefix"* ]] && matches+=("$name")
    done
    ((${#matches[@]})) || return 0
    case $quote in
    \')
        # Inside single quotes only a quote needs care: close, escaped quote, reopen ('\'').
        COMPREPLY+=("${matches[@]//\'/\'\\\'\'}")
        ;;
    \")
        for name in "${matches[@]}"; do
            # History expansion reads ! even inside double quotes, and a backslash before it
            # would stay in the name: such a name cannot be written here while it is on.
            [[ $name == *!* && $- == *H* ]] && continue
            name=${name//\\/\\\\}
            name=${name//\$/\\\$}
            name=${name//\`/\\\`}
            COMPREPLY+=("${name//\"/\\\"}")
        done
        ;;
    *)
        printf -v list '%q\n' "${matches[@]}"
        mapfile -t -O "${#COMPREPLY[@]}" COMPREPLY <<<"${list%$'\n'}"
        ;;
    esac
}

# Whether the word being completed in COMP_WORDS is where a profile name goes: the first
# argument after ssoenv's subcommand (or awsuse) that is neither an option nor an option's value.
_ssoenv_wants_profile() {
    local sub='' word value=0 i
    [[ ${COMP_WORDS[COMP_CWORD]-} == -* ]] && return 1
    [[ ${COMP_WORDS[0]-} == awsuse ]] && sub=use
    for ((i = 1; i < COMP_CWORD; i++)); do
        word=${COMP_WORDS[i]}
        if [[ -z $sub ]]; then
            [[ $word == -* ]] || sub=$word
            continue
        fi
        if ((value)); then
            # `--shell=bash` arrives as three words: --shell, =, bash.
            [[ $word == = ]] || value=0
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

_ssoenv_awsuse() {
    local cur=${COMP_WORDS[COMP_CWORD]-} word
    COMPREPLY=()
    if [[ $cur == -* ]]; then
        for word in - --unset --force-refresh --no-browser --use-device-code; do
            [[ $word == "$cur"* ]] && COMPREPLY+=("$word")
        done
    elif _ssoenv_wants_profile; then
        _ssoenv_profiles "$cur"
    fi
    return 0
}

# ssoenv's own completion (subcommands, options) comes from `_ssoenv`, generated by clap; this
# adds profile names where they go.
_ssoenv_complete() {
    if _ssoenv_wants_profile; then
        COMPREPLY=()
        # No file names when no profile matches.
        compopt +o default +o bashdefault 2>/dev/null
        _ssoenv_profiles "${COMP_WORDS[COMP_CWORD]-}"
        return 0
    fi
    if declare -F _ssoenv >/dev/null; then
        _ssoenv "$@"
    fi
}

complete -F _ssoenv_awsuse awsuse
complete -F _ssoenv_complete -o bashdefault -o default ssoenv

# First in PROMPT_COMMAND (a string, or the first element of bash 5.1's array), once.
if [[ ${PROMPT_COMMAND-} != *_ssoenv_refresh* ]]; then
    PROMPT_COMMAND="_ssoenv_refresh${PROMPT_COMMAND:+; $PROMPT_COMMAND}"
fi
