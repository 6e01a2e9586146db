@echo off
rem awsuse.cmd: the ssoenv integration for cmd.exe. Save it in a folder on PATH, once:
rem
rem   ssoenv init cmd > "%USERPROFILE%\bin\awsuse.cmd"
rem
rem   awsuse PROFILE [OPTION]...   make PROFILE's credentials this window's (log in only if needed);
rem                                OPTIONs are `ssoenv use`'s (--force-refresh, --no-browser, ...)
rem   awsuse                       pick a profile from a list (when ssoenv has the console)
rem   awsuse -                     go back to the profile used before
rem   awsuse --unset               remove every variable awsuse set
rem   awsuse --help, -h            print awsuse's usage and `ssoenv use`'s options
rem   awsuse --version, -V         print ssoenv's version
rem
rem How it works: `for /f` runs ssoenv and executes each line it prints (set "NAME=value").
rem ssoenv prints nothing when it fails; `|| echo exit /b 1` then makes the only line an exit
rem with status 1, so nothing is applied and awsuse fails too. No setlocal: the variables must
rem reach this window. No temporary files. cmd has no shell-only variables, so the profile
rem for `awsuse -` is kept in the environment variable SSOENV_PREVIOUS_PROFILE. ssoenv refuses
rem values holding double quotes, percent signs, exclamation marks, carets or line breaks,
rem which cmd cannot quote. There is no prompt segment and no completion for cmd.
rem ssoenv prints help and version on stdout with status 0: the for /f below would run each
rem line as a command, so they are printed here instead.
for %%A in (%*) do (
    if "%%~A"=="--help" goto help
    if "%%~A"=="-h" goto help
    if "%%~A"=="--version" goto version
    if "%%~A"=="-V" goto version
)
if "%~1"=="--unset" goto unset
if "%~1"=="-" goto previous
rem Inside ( ), %SSOENV_PROFILE% is read before the lines run: it is the profile switched from.
(
    for /f "usebackq delims=" %%L in (`ssoenv use %* --shell cmd ^|^| echo exit /b 1`) do %%L
    call :remember "%SSOENV_PROFILE%"
)
exit /b 0

:unset
(
    for /f "usebackq delims=" %%L in (`ssoenv unset --shell cmd ^|^| echo exit /b 1`) do %%L
    call :remember "%SSOENV_PROFILE%"
)
exit /b 0

:help
echo Usage: awsuse [PROFILE] [OPTION]...  make PROFILE's credentials this window's (log in if needed)
echo        awsuse                        pick a profile from a list
echo        awsuse -                      go back to the profile used before
echo        awsuse --unset                remove every variable awsuse set
echo        awsuse --help, --version      print this, or ssoenv's version
echo.
echo OPTIONs are passed on to ssoenv use:
echo.
ssoenv use --help
exit /b

:version
ssoenv --version
exit /b

:previous
if not defined SSOENV_PREVIOUS_PROFILE (
    echo awsuse: no previous profile 1>&2
    exit /b 1
)
(
    for /f "usebackq delims=" %%L in (`ssoenv use "%SSOENV_PREVIOUS_PROFILE%" --shell cmd ^|^| echo exit /b 1`) do %%L
    call :remember "%SSOENV_PROFILE%"
)
exit /b 0

:remember
if "%~1"=="" goto :eof
if "%~1"=="%SSOENV_PROFILE%" goto :eof
set "SSOENV_PREVIOUS_PROFILE=%~1"
goto :eof
