/* SPDX-License-Identifier: Apache-2.0 */
/*
 * The zero-trust meeting layer: what participants see, compare and keep. The Security
 * Verification Code, which every member of an MLS epoch derives from the same
 * epoch_authenticator (RFC 9420 §8.7), so reading it aloud proves everyone is in one group;
 * the per-epoch content keys for chat, files, whiteboard and annotations; streamed file
 * encryption; and the local, passphrase-protected meeting recording.
 */
#pragma once

#include <stdint.h>

#include <sealroom/common.h>
#include <sealroom/err.h>

/** Bytes of epoch authenticator the code consumes: six groups of five. */
#define SR_E2EE_CODE_INPUT_LEN 30
/** "ddddd ddddd ddddd ddddd ddddd ddddd" plus the terminating NUL. */
#define SR_E2EE_CODE_STR_LEN 36

/**
 * Write the Security Verification Code for `epoch_authenticator` into `out` (at least
 * SR_E2EE_CODE_STR_LEN bytes): 30 decimal digits in six space-separated groups of five,
 * group i being bytes [5i, 5i+5) read big-endian, modulo 100000, zero-padded.
 * SR_ERR_ARG when fewer than 30 bytes are given.
 */
SR_API SR_MUST_USE sr_err sr_e2ee_verification_code(struct sr_slice epoch_authenticator,
                                                    char out[SR_E2EE_CODE_STR_LEN]);

/*
 * Meeting content keys (DESIGN.md, zero-trust flow steps 4 and 6).
 *
 * After every epoch change each member derives one AES-256-GCM key per content type with the
 * MLS exporter, context empty, length 32:
 *
 *   chat         MLS-Exporter("Sealroom chat key", "", 32)
 *   file         MLS-Exporter("Sealroom file transfer key", "", 32)
 *   whiteboard   MLS-Exporter("Sealroom whiteboard key", "", 32)
 *   annotation   MLS-Exporter("Sealroom annotation key", "", 32)
 *
 * No sender ever uses a content key directly. Each sender leaf gets its own key,
 *   sender_key = HKDF-Expand-SHA256(content_key, "Sealroom sender key" || type || leaf_be32, 32)
 * and seals with a fresh random 96-bit nonce. Two senders therefore never share a key, so
 * their nonces cannot collide, and one sender would need about 2^32 messages in one epoch
 * before a random nonce repeats with probability 2^-32. Random nonces need no counter state,
 * so a restarted client that rejoins the same epoch cannot reuse a nonce either.
 *
 * These keys prove membership of the epoch, not who sent: any member can derive every sender
 * key, so the sender index is authenticated against outsiders only. Content that must be
 * attributable to one member travels as a signed MLS application message instead.
 *
 * A keyring holds the current epoch and, for a grace window that the caller ends, the
 * previous one, so content sent just before a commit still opens. A keyring is not
 * thread-safe: it keeps one AEAD context that every call rekeys.
 */

/** Content types; each has its own exporter label and therefore its own key. */
enum sr_e2ee_content {
    SR_E2EE_CONTENT_CHAT = 1,
    SR_E2EE_CONTENT_FILE = 2,
    SR_E2EE_CONTENT_WHITEBOARD = 3,
    SR_E2EE_CONTENT_ANNOTATION = 4,
};

/** Bytes of each content key (AES-256-GCM). */
#define SR_E2EE_CONTENT_KEY_LEN 32

/**
 * An MLS-Exporter over one epoch: out[len] = MLS-Exporter(label, context, len). The MLS group
 * object supplies one; `label` is raw bytes without the "MLS 1.0 " prefix.
 */
typedef sr_err (*sr_e2ee_exporter_fn)(void *arg, struct sr_slice label, struct sr_slice context,
                                      uint8_t *out, size_t len);

struct sr_e2ee_keyring;

/** An empty keyring. SR_ERR_NOMEM; `*out` is NULL on error. */
SR_API SR_MUST_USE sr_err sr_e2ee_keyring_new(struct sr_e2ee_keyring **out);

/** Free the keyring and wipe every key; NULL is a no-op. */
SR_API void sr_e2ee_keyring_free(struct sr_e2ee_keyring *kr);

/**
 * Derive the four content keys of `epoch` through `exporter(arg, ...)` and make it the
 * current epoch; the old current epoch becomes the previous one (its grace window starts)
 * and any older one is wiped. SR_ERR_EPOCH unless `epoch` is newer than the current one;
 * exporter errors are returned as they are. The keyring is unchanged on error.
 */
SR_API SR_MUST_USE sr_err sr_e2ee_keyring_add_epoch(struct sr_e2ee_keyring *kr, uint64_t epoch,
                                                    sr_e2ee_exporter_fn exporter, void *arg);

/**
 * As sr_e2ee_keyring_add_epoch, with the exporter of RFC 9420 §8.5 run over
 * `exporter_secret` in MLS cipher suite `suite_id` (1..7; SR_ERR_UNSUPPORTED otherwise).
 */
SR_API SR_MUST_USE sr_err sr_e2ee_keyring_add_epoch_secret(struct sr_e2ee_keyring *kr,
                                                           uint64_t epoch, uint16_t suite_id,
                                                           struct sr_slice exporter_secret);

/** End the grace window: wipe the previous epoch's keys. */
SR_API void sr_e2ee_keyring_end_grace(struct sr_e2ee_keyring *kr);

/** The current epoch in `*epoch`; SR_ERR_STATE when no epoch was added. */
SR_API SR_MUST_USE sr_err sr_e2ee_keyring_epoch(const struct sr_e2ee_keyring *kr, uint64_t *epoch);

/**
 * Copy the content key of `type` in `epoch` into out[SR_E2EE_CONTENT_KEY_LEN], for tests and
 * for callers that wrap blobs themselves. SR_ERR_EPOCH when the epoch is not held, SR_ERR_ARG
 * for an unknown type.
 */
SR_API SR_MUST_USE sr_err sr_e2ee_keyring_export_key(const struct sr_e2ee_keyring *kr,
                                                     uint64_t epoch, enum sr_e2ee_content type,
                                                     uint8_t out[SR_E2EE_CONTENT_KEY_LEN]);

/*
 * Sealed messages (chat, whiteboard strokes, annotations; any type but file):
 *
 *   uint8  version = 1        uint8  content type     uint64 epoch
 *   uint32 sender leaf index  uint64 message id       opaque nonce[12]
 *   opaque ciphertext_and_tag[plaintext length + 16]
 *
 * All integers big-endian. The 34 header bytes are the AAD, so epoch, type, sender and message
 * id are all authenticated, and the key itself depends on type and sender as well.
 */

/** Header and tag bytes a sealed message adds to its plaintext. */
#define SR_E2EE_MESSAGE_OVERHEAD 50
/** The largest plaintext a message carries; larger content goes through the file stream. */
#define SR_E2EE_MESSAGE_MAX ((size_t)1 << 24)

/** What an opened message claims, all of it authenticated. */
struct sr_e2ee_message_info {
    enum sr_e2ee_content type;
    uint64_t epoch;
    uint32_t sender;
    uint64_t message_id;
};

/**
 * Seal `pt` as `type` from leaf `sender` under the current epoch into `out` (at least
 * pt.len + SR_E2EE_MESSAGE_OVERHEAD bytes); `*out_len` is the sealed length.
 * SR_ERR_STATE without an epoch, SR_ERR_ARG for an unknown or file type, SR_ERR_LIMIT past
 * SR_E2EE_MESSAGE_MAX, SR_ERR_BUFFER_TOO_SMALL, SR_ERR_CRYPTO.
 */
SR_API SR_MUST_USE sr_err sr_e2ee_message_seal(struct sr_e2ee_keyring *kr,
                                               enum sr_e2ee_content type, uint32_t sender,
                                               uint64_t message_id, struct sr_slice pt,
                                               uint8_t *out, size_t out_cap, size_t *out_len);

/**
 * Open a sealed message expected to be of type `type`; the plaintext (msg.len - overhead
 * bytes) goes to `out` and its claims to `*info`. SR_ERR_DECODE for a short message or an
 * unknown version, SR_ERR_INVALID when it is of another type, SR_ERR_EPOCH when its epoch is
 * not held, SR_ERR_AUTH when the tag fails (out is then wiped), SR_ERR_BUFFER_TOO_SMALL.
 */
SR_API SR_MUST_USE sr_err sr_e2ee_message_open(struct sr_e2ee_keyring *kr,
                                               enum sr_e2ee_content type, struct sr_slice msg,
                                               struct sr_e2ee_message_info *info, uint8_t *out,
                                               size_t out_cap, size_t *out_len);

/*
 * Streamed file encryption. A file is a fixed 102-byte header then its chunks:
 *
 *   "SRFS" | uint8 version = 1 | uint8 log2 chunk size = 16 | uint64 epoch | uint32 sender
 *   | opaque file_id[16] | uint64 total length | opaque wrap_nonce[12] | opaque wrapped[48]
 *
 * `wrapped` is a random 32-byte file key sealed with the sender's file-transfer key (see
 * above), AAD = the 42 header bytes before wrap_nonce, so every header field is
 * authenticated. Then come max(1, ceil(total / 65536)) chunks, each the plaintext chunk
 * (65536 bytes; the last one holds the rest, possibly 0) sealed with the file key,
 *   nonce = 0x00000000 || uint64 chunk index,
 *   AAD   = file_id || uint64 total length || uint64 chunk index || uint8 final (0 or 1).
 * Chunk sizes follow from the authenticated total length, so truncation, reordering,
 * duplication and extension all fail: SR_ERR_AUTH for a tag or a missing chunk, SR_ERR_DECODE
 * for bytes of the wrong size or after the final chunk.
 */

#define SR_E2EE_FILE_HEADER_LEN 102
#define SR_E2EE_FILE_ID_LEN     16
#define SR_E2EE_FILE_CHUNK      65536
#define SR_E2EE_FILE_TAG_LEN    16

struct sr_e2ee_file_enc;
struct sr_e2ee_file_dec;

/** What a file header says, all of it authenticated once sr_e2ee_file_dec_new succeeds. */
struct sr_e2ee_file_info {
    uint64_t epoch;
    uint32_t sender;
    uint8_t file_id[SR_E2EE_FILE_ID_LEN];
    uint64_t total_len;
};

/**
 * Start encrypting a file of `total_len` bytes from leaf `sender` under the current epoch.
 * Writes the SR_E2EE_FILE_HEADER_LEN-byte header into `header`. SR_ERR_STATE without an
 * epoch, SR_ERR_NOMEM, SR_ERR_CRYPTO. `*out` is NULL on error.
 */
SR_API SR_MUST_USE sr_err sr_e2ee_file_enc_new(struct sr_e2ee_keyring *kr, uint32_t sender,
                                               const uint8_t file_id[SR_E2EE_FILE_ID_LEN],
                                               uint64_t total_len,
                                               uint8_t header[SR_E2EE_FILE_HEADER_LEN],
                                               struct sr_e2ee_file_enc **out);

/** Plaintext bytes the next chunk must have (0 for an empty file, or once done). */
SR_API size_t sr_e2ee_file_enc_next_len(const struct sr_e2ee_file_enc *enc);

/**
 * Encrypt the next chunk: `pt` must be exactly sr_e2ee_file_enc_next_len bytes (SR_ERR_ARG
 * otherwise); writes pt.len + SR_E2EE_FILE_TAG_LEN bytes to `out`. SR_ERR_STATE once the
 * final chunk was written.
 */
SR_API SR_MUST_USE sr_err sr_e2ee_file_enc_push(struct sr_e2ee_file_enc *enc, struct sr_slice pt,
                                                uint8_t *out, size_t out_cap, size_t *out_len);

/** SR_OK when the final chunk was written, SR_ERR_STATE otherwise. */
SR_API SR_MUST_USE sr_err sr_e2ee_file_enc_finish(const struct sr_e2ee_file_enc *enc);

/** Free the encryptor and wipe its file key; NULL is a no-op. */
SR_API void sr_e2ee_file_enc_free(struct sr_e2ee_file_enc *enc);

/**
 * Read a file header (exactly SR_E2EE_FILE_HEADER_LEN bytes) and unwrap its file key with the
 * keyring. SR_ERR_DECODE for a bad magic or size, SR_ERR_UNSUPPORTED for another version or
 * chunk size, SR_ERR_EPOCH when the epoch is not held, SR_ERR_AUTH when the wrap fails,
 * SR_ERR_NOMEM. `info` (may be NULL) gets the header's fields.
 */
SR_API SR_MUST_USE sr_err sr_e2ee_file_dec_new(struct sr_e2ee_keyring *kr, struct sr_slice header,
                                               struct sr_e2ee_file_info *info,
                                               struct sr_e2ee_file_dec **out);

/** Ciphertext bytes the next chunk has (0 once the final chunk was opened). */
SR_API size_t sr_e2ee_file_dec_next_len(const struct sr_e2ee_file_dec *dec);

/**
 * Decrypt the next chunk (`ct` exactly sr_e2ee_file_dec_next_len bytes) into `out`.
 * SR_ERR_DECODE for a wrong length or any chunk after the final one, SR_ERR_AUTH when the tag
 * fails (out is wiped and the decryptor refuses everything after), SR_ERR_BUFFER_TOO_SMALL.
 */
SR_API SR_MUST_USE sr_err sr_e2ee_file_dec_push(struct sr_e2ee_file_dec *dec, struct sr_slice ct,
                                                uint8_t *out, size_t out_cap, size_t *out_len);

/** SR_OK once the final chunk opened; SR_ERR_AUTH when the stream ended early (truncated). */
SR_API SR_MUST_USE sr_err sr_e2ee_file_dec_finish(const struct sr_e2ee_file_dec *dec);

/** Free the decryptor and wipe its file key; NULL is a no-op. */
SR_API void sr_e2ee_file_dec_free(struct sr_e2ee_file_dec *dec);

/**
 * Encrypt the regular file open on `in_fd` (its size from fstat) to `out_fd`, one chunk of
 * memory at a time. SR_ERR_IO for read/write failures or a size change while reading,
 * SR_ERR_UNSUPPORTED when `in_fd` is not a regular file.
 */
SR_API SR_MUST_USE sr_err sr_e2ee_file_encrypt_fd(struct sr_e2ee_keyring *kr, uint32_t sender,
                                                  const uint8_t file_id[SR_E2EE_FILE_ID_LEN],
                                                  int in_fd, int out_fd);

/**
 * Decrypt the stream on `in_fd` to `out_fd`. Plaintext is written as chunks verify, so on any
 * error the caller must discard what was written. SR_ERR_AUTH for a truncated stream or a bad
 * tag, SR_ERR_DECODE for trailing bytes, SR_ERR_IO; `info` (may be NULL) as in _dec_new.
 */
SR_API SR_MUST_USE sr_err sr_e2ee_file_decrypt_fd(struct sr_e2ee_keyring *kr, int in_fd, int out_fd,
                                                  struct sr_e2ee_file_info *info);

/*
 * Local recording (DESIGN.md: "Recording is local only"). A recording is
 *
 *   header: "SRRC" | uint8 version = 1 | uint8 kdf (0 raw key, 1 scrypt) | uint8 log2 N
 *           | uint8 r | uint8 p | uint8 reserved = 0 | opaque salt[16] | opaque file_id[16]
 *           | opaque header_mac[32]
 *   records: uint32 length | opaque sealed[length]
 *
 * The user's key is 32 raw bytes, or scrypt(passphrase, salt, N, r, p, 32) with N, r, p from
 * the header. The recording key is HKDF-SHA256(salt = file_id, ikm = user key,
 * info = "Sealroom recording v1", 32), so one user key serves many recordings.
 * header_mac = HMAC-SHA256(HKDF-Expand(same PRK, "Sealroom recording header", 32),
 * the 42 header bytes before it): a wrong key fails at open. Record i (from 0) is AES-256-GCM
 * with nonce = 0x00000000 || uint64 i and AAD = header_mac || uint64 i || uint32 length, over
 *   uint8 kind | uint64 timestamp (µs, caller's clock) | uint32 sender leaf | payload.
 * The last record is a trailer, kind 0xff, whose payload is the uint64 count of records
 * before it; a file without it, or with bytes after it, is rejected as truncated or malformed.
 */

/** Record kinds. */
enum sr_e2ee_rec_kind {
    SR_E2EE_REC_AUDIO = 1,
    SR_E2EE_REC_VIDEO = 2,
    SR_E2EE_REC_CHAT = 3,
};

#define SR_E2EE_REC_KEY_LEN 32
/** The largest payload one record carries. */
#define SR_E2EE_REC_PAYLOAD_MAX ((size_t)1 << 24)
/** scrypt cost used when a writer leaves log2_n at 0: N = 2^17, r = 8, p = 1 (128 MiB). */
#define SR_E2EE_REC_SCRYPT_LOG2_N 17

/** How the user holds the recording key. A plain value type; the secret is borrowed. */
struct sr_e2ee_rec_key {
    int passphrase;         /* 1: `secret` is a passphrase; 0: 32 raw key bytes */
    struct sr_slice secret; /* borrowed for the duration of the call */
    unsigned log2_n;        /* writers only: scrypt cost, 0 for the default (tests go lower) */
};

/** One record as the reader returns it; `payload` stays valid until the next call. */
struct sr_e2ee_rec_record {
    enum sr_e2ee_rec_kind kind;
    uint64_t timestamp_us;
    uint32_t sender;
    struct sr_slice payload;
};

/** Write sink: write all `n` bytes or fail (SR_ERR_IO). */
typedef sr_err (*sr_e2ee_write_fn)(void *arg, const uint8_t *p, size_t n);
/** Read source: read up to `n` bytes into `p`, `*got` < n only at the end of input. */
typedef sr_err (*sr_e2ee_read_fn)(void *arg, uint8_t *p, size_t n, size_t *got);

struct sr_e2ee_recorder;
struct sr_e2ee_rec_reader;

/**
 * Start a recording written through `write(arg, ...)`: derives the key, writes the header.
 * SR_ERR_ARG for a raw key that is not 32 bytes or a bad scrypt cost, SR_ERR_NOMEM,
 * SR_ERR_CRYPTO, or the sink's error. `*out` is NULL on error.
 */
SR_API SR_MUST_USE sr_err sr_e2ee_recorder_new(const struct sr_e2ee_rec_key *key,
                                               sr_e2ee_write_fn write, void *arg,
                                               struct sr_e2ee_recorder **out);

/** As sr_e2ee_recorder_new into a new file at `path` (mode 0600; SR_ERR_EXISTS if present). */
SR_API SR_MUST_USE sr_err sr_e2ee_recorder_open(const char *path, const struct sr_e2ee_rec_key *key,
                                                struct sr_e2ee_recorder **out);

/** Append a decrypted media frame (`kind` audio or video). SR_ERR_LIMIT, SR_ERR_STATE. */
SR_API SR_MUST_USE sr_err sr_e2ee_recorder_add_frame(struct sr_e2ee_recorder *rec,
                                                     enum sr_e2ee_rec_kind kind,
                                                     uint64_t timestamp_us, uint32_t sender,
                                                     struct sr_slice payload);

/** Append a chat message (UTF-8 text). */
SR_API SR_MUST_USE sr_err sr_e2ee_recorder_add_chat(struct sr_e2ee_recorder *rec,
                                                    uint64_t timestamp_us, uint32_t sender,
                                                    struct sr_slice text);

/**
 * Write the trailer, flush and close the file (if opened by path), and free the recorder in
 * every case. An error means the recording is incomplete and will read as truncated.
 */
SR_API SR_MUST_USE sr_err sr_e2ee_recorder_close(struct sr_e2ee_recorder *rec);

/** Free without a trailer (the recording then reads as truncated); NULL is a no-op. */
SR_API void sr_e2ee_recorder_free(struct sr_e2ee_recorder *rec);

/**
 * Open a recording read through `read(arg, ...)`: parses the header, derives the key and
 * checks the header MAC. SR_ERR_DECODE for a short or malformed header, SR_ERR_UNSUPPORTED
 * for another version, SR_ERR_AUTH for a wrong key (or a key of the wrong kind) or a
 * modified header, SR_ERR_NOMEM, the source's error.
 */
SR_API SR_MUST_USE sr_err sr_e2ee_rec_reader_new(const struct sr_e2ee_rec_key *key,
                                                 sr_e2ee_read_fn read, void *arg,
                                                 struct sr_e2ee_rec_reader **out);

/** As sr_e2ee_rec_reader_new on the file at `path` (SR_ERR_NOT_FOUND, SR_ERR_IO). */
SR_API SR_MUST_USE sr_err sr_e2ee_rec_reader_open(const char *path,
                                                  const struct sr_e2ee_rec_key *key,
                                                  struct sr_e2ee_rec_reader **out);

/**
 * The next record in `*rec`, or `*end` = true once the trailer verified and nothing follows
 * it. SR_ERR_AUTH for a record that fails its tag, SR_ERR_DECODE for a truncated or malformed
 * record, a missing trailer or bytes after it, SR_ERR_LIMIT for an oversized length. After
 * any error every later call fails too.
 */
SR_API SR_MUST_USE sr_err sr_e2ee_rec_reader_next(struct sr_e2ee_rec_reader *rd,
                                                  struct sr_e2ee_rec_record *rec, int *end);

/** Close the file (if opened by path), wipe and free; NULL is a no-op. */
SR_API void sr_e2ee_rec_reader_free(struct sr_e2ee_rec_reader *rd);
