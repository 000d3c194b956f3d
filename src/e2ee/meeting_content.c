/* SPDX-License-Identifier: Apache-2.0 */
/*
 * Chat, whiteboard, annotations and files in a meeting: the keyring formats of e2ee.h under
 * the current epoch's content keys, sent as our own leaf. Opening first drops the previous
 * epoch's keys if its grace period is over, so late content fails with SR_ERR_EPOCH.
 */
#include <sealroom/meeting.h>

#include "e2ee/meeting_int.h"

sr_err sr_meeting_seal(struct sr_meeting *m, enum sr_e2ee_content type, uint64_t message_id,
                       struct sr_slice pt, uint8_t *out, size_t out_cap, size_t *out_len)
{
    SR_CHECK(m != NULL, SR_ERR_ARG);
    SR_TRY(sr_meeting_ready(m));
    return sr_e2ee_message_seal(m->keyring, type, sr_mls_group_own_leaf(m->group), message_id, pt,
                                out, out_cap, out_len);
}

sr_err sr_meeting_open(struct sr_meeting *m, enum sr_e2ee_content type, struct sr_slice msg,
                       struct sr_e2ee_message_info *info, uint8_t *out, size_t out_cap,
                       size_t *out_len)
{
    SR_CHECK(m != NULL, SR_ERR_ARG);
    SR_TRY(sr_meeting_ready(m));
    struct sr_e2ee_message_info ignored;
    return sr_e2ee_message_open(m->keyring, type, msg, info != NULL ? info : &ignored, out, out_cap,
                                out_len);
}

sr_err sr_meeting_file_enc_new(struct sr_meeting *m, const uint8_t file_id[SR_E2EE_FILE_ID_LEN],
                               uint64_t total_len, uint8_t header[SR_E2EE_FILE_HEADER_LEN],
                               struct sr_e2ee_file_enc **out)
{
    SR_CHECK(m != NULL && out != NULL, SR_ERR_ARG);
    *out = NULL;
    SR_TRY(sr_meeting_ready(m));
    return sr_e2ee_file_enc_new(m->keyring, sr_mls_group_own_leaf(m->group), file_id, total_len,
                                header, out);
}

sr_err sr_meeting_file_dec_new(struct sr_meeting *m, struct sr_slice header,
                               struct sr_e2ee_file_info *info, struct sr_e2ee_file_dec **out)
{
    SR_CHECK(m != NULL && out != NULL, SR_ERR_ARG);
    *out = NULL;
    SR_TRY(sr_meeting_ready(m));
    return sr_e2ee_file_dec_new(m->keyring, header, info, out);
}
