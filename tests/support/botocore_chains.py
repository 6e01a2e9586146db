"""How the real botocore resolves each role_arn profile of a config file: the AssumeRole calls it
would make, outermost first, and the profile and provider of the credentials at the chain's root,
or the error it raises. Nothing is fetched: the STS fetcher is recorded instead of built, and
credential_process is not run.

Usage: python3 botocore_chains.py CONFIG CREDENTIALS  (prints JSON: profile -> chain or error)
"""
import json
import sys

import botocore.credentials as bc
import botocore.session

recorded = []


class RecordingFetcher:
    def __init__(self, client_creator, source_credentials, role_arn, extra_args=None, **_):
        recorded.append({"role_arn": role_arn, "extra_args": extra_args or {},
                         "source_method": getattr(source_credentials, "method", None)})

    def fetch_credentials(self):
        raise AssertionError("no STS call in this script")


bc.AssumeRoleCredentialFetcher = RecordingFetcher
bc.ProcessProvider.load = lambda self: (
    bc.Credentials("A", "S", method=self.METHOD)
    if "credential_process" in self._load_config().get("profiles", {}).get(self._profile_name, {})
    else None
)

session = botocore.session.Session()
session.set_config_variable("config_file", sys.argv[1])
session.set_config_variable("credentials_file", sys.argv[2])
profiles = session.full_config.get("profiles", {})
out = {}
for name, profile in profiles.items():
    if "role_arn" not in profile or "web_identity_token_file" in profile:
        continue
    recorded.clear()
    provider = bc.AssumeRoleProvider(
        load_config=lambda: session.full_config,
        client_creator=session.create_client,
        cache={},
        profile_name=name,
        credential_sourcer=bc.CanonicalNameCredentialSourcer([]),
        profile_provider_builder=bc.ProfileProviderBuilder(session),
    )
    try:
        provider.load()
    except Exception as err:  # botocore's own message is the reference
        out[name] = {"error": str(err)}
        continue
    visited = provider._visited_profiles
    hops = list(reversed(recorded))
    for hop, profile_name in zip(hops, visited):
        hop["profile"] = profile_name
    root_method = hops[-1].pop("source_method")
    for hop in hops:
        hop.pop("source_method", None)
    out[name] = {"hops": hops, "root": visited[len(hops)], "root_method": root_method}
print(json.dumps(out, indent=1, sort_keys=True))
