"""Resolve an `aws login` profile's credentials with the real botocore (its LoginProvider, as
the AWS CLI v2 has it; DPoP signing needs botocore[crt]), and print them as JSON.

Usage: python3 botocore_login.py PROFILE
"""
import json
import sys

import botocore.session

session = botocore.session.Session(profile=sys.argv[1])
credentials = session.get_credentials()
frozen = credentials.get_frozen_credentials()
print(json.dumps({
    "method": credentials.method,
    "access_key": frozen.access_key,
    "secret_key": frozen.secret_key,
    "token": frozen.token,
}))
