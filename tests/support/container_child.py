"""The command `ssoenv exec --serve` runs in the tests: it asks the endpoint for credentials the
way an SDK does, with the real botocore (a Session with no profile, whose chain ends at
botocore.credentials.ContainerProvider), and prints what it saw as one JSON object.

Usage: python3 container_child.py twice
       python3 container_child.py auth
       python3 container_child.py login-needed TOKEN_FILE
"""
import json
import os
import sys
import urllib.error
import urllib.request

import botocore.session

VARIABLES = [
    "AWS_ACCESS_KEY_ID",
    "AWS_SECRET_ACCESS_KEY",
    "AWS_SESSION_TOKEN",
    "AWS_CREDENTIAL_EXPIRATION",
    "AWS_PROFILE",
    "AWS_REGION",
    "AWS_CONTAINER_CREDENTIALS_FULL_URI",
    "AWS_CONTAINER_CREDENTIALS_RELATIVE_URI",
    "AWS_CONTAINER_AUTHORIZATION_TOKEN",
    "AWS_CONTAINER_AUTHORIZATION_TOKEN_FILE",
    "SSOENV_PROFILE",
    "SSOENV_EXPIRES_AT",
]


def frozen(credentials):
    c = credentials.get_frozen_credentials()
    return [c.access_key, c.secret_key, c.token]


def status(headers, method="GET", path="/"):
    url = os.environ["AWS_CONTAINER_CREDENTIALS_FULL_URI"].rstrip("/") + path
    request = urllib.request.Request(url, headers=headers, method=method)
    try:
        with urllib.request.urlopen(request, timeout=10) as reply:
            return [reply.status, json.loads(reply.read())]
    except urllib.error.HTTPError as e:
        return [e.code, json.loads(e.read())]


mode = sys.argv[1]
out = {"env": {name: os.environ.get(name) for name in VARIABLES}}
if mode == "twice":
    credentials = botocore.session.Session().get_credentials()
    out["method"] = credentials.method
    # The endpoint's credentials expire within botocore's refresh window (the mock's lifetime is
    # short), so each read asks the endpoint again.
    out["first"] = frozen(credentials)
    out["second"] = frozen(credentials)
elif mode == "auth":
    token = os.environ["AWS_CONTAINER_AUTHORIZATION_TOKEN"]
    out["missing"] = status({})
    out["wrong"] = status({"Authorization": token[:-1] + ("A" if token[-1] != "A" else "B")})
    out["bearer"] = status({"Authorization": "Bearer " + token})
    out["right"] = status({"Authorization": token})
    out["post"] = status({"Authorization": token}, method="POST")
    out["elsewhere"] = status({"Authorization": token}, path="/other")
    with open("/proc/%d/cmdline" % os.getppid(), "rb") as f:
        out["parent_argv"] = f.read().decode("utf-8", "replace")
elif mode == "login-needed":
    credentials = botocore.session.Session().get_credentials()
    out["first"] = frozen(credentials)
    os.remove(sys.argv[2])
    errors = []
    for _ in range(2):
        try:
            frozen(credentials)
        except Exception as e:  # botocore raises CredentialRetrievalError
            errors.append("%s: %s" % (type(e).__name__, e))
    out["errors"] = errors
print(json.dumps(out))
