#!/usr/bin/env python3
# SPDX-License-Identifier: Apache-2.0
# Service principals (KMS.md §6) and the static key's x5c (KMS.md §5) through `sealroomd --role
# kms`, written from KMS.md alone on top of kms_client.py. A service's credential is its P-256
# JWK with the x5c the test CA issued, and at the handshake a proof: an ES256 JWS by that key
# over {aud, requestId, iat, epk = RFC 7638 thumbprint of the handshake jwk}.
#
#   kms_service.py walk URL CA IDP PKI ANCHOR
#       PKI holds NAME.key / NAME.pem for the services; ANCHOR is the static key's trust anchor
import base64
import hashlib
import json
import os
import sys
import time
from datetime import datetime, timezone

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import kms_client as kc  # noqa: E402  (exits 77 without the cryptography package)
from kms_client import CLUSTER, ISSUER, b64e, check, expect  # noqa: E402

from cryptography import x509  # noqa: E402
from cryptography.hazmat.primitives import hashes, serialization  # noqa: E402
from cryptography.hazmat.primitives.asymmetric import ec, padding  # noqa: E402
from cryptography.hazmat.primitives.asymmetric.utils import decode_dss_signature  # noqa: E402

SERVICE = "urn:sealroom:service:"


def thumbprint(jwk):
    """RFC 7638: SHA-256 of the required members, sorted, without whitespace."""
    names = ("crv", "kty", "x", "y") if jwk["kty"] == "EC" else ("e", "kty", "n")
    text = json.dumps({k: jwk[k] for k in names}, separators=(",", ":"), sort_keys=True)
    return b64e(hashlib.sha256(text.encode()).digest())


def user_bearer(idp, sub, org, roles):
    with open(os.path.join(idp, "idp.pem"), "rb") as f:
        key = serialization.load_pem_private_key(f.read(), None)
    now = int(time.time())
    hdr = b64e(json.dumps({"alg": "RS256", "kid": "idp1", "typ": "JWT"}).encode())
    body = b64e(json.dumps({"iss": ISSUER, "sub": sub, "aud": CLUSTER, "org_id": org,
                            "roles": roles, "iat": now, "exp": now + 3600}).encode())
    sig = key.sign((hdr + "." + body).encode(), padding.PKCS1v15(), hashes.SHA256())
    return hdr + "." + body + "." + b64e(sig)


class Service:
    def __init__(self, pki, name):
        with open(os.path.join(pki, name + ".key"), "rb") as f:
            self.key = serialization.load_pem_private_key(f.read(), None)
        with open(os.path.join(pki, name + ".pem"), "rb") as f:
            cert = x509.load_pem_x509_certificate(f.read())
        pub = self.key.public_key().public_numbers()
        self.jwk = {"kty": "EC", "crv": "P-256", "x": b64e(pub.x.to_bytes(32, "big")),
                    "y": b64e(pub.y.to_bytes(32, "big")),
                    "x5c": [base64.b64encode(cert.public_bytes(serialization.Encoding.DER))
                            .decode()]}

    def proof(self, epk, request_id, iat=None, key=None):
        hdr = b64e(json.dumps({"alg": "ES256"}).encode())
        body = b64e(json.dumps({"aud": CLUSTER, "requestId": request_id,
                                "iat": int(time.time()) if iat is None else iat,
                                "epk": thumbprint(epk)}).encode())
        r, s = decode_dss_signature((key or self.key).sign((hdr + "." + body).encode(),
                                                           ec.ECDSA(hashes.SHA256())))
        return hdr + "." + body + "." + b64e(r.to_bytes(32, "big") + s.to_bytes(32, "big"))


class ServiceChannel(kc.Channel):
    def __init__(self, kms, svc, client_id="svc-1", iat=None, proof_key=None):
        super().__init__(kms, None, client_id)
        self.svc, self.iat, self.proof_key = svc, iat, proof_key
        self.client = {"clientId": client_id, "credential": {"jwk": svc.jwk}}

    def hello(self, epk, request_id):
        proof = self.svc.proof(epk, request_id, self.iat, self.proof_key)
        return {"clientId": self.client["clientId"],
                "credential": {"jwk": self.svc.jwk, "proof": proof}}


def check_static_x5c(kms, anchor_path):
    """KMS.md §5: the chain verifies to the anchor, the leaf is for the kid's host, and n/e are
    the leaf's key."""
    jwk = kms.jwk
    check(isinstance(jwk.get("x5c"), list) and jwk["x5c"], "the static JWK has no x5c")
    chain = [x509.load_der_x509_certificate(base64.b64decode(c, validate=True))
             for c in jwk["x5c"]]
    with open(anchor_path, "rb") as f:
        anchor = x509.load_pem_x509_certificate(f.read())
    if chain[-1] != anchor:
        chain.append(anchor)
    for child, parent in zip(chain, chain[1:]):
        parent.public_key().verify(child.signature, child.tbs_certificate_bytes,
                                   padding.PKCS1v15(), child.signature_hash_algorithm)
    now = datetime.now(timezone.utc)
    for c in chain:
        start = getattr(c, "not_valid_before_utc", None) or \
            c.not_valid_before.replace(tzinfo=timezone.utc)
        end = getattr(c, "not_valid_after_utc", None) or \
            c.not_valid_after.replace(tzinfo=timezone.utc)
        check(start <= now <= end, "a certificate is out of date")
    leaf = chain[0]
    host = jwk["kid"].split("/")[2]
    names = leaf.extensions.get_extension_for_class(x509.SubjectAlternativeName).value
    check(host in names.get_values_for_type(x509.DNSName), "the leaf is not for " + host)
    nums = leaf.public_key().public_numbers()
    check(kc.int_b64(nums.n) == jwk["n"] and kc.int_b64(nums.e) == jwk["e"],
          "n/e are not the leaf's key")
    print("ok: the static key's x5c verifies to the anchor, for %s, with its n/e" % host)


def walk(url, ca, idp, pki, anchor):
    kms = kc.Kms(url, ca)
    check_static_x5c(kms, anchor)
    alice = kc.Channel(kms, user_bearer(idp, "alice", "org-a", ["kms.orgAdmin"]), "dev-a1")
    expect(alice.handshake(), 201, "alice (org-a admin) handshake")
    key = expect(alice.call({"method": "create", "uri": "/keys", "count": 1}), 201,
                 "alice creates a key")["keys"][0]
    res = expect(alice.call({"method": "create", "uri": "/resources", "kind": "space",
                             "authIds": ["bob"], "keyUris": [key["uri"]]}), 201,
                 "alice creates a space with it")["resource"]

    indexer = Service(pki, "indexer")
    expect(ServiceChannel(kms, indexer).handshake(), 403,
           "indexer of org-a before org-a enables indexing", "NOT_AUTHORIZED")
    expect(alice.call({"method": "update", "uri": "/orgs/org-a/policy",
                       "policy": {"services": ["indexer"]}}), 200, "org-a enables the indexer")
    ch = ServiceChannel(kms, indexer)
    ans = expect(ch.handshake(), 201, "indexer handshake")
    check(ans["key"]["userId"] == SERVICE + "indexer", "service id %r" % ans["key"]["userId"])
    got = expect(ch.call({"method": "retrieve", "uri": key["uri"]}), 200,
                 "the indexer retrieves the space's key")["key"]
    check(got["jwk"]["k"] == key["jwk"]["k"], "the indexer got another key")
    keys = expect(ch.call({"method": "retrieve", "uri": res["uri"] + "/keys"}), 200,
                  "the indexer lists the space's keys")["keys"]
    check([k["uri"] for k in keys] == [key["uri"]], "keys %r" % keys)
    expect(ch.call({"method": "create", "uri": "/authorizations", "resourceUri": res["uri"],
                    "authIds": ["eve"]}), 403, "the indexer adds an authorization",
           "NOT_AUTHORIZED")
    other = Service(pki, "indexer2")
    ch.client = {"clientId": "svc-1", "credential": {"jwk": other.jwk}}
    expect(ch.call({"method": "update", "uri": "/ping"}), 401,
           "another indexer key on that channel", "CHANNEL_MISMATCH")

    expect(ServiceChannel(kms, Service(pki, "expired")).handshake(), 401,
           "an expired service certificate", "TOKEN_EXPIRED")
    expect(ServiceChannel(kms, Service(pki, "rogue")).handshake(), 401,
           "a chain to an untrusted CA", "TOKEN_INVALID")
    expect(ServiceChannel(kms, Service(pki, "revoked")).handshake(), 401,
           "a revoked service certificate", "TOKEN_INVALID")
    expect(ServiceChannel(kms, indexer, proof_key=other.key).handshake(), 401,
           "a proof signed by another key", "TOKEN_INVALID")
    expect(ServiceChannel(kms, indexer, iat=int(time.time()) - 600).handshake(), 401,
           "a proof from 10 minutes ago", "TOKEN_EXPIRED")
    expect(ServiceChannel(kms, Service(pki, "dlp")).handshake(), 403,
           "DLP, which org-a has not enabled", "NOT_AUTHORIZED")

    archiver = ServiceChannel(kms, Service(pki, "archiver"))
    expect(archiver.handshake(), 201, "archiver of no single org: handshake")
    expect(archiver.call({"method": "retrieve", "uri": key["uri"]}), 403,
           "the archiver, not enabled by org-a", "NOT_AUTHORIZED")
    expect(archiver.call({"method": "create", "uri": "/keys", "count": 1}), 403,
           "the archiver creates keys (it has no org)", "NOT_AUTHORIZED")
    expect(alice.call({"method": "update", "uri": "/orgs/org-a/policy",
                       "policy": {"services": ["indexer", "archiver"]}}), 200,
           "org-a enables the archiver too")
    got = expect(archiver.call({"method": "retrieve", "uri": key["uri"]}), 200,
                 "the archiver retrieves the key")["key"]
    check(got["jwk"]["k"] == key["jwk"]["k"], "the archiver got another key")


def main(argv):
    if len(argv) == 7 and argv[1] == "walk":
        return walk(*argv[2:])
    print("usage: kms_service.py walk URL CA IDP PKI ANCHOR", file=sys.stderr)
    return 2


if __name__ == "__main__":
    sys.exit(main(sys.argv) or 0)
