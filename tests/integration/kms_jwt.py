#!/usr/bin/env python3
# SPDX-License-Identifier: Apache-2.0
# Bearer JWTs for the `sealroom kms` integration tests: a test identity provider (the same
# files as kms_client.py mkidp) and tokens with an org and KMS roles, which the CLI reads
# with --token-file. Needs the `cryptography` package (exit 77 without).
#
#   kms_jwt.py mkidp DIR                          write DIR/idp.pem and DIR/jwks.json
#   kms_jwt.py token DIR SUB ORG [ROLE,ROLE...]   print a 1-hour RS256 token for SUB in ORG
import json
import os
import sys
import time

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import kms_client  # noqa: E402  (exits 77 without the cryptography package)
from cryptography.hazmat.primitives import hashes, serialization  # noqa: E402
from cryptography.hazmat.primitives.asymmetric import padding  # noqa: E402


def token(idp_dir, sub, org, roles):
    with open(os.path.join(idp_dir, "idp.pem"), "rb") as f:
        key = serialization.load_pem_private_key(f.read(), None)
    now = int(time.time())
    claims = {"iss": kms_client.ISSUER, "sub": sub, "aud": kms_client.CLUSTER, "org_id": org,
              "iat": now, "exp": now + 3600}
    if roles:
        claims["roles"] = roles
    b64e = kms_client.b64e
    hdr = b64e(json.dumps({"alg": "RS256", "kid": "idp1", "typ": "JWT"}).encode())
    body = b64e(json.dumps(claims).encode())
    sig = key.sign((hdr + "." + body).encode(), padding.PKCS1v15(), hashes.SHA256())
    return hdr + "." + body + "." + b64e(sig)


def main(argv):
    if len(argv) == 3 and argv[1] == "mkidp":
        kms_client.mkidp(argv[2])
        return 0
    if len(argv) in (5, 6) and argv[1] == "token":
        roles = [r for r in argv[5].split(",") if r] if len(argv) == 6 else []
        print(token(argv[2], argv[3], argv[4], roles))
        return 0
    print("usage: kms_jwt.py mkidp DIR | token DIR SUB ORG [ROLE,ROLE...]", file=sys.stderr)
    return 2


if __name__ == "__main__":
    sys.exit(main(sys.argv))
