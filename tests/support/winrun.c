/* winrun.exe: runs the rest of its own command line, verbatim, with USERPROFILE set to
 * $SSOENV_TEST_USERPROFILE, and exits with that program's exit code. For the Wine tests only.
 *
 * Why: Wine gives the first Windows process of a Unix command the USERPROFILE of the prefix's
 * registry, whatever the Unix environment says, so a test cannot point ssoenv.exe's home (the
 * `home` crate reads USERPROFILE, as the AWS CLI does) at its sandbox directly. A Windows parent
 * can: a child inherits the environment block it is given. Everything after this program's own
 * name is passed on untouched, so ssoenv.exe parses the very command line Wine built. */
#include <windows.h>

int main(void)
{
    static WCHAR profile[32768];
    DWORD n = GetEnvironmentVariableW(L"SSOENV_TEST_USERPROFILE", profile, 32768);
    if (n > 0 && n < 32768) {
        SetEnvironmentVariableW(L"USERPROFILE", profile);
        SetEnvironmentVariableW(L"SSOENV_TEST_USERPROFILE", NULL);
    }

    /* Skip argv[0]: quoted ("...") or up to the first blank, then the blanks after it. */
    WCHAR *rest = GetCommandLineW();
    if (*rest == L'"') {
        rest++;
        while (*rest && *rest != L'"')
            rest++;
        if (*rest)
            rest++;
    } else {
        while (*rest && *rest != L' ' && *rest != L'\t')
            rest++;
    }
    while (*rest == L' ' || *rest == L'\t')
        rest++;

    STARTUPINFOW si = {sizeof si};
    PROCESS_INFORMATION pi;
    if (!CreateProcessW(NULL, rest, NULL, NULL, TRUE, 0, NULL, NULL, &si, &pi))
        return 250;
    WaitForSingleObject(pi.hProcess, INFINITE);
    DWORD code = 251;
    GetExitCodeProcess(pi.hProcess, &code);
    return (int)code;
}
