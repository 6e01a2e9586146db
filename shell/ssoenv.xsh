# ssoenv shell integration for xonsh (0.14 or later). Load it from ~/.xonshrc with:
#
#   execx($(ssoenv init xonsh), 'exec', __xonsh__.ctx, filename='ssoenv')
#
# It defines these, and adds one handler to events.on_pre_prompt (once, however often it is
# loaded); loading it prints nothing and changes no environment variable or prompt:
#
#   awsuse [PROFILE] [OPTION]...  make PROFILE's credentials this shell's (log in only if needed);
#                                 with no PROFILE, pick one from a list (on a terminal);
#                                 OPTIONs are `ssoenv use`'s (--force-refresh, --no-browser, ...)
#   awsuse -                      go back to the profile used before
#   awsuse --unset                remove every variable awsuse set
#   awsuse --help | --version     print awsuse's usage and `ssoenv use`'s options, or the version
#   ssoenv_prompt                 (an alias, and a Python function returning the text) the
#                                 active profile and the time its credentials have left ("dev 42m",
#                                 "dev 3h05m", "dev expiring 4m" under 10 minutes, "dev expired";
#                                 nothing without one)
#   _ssoenv_refresh               an on_pre_prompt handler: before each prompt, when the
#                                 credentials have fewer than 10 minutes left, fresh ones, quietly,
#                                 if no sign-in is needed (see below; off when SSOENV_NO_REFRESH
#                                 is set and not empty)
#   _ssoenv*                      helpers, and a completer of profile names for awsuse and ssoenv
#                                 use, exec, login, logout, status and credential-process
#
# When ssoenv fails, awsuse applies nothing and returns ssoenv's status.
#
# Show the profile in the prompt:
#
#   $PROMPT_FIELDS['ssoenv'] = ssoenv_prompt
#   $PROMPT = '{ssoenv:({}) }' + $PROMPT
#
# `ssoenv use --shell xonsh` prints `$NAME = "..."` lines whose values are Python string literals
# of printable ASCII only (letters, digits, a few marks, the rest `\xNN`/`\uNNNN`/`\UNNNNNNNN`),
# for `execx($(ssoenv use P --shell xonsh))`.

import re as _ssoenv_re
import subprocess as _ssoenv_subprocess
import time as _ssoenv_time

from xonsh.completers.completer import add_one_completer as _ssoenv_add_completer
from xonsh.completers.tools import contextual_command_completer as _ssoenv_command_completer
from xonsh.tools import unthreadable as _ssoenv_unthreadable

# The profile awsuse switched away from, for `awsuse -`, and when the last quiet refresh failed
# (epoch seconds; 0: it did not): this shell's only, never exported.
_ssoenv_state = {'previous': '', 'refresh_failed': 0}


def _ssoenv_run(arguments, capture):
    """Runs ssoenv with this shell's environment; the terminal stays its stdin and stderr (the
    picker draws there). Returns (status, stdout or None)."""
    result = _ssoenv_subprocess.run(
        ['ssoenv'] + arguments,
        env=__xonsh__.env.detype(),
        stdout=_ssoenv_subprocess.PIPE if capture else None,
    )
    return result.returncode, result.stdout


def _ssoenv_usage():
    print("Usage: awsuse [PROFILE] [OPTION]...  make PROFILE's credentials this shell's (log in if needed)\n"
          '       awsuse                        pick a profile from a list\n'
          '       awsuse -                      go back to the profile used before\n'
          '       awsuse --unset                remove every variable awsuse set\n'
          "       awsuse --help | --version     print this, or ssoenv's version\n"
          '\n'
          'OPTIONs are passed on to ssoenv use:\n', flush=True)


# Unthreadable: it runs in the foreground, so that the picker has the terminal.
@_ssoenv_unthreadable
def _ssoenv_awsuse(args, stdin=None):
    """awsuse: nothing is applied unless ssoenv succeeds; its status is awsuse's."""
    args = list(args)
    # ssoenv prints help and version on stdout with status 0: printed here, never evaluated. Any
    # single-dash word holding h or V counts, as ssoenv reads clusters such as -hV.
    for arg in args:
        if arg == '--':
            break
        if _ssoenv_re.match(r'^(--help|-[^-]*h.*)$', arg):
            _ssoenv_usage()
            return _ssoenv_run(['use', '--help'], False)[0]
        if _ssoenv_re.match(r'^(--version|-[^-]*V.*)$', arg):
            return _ssoenv_run(['--version'], False)[0]
    before = __xonsh__.env.get('SSOENV_PROFILE', '')
    if args[:1] == ['--unset']:
        status, code = _ssoenv_run(['unset', '--shell', 'xonsh'], True)
    else:
        if args[:1] == ['-']:
            if not _ssoenv_state['previous']:
                print('awsuse: no previous profile', file=__import__('sys').stderr)
                return 1
            args = [_ssoenv_state['previous']] + args[1:]
        status, code = _ssoenv_run(['use', '--shell', 'xonsh'] + args, True)
    if status != 0:
        return status
    # Printable ASCII only (`--shell xonsh` escapes everything else).
    execx(code.decode('ascii'), 'exec', {'__xonsh__': __xonsh__})
    after = __xonsh__.env.get('SSOENV_PROFILE', '')
    if before and before != after:
        _ssoenv_state['previous'] = before
    return 0


def ssoenv_prompt():
    """The active profile and the time its credentials have left, from SSOENV_PROFILE and
    SSOENV_EXPIRES_AT (epoch seconds); it runs no program."""
    name = str(__xonsh__.env.get('SSOENV_PROFILE', '') or '')
    if not name:
        return ''
    expires = str(__xonsh__.env.get('SSOENV_EXPIRES_AT', '') or '')
    if not _ssoenv_re.fullmatch(r'[0-9]{1,18}', expires):
        return name
    left = int(expires) - int(_ssoenv_time.time())
    if left <= 0:
        return name + ' expired'
    if left < 600:
        # Still this close after the refresh before the prompt: it failed, or is off.
        return '%s expiring %dm' % (name, left // 60)
    if left < 3600:
        return '%s %dm' % (name, left // 60)
    return '%s %dh%02dm' % (name, left // 3600, left % 3600 // 60)


def _ssoenv_refresh(**_):
    """Before each prompt, when the active profile's credentials have fewer than 10 minutes left,
    `ssoenv use --no-login` gets fresh ones quietly: reused or refreshed, never a sign-in, a device
    code or a question, and within 5 seconds (SSOENV_COMMAND_TIMEOUT bounds its every wait; a
    sign-in in progress elsewhere is not waited for). They are applied only when it succeeds; a
    failure leaves everything as it was (the prompt segment then says "expiring", and later
    "expired"), and is tried again a minute later at the earliest. While the credentials are
    fresh it runs no program: Python's clock."""
    env = __xonsh__.env
    name = str(env.get('SSOENV_PROFILE', '') or '')
    expires = str(env.get('SSOENV_EXPIRES_AT', '') or '')
    if env.get('SSOENV_NO_REFRESH', '') or not name \
            or not _ssoenv_re.fullmatch(r'[0-9]{1,18}', expires):
        return
    now = int(_ssoenv_time.time())
    if int(expires) - now >= 600 or now - _ssoenv_state['refresh_failed'] < 60:
        return
    try:
        result = _ssoenv_subprocess.run(
            ['ssoenv', 'use', '--no-login', '--shell', 'xonsh', '--', name],
            env=dict(env.detype(), SSOENV_COMMAND_TIMEOUT='5'),
            stdin=_ssoenv_subprocess.DEVNULL,
            stdout=_ssoenv_subprocess.PIPE,
            stderr=_ssoenv_subprocess.DEVNULL,
        )
        # Printable ASCII only; compiled whole before any of it runs.
        code = result.stdout.decode('ascii') if result.returncode == 0 else None
    except (OSError, UnicodeDecodeError):
        code = None
    if code is None:
        _ssoenv_state['refresh_failed'] = now
        return
    execx(code, 'exec', {'__xonsh__': __xonsh__})
    _ssoenv_state['refresh_failed'] = 0


def _ssoenv_prompt_alias(args):
    print(ssoenv_prompt(), end='')


def _ssoenv_wants_profile(command, words):
    """Whether a profile name goes after `words` (the arguments before the cursor): the first
    argument after ssoenv's subcommand (or awsuse) that is neither an option nor a value."""
    sub = 'use' if command == 'awsuse' else ''
    value = False
    for word in words:
        if not sub:
            if not word.startswith('-'):
                sub = word
            continue
        if value:
            value = False
            continue
        if word == '--':
            return False
        if word in ('-s', '--shell', '--sso-session'):
            value = True
            continue
        if word.startswith('-'):
            continue
        return False
    return not value and sub in ('use', 'exec', 'login', 'logout', 'status', 'credential-process')


@_ssoenv_command_completer
def _ssoenv_complete(context):
    """Profile names for awsuse and ssoenv where a profile goes; None leaves the rest to the
    other completers."""
    if context.command not in ('awsuse', 'ssoenv') or context.prefix.startswith('-'):
        return None
    words = [arg.value for arg in context.args[1:context.arg_index]]
    if not _ssoenv_wants_profile(context.command, words):
        return None
    try:
        listed = _ssoenv_subprocess.run(
            ['ssoenv', 'list', '--names'], env=__xonsh__.env.detype(),
            stdout=_ssoenv_subprocess.PIPE, stderr=_ssoenv_subprocess.DEVNULL,
        ).stdout.decode('utf-8', 'replace')
    except OSError:
        return None
    return {name for name in listed.splitlines() if name.startswith(context.prefix)}


aliases['awsuse'] = _ssoenv_awsuse
# The one hook, in place of one an earlier load added.
for _ssoenv_handler in list(events.on_pre_prompt):
    if getattr(_ssoenv_handler, '__name__', '') == '_ssoenv_refresh':
        events.on_pre_prompt.discard(_ssoenv_handler)
events.on_pre_prompt(_ssoenv_refresh)
aliases['ssoenv_prompt'] = _ssoenv_prompt_alias
_ssoenv_add_completer('ssoenv', _ssoenv_complete, 'start')
