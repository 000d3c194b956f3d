#!/usr/bin/env python3
# SPDX-License-Identifier: Apache-2.0
# Seeds for fuzz_kms_service: a fresh service CA (P-256) and an indexer of org-a certified by it,
# and credentials signed by the indexer over the handshake key fuzz_kms_service.c uses.
#   seed_kms_service.py OUTDIR   writes the seeds and OUTDIR/ca.pem, to paste into ca_pem[]
# (a new run makes a new CA: replace ca_pem[] and every seed together).
import base64, json, hashlib, datetime, os, sys
from cryptography import x509
from cryptography.x509.oid import NameOID, ExtendedKeyUsageOID
from cryptography.hazmat.primitives import hashes, serialization
from cryptography.hazmat.primitives.asymmetric import ec
from cryptography.hazmat.primitives.asymmetric.utils import decode_dss_signature
def b64e(b): return base64.urlsafe_b64encode(b).rstrip(b"=").decode()
T=1772442000
nb=datetime.datetime(2026,1,1,tzinfo=datetime.timezone.utc); na=datetime.datetime(2036,1,1,tzinfo=datetime.timezone.utc)
cak=ec.generate_private_key(ec.SECP256R1()); sk=ec.generate_private_key(ec.SECP256R1())
name=lambda cn: x509.Name([x509.NameAttribute(NameOID.COMMON_NAME, cn)])
ca=(x509.CertificateBuilder().subject_name(name("Fuzz Service CA")).issuer_name(name("Fuzz Service CA"))
    .public_key(cak.public_key()).serial_number(1).not_valid_before(nb).not_valid_after(na)
    .add_extension(x509.BasicConstraints(ca=True,path_length=None),critical=True)
    .add_extension(x509.KeyUsage(False,False,False,False,False,True,True,False,False),critical=True)
    .sign(cak,hashes.SHA256()))
leaf=(x509.CertificateBuilder().subject_name(name("indexer")).issuer_name(ca.subject)
    .public_key(sk.public_key()).serial_number(2).not_valid_before(nb).not_valid_after(na)
    .add_extension(x509.BasicConstraints(ca=False,path_length=None),critical=False)
    .add_extension(x509.KeyUsage(True,False,False,False,False,False,False,False,False),critical=True)
    .add_extension(x509.ExtendedKeyUsage([ExtendedKeyUsageOID.CLIENT_AUTH]),critical=False)
    .add_extension(x509.SubjectAlternativeName([x509.UniformResourceIdentifier("urn:sealroom:service:indexer"),x509.UniformResourceIdentifier("urn:sealroom:org:org-a")]),critical=False)
    .sign(cak,hashes.SHA256()))
pub=sk.public_key().public_numbers()
jwk={"kty":"EC","crv":"P-256","x":b64e(pub.x.to_bytes(32,"big")),"y":b64e(pub.y.to_bytes(32,"big")),
     "x5c":[base64.b64encode(leaf.public_bytes(serialization.Encoding.DER)).decode()]}
epk={"kty":"EC","crv":"P-256","x":"gI0GAILBdu7T53akrFmMyGcsF3n5dO7MmwNBHKW5SV0","y":"SLW_xSffzlPWrHEVI30DHM_4egVwt3NQqeUD7nMFpps"}
th=b64e(hashlib.sha256(json.dumps({k:epk[k] for k in ("crv","kty","x","y")},separators=(",",":"),sort_keys=True).encode()).digest())
def proof(claims):
    h=b64e(json.dumps({"alg":"ES256"}).encode()); b=b64e(json.dumps(claims).encode())
    r,s=decode_dss_signature(sk.sign((h+"."+b).encode(),ec.ECDSA(hashes.SHA256())))
    return h+"."+b+"."+b64e(r.to_bytes(32,"big")+s.to_bytes(32,"big"))
good={"aud":"kms://kms.example.org","requestId":"hs-1","iat":T,"epk":th}
out=sys.argv[1]; os.makedirs(out,exist_ok=True)
def w(n,o): open(os.path.join(out,n),"w").write(json.dumps(o,separators=(",",":")))
w("valid",{"jwk":jwk,"proof":proof(good)})
w("no_proof",{"jwk":jwk})
w("stale",{"jwk":jwk,"proof":proof(dict(good,iat=T-1000))})
w("other_request",{"jwk":jwk,"proof":proof(dict(good,requestId="hs-2"))})
w("no_x5c",{"jwk":{k:v for k,v in jwk.items() if k!="x5c"},"proof":proof(good)})
w("bad_x5c",{"jwk":dict(jwk,x5c=["AAAA"]),"proof":proof(good)})
open(os.path.join(out, "ca.pem"), "wb").write(ca.public_bytes(serialization.Encoding.PEM))
