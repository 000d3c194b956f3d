/* SPDX-License-Identifier: Apache-2.0 */
/*
 * `sealroom demo`: each section shows one capability working end to end and checks its
 * own results, so the demo fails loudly (non-zero exit) if anything is wrong.
 */
#pragma once

#include <stdbool.h>
#include <stdint.h>

struct demo_opts {
    uint16_t suite; /* MLS cipher suite for the group sections */
    unsigned members;
};

/** Print a check line and return `ok`. */
bool demo_check(bool ok, const char *what);

/** The seven MLS cipher suites: signatures and HPKE EncryptWithLabel for each. */
bool demo_primitives(const struct demo_opts *opts);

/** MLS epochs feeding SFrame media keys through a relay that holds no key. */
bool demo_media(const struct demo_opts *opts);
