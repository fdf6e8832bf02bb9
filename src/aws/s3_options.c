/*
 * s3_options.c - from the shared S3 option keys (s3_options.h) to the
 * client's options.
 */
#include "aws/s3_options.h"

#include <string.h>

void sl_s3_conf_to_opts(const struct sl_s3_conf *c, struct sl_s3_opts *o)
{
    memset(o, 0, sizeof(*o));
    o->aws.region = c->region;
    o->aws.endpoint_url = c->endpoint_url;
    o->aws.ca_file = c->ca_file;
    o->aws.profile = c->profile;
    o->aws.role_arn = c->role_arn;
    o->aws.role_session_name = c->role_session_name;
    o->aws.external_id = c->external_id;
    o->aws.force_path_style = c->force_path_style;
    o->aws.tls_verify = c->tls_verify;
    o->sse = c->sse;
    o->kms_key_id = c->kms_key_id;
    o->storage_class = c->storage_class;
    o->checksum = c->checksum;
    o->part_size = c->part_size > 0 ? (size_t)c->part_size : 0;
    o->upload_threads = (int)c->upload_threads;
    o->request_timeout_ms = c->request_timeout;
}
