#!/usr/bin/env python3
# SPDX-License-Identifier: Apache-2.0
# Seed fuzz/corpus/{mls_message,key_package,welcome,group_info,commit,leaf_node}/ from the
# official messages.json (RFC 9420 test vectors). Run once from the repository root:
#   python3 fuzz/seed_mls_corpora.py [path/to/messages.json]
import json
import os
import sys

SRC = sys.argv[1] if len(sys.argv) > 1 else "../shared/vectors/mls/messages.json"
EVERY = 15  # 300 entries / 15 = 20 entries per field: small corpora


def unwrap(hexstr):
    return bytes.fromhex(hexstr)[4:]  # drop MLSMessage version and wire_format


def leaf_of_update(hexstr):
    return bytes.fromhex(hexstr)  # an Update proposal body is exactly one LeafNode


FIELDS = {
    "mls_message": [(k, bytes.fromhex) for k in ("mls_welcome", "mls_group_info",
                    "mls_key_package", "public_message_application", "public_message_proposal",
                    "public_message_commit", "private_message")],
    "key_package": [("mls_key_package", unwrap), ("add_proposal", bytes.fromhex)],
    "welcome": [("mls_welcome", unwrap), ("group_secrets", bytes.fromhex)],
    "group_info": [("mls_group_info", unwrap), ("ratchet_tree", bytes.fromhex)],
    "commit": [("commit", bytes.fromhex)],
    "leaf_node": [("update_proposal", leaf_of_update)],
}

with open(SRC) as f:
    cases = json.load(f)
for target, fields in FIELDS.items():
    d = os.path.join("fuzz", "corpus", target)
    os.makedirs(d, exist_ok=True)
    for i in range(0, len(cases), EVERY):
        for key, conv in fields:
            with open(os.path.join(d, "%s_%03d" % (key, i)), "wb") as out:
                out.write(conv(cases[i][key]))
