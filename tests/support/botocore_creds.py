"""Resolve a profile's credentials with the real botocore, set up as the AWS CLI v2 sets it up
(role credentials cached in ~/.aws/cli/cache), and print them as JSON.

Usage: python3 botocore_creds.py PROFILE
"""
import json
import os
import sys

import botocore.session
from botocore.utils import JSONFileCache

session = botocore.session.Session(profile=sys.argv[1])
provider = session.get_component("credential_provider").get_provider("sso")
provider.cache = JSONFileCache(os.path.expanduser(os.path.join("~", ".aws", "cli", "cache")))
credentials = session.get_credentials().get_frozen_credentials()
print(json.dumps({
    "access_key": credentials.access_key,
    "secret_key": credentials.secret_key,
    "token": credentials.token,
}))
