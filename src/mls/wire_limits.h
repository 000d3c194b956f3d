/* SPDX-License-Identifier: Apache-2.0 */
/*
 * Length caps for every variable-length field of the RFC 9420 wire structures, in one place.
 * RFC 9420 §2.1.2 lets a vector run to 2^30 - 1 bytes and asks implementations to bound what
 * they accept; each cap below is far under that. A decoder that meets a longer vector returns
 * SR_ERR_LIMIT. All values are byte counts of the vector body (not item counts).
 *
 * The ratchet tree cap is configurable at build time (-DSR_MLS_MAX_TREE_BYTES=...) because it
 * bounds the largest group a client can join; the fields that can carry a whole tree
 * (GroupInfo.extensions, Welcome.encrypted_group_info) follow it.
 */
#pragma once

/* Identifiers and authenticated data. */
#define SR_MLS_MAX_GROUP_ID 256u        /* group_id, psk_group_id */
#define SR_MLS_MAX_AAD      (1u << 20)  /* FramedContent.authenticated_data */
#define SR_MLS_MAX_APP_DATA (16u << 20) /* application_data */

/* Keys, hashes, tags and signatures. */
#define SR_MLS_MAX_PUBKEY     1024u /* HPKEPublicKey, SignaturePublicKey */
#define SR_MLS_MAX_HASH       256u  /* MAC, HashReference, parent_hash, tree hashes, secrets */
#define SR_MLS_MAX_SIGNATURE  1024u /* every signature<V> */
#define SR_MLS_MAX_KEM_OUTPUT 1024u /* HPKECiphertext.kem_output, ExternalInit.kem_output */
#define SR_MLS_MAX_HPKE_CT    (64u << 10) /* HPKECiphertext.ciphertext */
#define SR_MLS_MAX_PSK_ID     (4u << 10)  /* PreSharedKeyID.psk_id */

/* Credentials, capabilities and extensions. */
#define SR_MLS_MAX_CREDENTIAL      (64u << 10) /* identity, each certificate, the certificate list */
#define SR_MLS_MAX_CAPABILITY_LIST (4u << 10)  /* each uint16 list of Capabilities */
#define SR_MLS_MAX_EXTENSIONS      (1u << 20)  /* every Extension list but GroupInfo's */
#define SR_MLS_MAX_EXTENSION_DATA  (1u << 20)  /* one extension_data */

/*
 * Item counts. A decoded item can be hundreds of bytes in memory but one or two on the wire
 * (a blank tree node, a ProposalOrRef), so counts are capped too, keeping the memory a message
 * can make us allocate within a small multiple of its size.
 */
#ifndef SR_MLS_MAX_TREE_LEAVES
#define SR_MLS_MAX_TREE_LEAVES (1u << 16) /* the largest group we join */
#endif
#define SR_MLS_MAX_TREE_NODES       (2u * SR_MLS_MAX_TREE_LEAVES - 1u)
#define SR_MLS_MAX_PATH_DEPTH       32u    /* UpdatePath.nodes */
#define SR_MLS_MAX_PROPOSAL_COUNT   16384u /* Commit.proposals */
#define SR_MLS_MAX_EXTENSION_COUNT  1024u  /* any Extension list */
#define SR_MLS_MAX_CERTS            64u    /* x509 certificates */
#define SR_MLS_MAX_EXTERNAL_SENDERS 1024u
#define SR_MLS_MAX_PSK_COUNT        1024u /* GroupSecrets.psks */

/* Group-sized structures. */
#ifndef SR_MLS_MAX_TREE_BYTES
#define SR_MLS_MAX_TREE_BYTES (32u << 20) /* ratchet_tree, GroupInfo.extensions */
#endif
#define SR_MLS_MAX_UNMERGED             (1u << 20)  /* ParentNode.unmerged_leaves */
#define SR_MLS_MAX_PROPOSALS            (16u << 20) /* Commit.proposals */
#define SR_MLS_MAX_PATH_SECRETS         (8u << 20)  /* UpdatePathNode.encrypted_path_secret */
#define SR_MLS_MAX_PATH_NODES           (16u << 20) /* UpdatePath.nodes */
#define SR_MLS_MAX_WELCOME_SECRETS      (16u << 20) /* Welcome.secrets */
#define SR_MLS_MAX_PSKS                 (64u << 10) /* GroupSecrets.psks */
#define SR_MLS_MAX_ENCRYPTED_GROUP_INFO (SR_MLS_MAX_TREE_BYTES + (1u << 20))
#define SR_MLS_MAX_SENDER_DATA          256u /* PrivateMessage.encrypted_sender_data */
#define SR_MLS_MAX_CIPHERTEXT           (SR_MLS_MAX_PROPOSALS + (1u << 20)) /* PrivateMessage.ciphertext */
