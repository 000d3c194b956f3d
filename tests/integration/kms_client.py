#!/usr/bin/env python3
# SPDX-License-Identifier: Apache-2.0
# A minimal, independent KMS client for the integration tests of `sealroomd --role kms`,
# written from KMS.md alone (not from the C code), so the daemon is checked against the spec:
# RSA-OAEP handshake with a bearer JWT, PS256 answer, ECDHE channel key by HKDF, dir+A256GCM
# requests in batches, replay and reset. Needs the `cryptography` package (exit 77 without).
#
#   kms_client.py mkidp DIR                 write DIR/idp.pem and DIR/jwks.json (kid idp1)
#   kms_client.py flow URL CA IDP STATE     the protocol walk; writes STATE for after-restart
#   kms_client.py after-restart URL CA IDP STATE
#   kms_client.py resume URL CA IDP STATE         the channel in STATE still works
#   kms_client.py rotated URL CA IDP STATE        after --rotate-static-key (KMS_STATIC_N=2)
#   kms_client.py handshake URL CA IDP STATUS   one handshake as alice must answer STATUS
import base64
import json
import os
import ssl
import sys
import time
import urllib.error
import urllib.request
import uuid

try:
    from cryptography.hazmat.primitives import hashes, serialization
    from cryptography.hazmat.primitives.asymmetric import ec, padding, rsa
    from cryptography.hazmat.primitives.ciphers.aead import AESGCM
    from cryptography.hazmat.primitives.kdf.hkdf import HKDF
except ImportError:
    print("python3 has no cryptography package: skipping", file=sys.stderr)
    sys.exit(77)

ISSUER = "https://idp.test"
CLUSTER = "kms://kms.test"


def b64e(b):
    return base64.urlsafe_b64encode(b).rstrip(b"=").decode()


def b64d(s):
    return base64.urlsafe_b64decode(s + "=" * (-len(s) % 4))


def int_b64(n):
    return b64e(n.to_bytes((n.bit_length() + 7) // 8, "big"))


def fail(msg):
    print("FAIL: " + msg, file=sys.stderr)
    sys.exit(1)


def check(cond, msg):
    if not cond:
        fail(msg)


def mkidp(d):
    key = rsa.generate_private_key(public_exponent=65537, key_size=2048)
    with open(os.path.join(d, "idp.pem"), "wb") as f:
        f.write(key.private_bytes(serialization.Encoding.PEM, serialization.PrivateFormat.PKCS8,
                                  serialization.NoEncryption()))
    pub = key.public_key().public_numbers()
    jwks = {"keys": [{"kty": "RSA", "kid": "idp1", "alg": "RS256", "use": "sig",
                      "n": int_b64(pub.n), "e": int_b64(pub.e)}]}
    with open(os.path.join(d, "jwks.json"), "w") as f:
        json.dump(jwks, f)


def bearer(idp_dir, sub, key=None):
    if key is None:
        with open(os.path.join(idp_dir, "idp.pem"), "rb") as f:
            key = serialization.load_pem_private_key(f.read(), None)
    now = int(time.time())
    hdr = b64e(json.dumps({"alg": "RS256", "kid": "idp1", "typ": "JWT"}).encode())
    body = b64e(json.dumps({"iss": ISSUER, "sub": sub, "aud": CLUSTER, "org_id": "org-a",
                            "iat": now, "exp": now + 3600}).encode())
    sig = key.sign((hdr + "." + body).encode(), padding.PKCS1v15(), hashes.SHA256())
    return hdr + "." + body + "." + b64e(sig)


class Kms:
    def __init__(self, url, ca):
        self.url = url
        self.ctx = ssl.create_default_context(cafile=ca)
        details = self.http("GET", "/kms/v1/details")
        check(details["kmsCluster"] == CLUSTER, "kmsCluster %r" % details["kmsCluster"])
        jwk = json.loads(details["rsaPublicKey"])
        self.jwk = jwk
        self.kid = jwk["kid"]
        check(self.kid == CLUSTER + "/static/" + os.environ.get("KMS_STATIC_N", "1"),
              "static kid %r" % self.kid)
        self.static = self.add_key(jwk)

    def add_key(self, jwk):
        """Trust an RSA public JWK for answers signed under its kid."""
        key = rsa.RSAPublicNumbers(int.from_bytes(b64d(jwk["e"]), "big"),
                                   int.from_bytes(b64d(jwk["n"]), "big")).public_key()
        self.keys = dict(getattr(self, "keys", {}), **{jwk["kid"]: key})
        return key

    def http(self, method, path, body=None):
        data = json.dumps(body).encode() if body is not None else None
        req = urllib.request.Request(self.url + path, data=data, method=method,
                                     headers={"Content-Type": "application/json"})
        try:
            with urllib.request.urlopen(req, context=self.ctx, timeout=10) as r:
                check(r.status == 200, "%s %s: HTTP %d" % (method, path, r.status))
                return json.loads(r.read())
        except urllib.error.HTTPError as e:
            fail("%s %s: HTTP %d %s" % (method, path, e.code, e.read()))

    def post(self, compacts):
        ans = self.http("POST", "/kms/v1/messages",
                        {"destination": CLUSTER, "kmsMessages": compacts})["kmsMessages"]
        check(len(ans) == len(compacts), "%d answers to %d messages" % (len(ans), len(compacts)))
        return ans

    def open_signed(self, compact):
        h, p, s = compact.split(".")
        hdr = json.loads(b64d(h))
        check(hdr.get("alg") == "PS256" and hdr.get("kid") in self.keys, "JWS header %r" % hdr)
        self.keys[hdr["kid"]].verify(b64d(s), (h + "." + p).encode(),
                           padding.PSS(mgf=padding.MGF1(hashes.SHA256()), salt_length=32),
                           hashes.SHA256())
        return json.loads(b64d(p))


class Channel:
    def __init__(self, kms, token, client_id="dev-1"):
        self.kms = kms
        self.client = {"clientId": client_id, "credential": {"bearer": token}}
        self.uri = None
        self.k = None

    def hello(self, epk, request_id):
        """The handshake's client member (a service adds its proof over epk and request_id)."""
        return self.client

    def handshake(self, kid=None):
        """The RSA-OAEP JWE handshake to static key `kid` (default: the current one)."""
        kid = kid or self.kms.kid
        priv = ec.generate_private_key(ec.SECP256R1())
        pub = priv.public_key().public_numbers()
        epk = {"kty": "EC", "crv": "P-256", "x": b64e(pub.x.to_bytes(32, "big")),
               "y": b64e(pub.y.to_bytes(32, "big"))}
        rid = str(uuid.uuid4())
        payload = {"client": self.hello(epk, rid), "method": "create", "uri": CLUSTER + "/ecdhe",
                   "requestId": rid, "jwk": epk}
        hdr = b64e(json.dumps({"alg": "RSA-OAEP", "enc": "A256GCM", "kid": kid}).encode())
        cek, iv = os.urandom(32), os.urandom(12)
        ek = self.kms.keys[kid].encrypt(cek, padding.OAEP(mgf=padding.MGF1(hashes.SHA1()),
                                                       algorithm=hashes.SHA1(), label=None))
        ct = AESGCM(cek).encrypt(iv, json.dumps(payload).encode(), hdr.encode())
        compact = ".".join([hdr, b64e(ek), b64e(iv), b64e(ct[:-16]), b64e(ct[-16:])])
        ans = self.kms.open_signed(self.kms.post([compact])[0])
        check(ans["requestId"] == payload["requestId"], "handshake requestId")
        if ans["status"] == 201:
            peer = ans["key"]["jwk"]
            point = ec.EllipticCurvePublicNumbers(int.from_bytes(b64d(peer["x"]), "big"),
                                                  int.from_bytes(b64d(peer["y"]), "big"),
                                                  ec.SECP256R1()).public_key()
            z = priv.exchange(ec.ECDH(), point)
            self.k = HKDF(algorithm=hashes.SHA256(), length=32, salt=b"", info=b"").derive(z)
            self.uri = ans["key"]["uri"]
            check(self.uri.startswith(CLUSTER + "/ecdhe/"), "channel uri %r" % self.uri)
        return ans

    def seal(self, req):
        req = dict(req, client=self.client, requestId=req.get("requestId", str(uuid.uuid4())))
        hdr = b64e(json.dumps({"alg": "dir", "enc": "A256GCM", "kid": self.uri}).encode())
        iv = os.urandom(12)
        ct = AESGCM(self.k).encrypt(iv, json.dumps(req).encode(), hdr.encode())
        return ".".join([hdr, "", b64e(iv), b64e(ct[:-16]), b64e(ct[-16:])])

    def open(self, compact):
        parts = compact.split(".")
        if len(parts) == 3:
            return self.kms.open_signed(compact)  # a signed reset
        hdr = json.loads(b64d(parts[0]))
        check(hdr == {"alg": "dir", "enc": "A256GCM", "kid": self.uri} or
              (hdr.get("alg"), hdr.get("enc"), hdr.get("kid")) == ("dir", "A256GCM", self.uri),
              "answer header %r" % hdr)
        pt = AESGCM(self.k).decrypt(b64d(parts[2]), b64d(parts[3]) + b64d(parts[4]),
                                    parts[0].encode())
        return json.loads(pt)

    def call(self, *reqs):
        ans = self.kms.post([self.seal(r) for r in reqs])
        out = [self.open(a) for a in ans]
        return out if len(out) > 1 else out[0]


def expect(ans, status, what, code=None):
    check(ans.get("status") == status, "%s: status %r, not %d: %r" % (what, ans.get("status"),
                                                                       status, ans))
    if code is not None:
        check(ans.get("errorCode") == code, "%s: errorCode %r, not %s" % (what,
                                                                          ans.get("errorCode"),
                                                                          code))
    print("ok: %s -> %d%s" % (what, status, " " + code if code else ""))
    return ans


def flow(url, ca, idp, state):
    kms = Kms(url, ca)
    alice = Channel(kms, bearer(idp, "alice"), "dev-a1")
    expect(alice.handshake(), 201, "alice handshake")
    keys = expect(alice.call({"method": "create", "uri": "/keys", "count": 2}), 201,
                  "create 2 keys")["keys"]
    check(len(keys) == 2 and all(len(b64d(k["jwk"]["k"])) == 32 for k in keys), "keys %r" % keys)
    res = expect(alice.call({"method": "create", "uri": "/resources", "kind": "meeting",
                             "authIds": ["bob"], "keyUris": [keys[0]["uri"]]}), 201,
                 "create resource binding key 1")["resource"]
    bob = Channel(kms, bearer(idp, "bob"), "dev-b1")
    expect(bob.handshake(), 201, "bob handshake")
    got = expect(bob.call({"method": "retrieve", "uri": keys[0]["uri"]}), 200,
                 "bob retrieves key 1")["key"]
    check(got["jwk"]["k"] == keys[0]["jwk"]["k"], "bob got another key")
    check(got["resourceUri"] == res["uri"], "key 1 not bound to the resource")
    carol = Channel(kms, bearer(idp, "carol"), "dev-c1")
    expect(carol.handshake(), 201, "carol handshake")
    expect(carol.call({"method": "retrieve", "uri": keys[0]["uri"]}), 403,
           "carol retrieves key 1", "NOT_AUTHORIZED")
    expect(bob.call({"method": "retrieve", "uri": keys[1]["uri"]}), 403,
           "bob retrieves alice's unbound key 2", "NOT_AUTHORIZED")
    ping, again = alice.call({"method": "update", "uri": "/ping"},
                             {"method": "retrieve", "uri": keys[1]["uri"]})
    expect(ping, 200, "batch: ping")
    expect(again, 200, "batch: alice retrieves key 2")
    msg = alice.seal({"method": "update", "uri": "/ping"})
    expect(alice.open(kms.post([msg])[0]), 200, "ping once")
    expect(alice.open(kms.post([msg])[0]), 409, "the same message again", "REPLAY")
    mallory = serialization.load_pem_private_key(
        rsa.generate_private_key(public_exponent=65537, key_size=2048).private_bytes(
            serialization.Encoding.PEM, serialization.PrivateFormat.PKCS8,
            serialization.NoEncryption()), None)
    expect(Channel(kms, bearer(idp, "alice", mallory)).handshake(), 401,
           "handshake with a forged token", "TOKEN_INVALID")
    carol_uri = carol.uri
    expect(carol.call({"method": "delete", "uri": carol_uri}), 204, "carol closes her channel")
    expect(carol.call({"method": "update", "uri": "/ping"}), 499, "ping on a closed channel",
           "RESET")
    with open(state, "w") as f:
        json.dump({"key": keys[0], "channel": alice.uri, "k": b64e(alice.k), "static": kms.jwk},
                  f)


def after_restart(url, ca, idp, state):
    with open(state) as f:
        st = json.load(f)
    kms = Kms(url, ca)
    old = Channel(kms, bearer(idp, "alice"), "dev-a1")
    old.uri, old.k = st["channel"], b64d(st["k"])
    expect(old.call({"method": "update", "uri": "/ping"}), 499,
           "a channel from before the restart", "RESET")
    bob = Channel(kms, bearer(idp, "bob"), "dev-b1")
    expect(bob.handshake(), 201, "bob handshake after the restart")
    got = expect(bob.call({"method": "retrieve", "uri": st["key"]["uri"]}), 200,
                 "bob retrieves key 1 after the restart")["key"]
    check(got["jwk"]["k"] == st["key"]["jwk"]["k"], "key 1 changed across the restart")


def resume(url, ca, idp, state):
    with open(state) as f:
        st = json.load(f)
    old = Channel(Kms(url, ca), bearer(idp, "alice"), "dev-a1")
    old.uri, old.k = st["channel"], b64d(st["k"])
    expect(old.call({"method": "update", "uri": "/ping"}), 200, "a channel from before the restart")
    got = expect(old.call({"method": "retrieve", "uri": st["key"]["uri"]}), 200,
                 "alice retrieves key 1 on it")["key"]
    check(got["jwk"]["k"] == st["key"]["jwk"]["k"], "key 1 changed across the restart")


def rotated(url, ca, idp, state):
    with open(state) as f:
        st = json.load(f)
    kms = Kms(url, ca)
    check(kms.kid != st["static"]["kid"], "the static key did not change")
    check(kms.jwk["n"] != st["static"]["n"], "the new static key has the old modulus")
    kms.add_key(st["static"])
    expect(Channel(kms, bearer(idp, "alice")).handshake(), 201, "handshake to the new key")
    bob = Channel(kms, bearer(idp, "bob"), "dev-b1")
    expect(bob.handshake(st["static"]["kid"]), 201, "handshake to the previous key")
    got = expect(bob.call({"method": "retrieve", "uri": st["key"]["uri"]}), 200,
                 "bob retrieves key 1 on that channel")["key"]
    check(got["jwk"]["k"] == st["key"]["jwk"]["k"], "key 1 changed across the rotation")


def handshake(url, ca, idp, status):
    expect(Channel(Kms(url, ca), bearer(idp, "alice")).handshake(), int(status),
           "handshake with a token of " + idp)


def main(argv):
    if len(argv) == 3 and argv[1] == "mkidp":
        return mkidp(argv[2])
    if len(argv) == 6 and argv[1] == "flow":
        return flow(*argv[2:])
    if len(argv) == 6 and argv[1] == "rotated":
        return rotated(*argv[2:])
    if len(argv) == 6 and argv[1] == "resume":
        return resume(*argv[2:])
    if len(argv) == 6 and argv[1] == "handshake":
        return handshake(*argv[2:])
    if len(argv) == 6 and argv[1] == "after-restart":
        return after_restart(*argv[2:])
    print(__doc__ or "usage: see the comment at the top", file=sys.stderr)
    return 2


if __name__ == "__main__":
    sys.exit(main(sys.argv) or 0)
