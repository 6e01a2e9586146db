"""Resolve a role_arn profile's credentials with the real botocore, set up as the AWS CLI v2 sets
it up (AssumeRoleProvider with a JSONFileCache at ~/.aws/cli/cache), and print them as JSON.

STS never leaves this process: each hop's STS client is a real botocore client with a Stubber
that holds the replies given (innermost hop first), each checked against the parameters expected
("ANY" matches anything, as for the generated session name). With no replies given, any STS call
fails the script: then the credentials can only have come from the cache.

Usage: python3 botocore_profile_chain.py PROFILE REPLIES_JSON
  REPLIES_JSON: [{"expected_params": {...}, "access_key_id": ..., "secret_access_key": ...,
                  "session_token": ..., "expires_in": SECONDS, "arn": ASSUMED_ROLE_ARN}, ...]
"""
import datetime
import json
import os
import sys

import botocore.session
from botocore.stub import ANY, Stubber
from botocore.utils import JSONFileCache

profile, replies = sys.argv[1], json.loads(sys.argv[2])
session = botocore.session.Session(profile=profile)
stubbers = []


def stubbed_client(service_name, **kwargs):
    assert service_name == "sts", service_name
    client = botocore.session.Session().create_client(
        "sts", region_name="us-east-1", aws_access_key_id="AKIASTUBSTUBSTUB",
        aws_secret_access_key="stub")
    stubber = Stubber(client)
    if replies:
        reply = replies.pop(0)
        expected = {k: (ANY if v == "ANY" else v) for k, v in reply["expected_params"].items()}
        now = datetime.datetime.now(datetime.timezone.utc).replace(microsecond=0)
        stubber.add_response("assume_role", {
            "Credentials": {
                "AccessKeyId": reply["access_key_id"],
                "SecretAccessKey": reply["secret_access_key"],
                "SessionToken": reply["session_token"],
                "Expiration": now + datetime.timedelta(seconds=reply["expires_in"]),
            },
            "AssumedRoleUser": {
                "AssumedRoleId": "AROASTUBSTUBSTUB:stub",
                "Arn": reply["arn"],
            },
        }, expected)
    stubber.activate()
    stubbers.append(stubber)
    return client


provider = session.get_component("credential_provider").get_provider("assume-role")
provider.cache = JSONFileCache(os.path.expanduser(os.path.join("~", ".aws", "cli", "cache")))
provider._client_creator = stubbed_client
credentials = session.get_credentials().get_frozen_credentials()
for stubber in stubbers:
    stubber.assert_no_pending_responses()
assert not replies, f"replies left unused: {replies}"
print(json.dumps({
    "access_key": credentials.access_key,
    "secret_key": credentials.secret_key,
    "token": credentials.token,
    "sts_clients": len(stubbers),
}))
