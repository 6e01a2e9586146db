"""The real botocore's AssumeRoleCredentialFetcher, for the assume-role cache: its cache key for
each call, and a fetch through a JSONFileCache (reusing a cached file, or calling STS at an
endpoint and writing the file as the AWS CLI v2 does, with ISO 8601 timestamps).

Usage: python3 botocore_assume_role.py keys < cases.json
         cases: [{"role_arn", "role_session_name"?, "external_id"?, "duration_seconds"?,
                  "mfa_serial"?}] -> prints [key, ...]
       python3 botocore_assume_role.py fetch < request.json
         request: {"cache_dir", "endpoint", "region", "source": {"access_key", "secret_key",
                   "token"}, "call": case} -> prints {"access_key", "secret_key", "token",
                   "expiry_time"}
"""
import json
import sys

import botocore.credentials as bc
import botocore.session
from botocore.utils import JSONFileCache


def extra_args(case):
    # As AssumeRoleProvider._resolve_role_credentials builds them from a profile.
    args = {}
    for setting, kwarg in [("role_session_name", "RoleSessionName"),
                           ("external_id", "ExternalId"),
                           ("mfa_serial", "SerialNumber"),
                           ("duration_seconds", "DurationSeconds")]:
        if case.get(setting) is not None:
            args[kwarg] = case[setting]
    return args


def fetcher(case, client_creator=None, source=None, cache=None):
    return bc.AssumeRoleCredentialFetcher(
        client_creator=client_creator,
        source_credentials=source,
        role_arn=case["role_arn"],
        extra_args=extra_args(case),
        mfa_prompter=lambda prompt: case.get("token_code", ""),
        cache=cache if cache is not None else {},
    )


def main():
    mode = sys.argv[1]
    request = json.load(sys.stdin)
    if mode == "keys":
        print(json.dumps([fetcher(case)._cache_key for case in request]))
        return
    session = botocore.session.get_session()
    # The AWS CLI v2 parses every response timestamp to an ISO 8601 string (scalarparse).
    session.get_component("response_parser_factory").set_parser_defaults(
        timestamp_parser=lambda value: bc._parse_if_needed(value).isoformat())
    src = request["source"]
    source = bc.Credentials(src["access_key"], src["secret_key"], src.get("token"))

    def client_creator(service, **kwargs):
        return session.create_client(service, region_name=request["region"],
                                     endpoint_url=request["endpoint"], **kwargs)

    creds = fetcher(request["call"], client_creator, source,
                    JSONFileCache(request["cache_dir"])).fetch_credentials()
    print(json.dumps(creds))


main()
