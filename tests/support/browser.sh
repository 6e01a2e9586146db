#!/bin/sh
# The test BROWSER: plays the person who approves a login in the browser.
# Usage: sh browser.sh URL
#  - a device verification URL (…/device?user_code=…): fetching it approves the code;
#  - an /authorize URL: the mock answers 302 to ssoenv's loopback listener, which curl follows,
#    completing the PKCE login.
# Each URL is appended to $SSOENV_TEST_BROWSER_LOG when that is set, so a test can assert the
# browser was (or was not) opened.
url=${1-}
if [ -z "$url" ]; then
    echo "browser.sh: no URL given" >&2
    exit 2
fi
if [ -n "${SSOENV_TEST_BROWSER_LOG-}" ]; then
    printf '%s\n' "$url" >> "$SSOENV_TEST_BROWSER_LOG"
fi
# --noproxy: everything here is on 127.0.0.1; never route it through a proxy from the environment.
exec curl -fsSL --noproxy '*' --max-time 10 "$url" -o /dev/null
