/* A stand-in for Windows' bcryptprimitives.dll, for running ssoenv.exe under Wine in the tests.
 *
 * Rust's std (1.78 and later) draws its random numbers from ProcessPrng in bcryptprimitives.dll,
 * which Windows 10 and later have and Wine 8 lacks (Wine 8 has no bcryptprimitives.dll at all),
 * so the .exe would not even load. This DLL, placed next to the .exe, exports ProcessPrng and
 * fills the buffer from RtlGenRandom (advapi32's SystemFunction036), which Wine implements on the
 * host's random source. Built by tests/integration/windows.rs with x86_64-w64-mingw32-gcc; never
 * shipped. Where Wine has its own ProcessPrng this one is still correct, only redundant. */
#include <windows.h>

BOOLEAN WINAPI SystemFunction036(PVOID buffer, ULONG length);

__declspec(dllexport) BOOL WINAPI ProcessPrng(PBYTE data, SIZE_T length)
{
    while (length > 0) {
        ULONG chunk = length > 0x40000000 ? 0x40000000 : (ULONG)length;
        if (!SystemFunction036(data, chunk))
            return FALSE;
        data += chunk;
        length -= chunk;
    }
    return TRUE;
}
