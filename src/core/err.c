/* SPDX-License-Identifier: Apache-2.0 */
/* Names and messages for sr_err values. */
#include <sealroom/err.h>

struct err_info {
    sr_err err;
    const char *name;
    const char *msg;
};

static const struct err_info errors[] = {
    { SR_OK, "SR_OK", "success" },
    { SR_ERR_ARG, "SR_ERR_ARG", "invalid argument" },
    { SR_ERR_STATE, "SR_ERR_STATE", "operation not allowed in the current state" },
    { SR_ERR_NOMEM, "SR_ERR_NOMEM", "out of memory" },
    { SR_ERR_LIMIT, "SR_ERR_LIMIT", "input exceeds a size or count limit" },
    { SR_ERR_BUFFER_TOO_SMALL, "SR_ERR_BUFFER_TOO_SMALL", "output buffer too small" },
    { SR_ERR_EXHAUSTED, "SR_ERR_EXHAUSTED", "counter or sequence number exhausted" },
    { SR_ERR_DECODE, "SR_ERR_DECODE", "malformed encoding" },
    { SR_ERR_INVALID, "SR_ERR_INVALID", "well-formed input breaks a protocol rule" },
    { SR_ERR_AUTH, "SR_ERR_AUTH", "authentication failed (signature, MAC or tag)" },
    { SR_ERR_EPOCH, "SR_ERR_EPOCH", "message is for an unknown epoch" },
    { SR_ERR_WRONG_GROUP, "SR_ERR_WRONG_GROUP", "message is for another group" },
    { SR_ERR_REPLAY, "SR_ERR_REPLAY", "replayed or too old; the key is gone" },
    { SR_ERR_UNSUPPORTED, "SR_ERR_UNSUPPORTED", "unsupported algorithm or feature" },
    { SR_ERR_NOT_FOUND, "SR_ERR_NOT_FOUND", "not found" },
    { SR_ERR_EXISTS, "SR_ERR_EXISTS", "already exists" },
    { SR_ERR_DENIED, "SR_ERR_DENIED", "not authorized" },
    { SR_ERR_CRYPTO, "SR_ERR_CRYPTO", "cryptographic library failure" },
    { SR_ERR_IO, "SR_ERR_IO", "input/output error" },
    { SR_ERR_STORE, "SR_ERR_STORE", "storage error" },
};

static const struct err_info *find(sr_err err)
{
    for (size_t i = 0; i < sizeof(errors) / sizeof(errors[0]); i++) {
        if (errors[i].err == err) {
            return &errors[i];
        }
    }
    return NULL;
}

const char *sr_err_str(sr_err err)
{
    const struct err_info *e = find(err);
    return e ? e->msg : "unknown error";
}

const char *sr_err_name(sr_err err)
{
    const struct err_info *e = find(err);
    return e ? e->name : "SR_ERR_UNKNOWN";
}
