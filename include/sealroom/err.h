/* SPDX-License-Identifier: Apache-2.0 */
/*
 * The one error type of the library. Every fallible function returns sr_err; SR_OK is
 * zero. Values are grouped by what the caller can do about them (STYLE.md §4).
 */
#pragma once

#include <sealroom/common.h>

typedef enum sr_err {
    SR_OK = 0,

    /* Usage: the caller broke the API contract. */
    SR_ERR_ARG = 1,   /* an argument is out of range or NULL */
    SR_ERR_STATE = 2, /* the object is not in a state that allows the call */

    /* Resources. */
    SR_ERR_NOMEM = 10,            /* allocation failed */
    SR_ERR_LIMIT = 11,            /* input exceeds a configured or protocol limit */
    SR_ERR_BUFFER_TOO_SMALL = 12, /* the caller's output buffer is too small */
    SR_ERR_EXHAUSTED = 13,        /* a counter or sequence number would wrap */

    /* Input. */
    SR_ERR_DECODE = 20,  /* malformed bytes: truncated, trailing, non-canonical */
    SR_ERR_INVALID = 21, /* well-formed but breaks a protocol rule */

    /* Trust. */
    SR_ERR_AUTH = 30,        /* a signature, MAC, tag or confirmation failed */
    SR_ERR_EPOCH = 31,       /* message for an epoch we do not have */
    SR_ERR_WRONG_GROUP = 32, /* message for another group */
    SR_ERR_REPLAY = 33,      /* duplicate, too old, or its key was already used and deleted */

    /* Other. */
    SR_ERR_UNSUPPORTED = 40, /* algorithm, version or feature not supported */
    SR_ERR_NOT_FOUND = 41,
    SR_ERR_EXISTS = 42,
    SR_ERR_DENIED = 43, /* not authorized */
    SR_ERR_CRYPTO = 44, /* the crypto library failed for another reason */
    SR_ERR_IO = 45,
    SR_ERR_STORE = 46,
} sr_err;

/** A one-line English description of `err`; never NULL. */
SR_API const char *sr_err_str(sr_err err);

/** A stable identifier such as "SR_ERR_DECODE"; never NULL. */
SR_API const char *sr_err_name(sr_err err);

/** Return the error of `expr` from the current function when it is not SR_OK. */
#define SR_TRY(expr)                 \
    do {                             \
        sr_err sr_try_err_ = (expr); \
        if (sr_try_err_ != SR_OK) {  \
            return sr_try_err_;      \
        }                            \
    } while (0)

/** Return `err` from the current function when `cond` is false. */
#define SR_CHECK(cond, err) \
    do {                    \
        if (!(cond)) {      \
            return (err);   \
        }                   \
    } while (0)
