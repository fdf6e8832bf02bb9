/*
 * avro_registry.h - where the writer schema of a registry-framed Avro
 * message comes from: a Confluent Schema Registry (GET
 * /schemas/ids/{id} over HTTP with libcurl, optional basic auth) or, for
 * the AWS Glue Schema Registry, a local folder of schema files named by
 * the schema version UUID and then the Glue API (GetSchemaVersion, SigV4,
 * src/aws). Fetches are retried with backoff; an id that
 * failed is not asked again for a while (negative cache) so a registry
 * outage does not stall every record. Caching of parsed schemas is the
 * decoder's (avro.c).
 */
#ifndef SL_AVRO_REGISTRY_H
#define SL_AVRO_REGISTRY_H

#include <stddef.h>
#include <stdint.h>

#include "aws/credentials.h"
#include "buf.h"
#include "error.h"

struct sl_avro_registry_conf {
    const char *url;  /* Confluent registry base URL, or NULL */
    const char *user; /* basic auth, or NULL */
    const char *password;
    const char *glue_dir; /* folder of <uuid>.avsc / <uuid>.json / <uuid> */
    /* Non-NULL: a version not in glue_dir is fetched from the Glue API
     * with these settings (region, endpoint_url = Glue's, profile, role);
     * copied. */
    const struct sl_aws_config *glue_aws;
    int retries;         /* attempts after the first (default 3) */
    int64_t backoff_ms;  /* first wait; doubles (default 100) */
    int64_t negative_ms; /* remember a failure this long (default 10 s) */
    int64_t timeout_ms;  /* per HTTP request (default 5 s) */
};

struct sl_avro_registry;

int sl_avro_registry_create(const struct sl_avro_registry_conf *c,
                            struct sl_avro_registry **out,
                            struct sl_error *err);
void sl_avro_registry_destroy(struct sl_avro_registry *r);

/* Schema JSON of a Confluent schema id, into out (reset first).
 * SL_ENOTFOUND: the registry says there is no such id; SL_EIO: the
 * registry could not be reached (after retries); SL_EINVAL: no URL set. */
int sl_avro_registry_confluent(struct sl_avro_registry *r, uint32_t id,
                               struct sl_buf *out, struct sl_error *err);
/* Schema JSON of a Glue schema version id (16 bytes): from glue_dir,
 * else from the Glue API when glue_aws was set. SL_ENOTFOUND: in neither
 * (after retries); SL_EIO: Glue could not be reached; SL_EINVAL: not an
 * Avro schema, or neither source is configured. */
int sl_avro_registry_glue(struct sl_avro_registry *r, const uint8_t id[16],
                          struct sl_buf *out, struct sl_error *err);
/* "xxxxxxxx-xxxx-xxxx-xxxx-xxxxxxxxxxxx" (37 bytes with the NUL). */
void sl_avro_uuid_text(const uint8_t id[16], char out[37]);

/* Container headers kept on disk (`avro_header_dir`), by sync marker: a
 * job restarted in the middle of a container file reads the blocks that
 * follow with the header an earlier run saved. A file
 * <dir>/<32 hex digits of the sync>.avrohdr holds the codec name, '\n',
 * and the schema JSON; it is written once (temp file, fsync, rename).
 * save: 0 or an error. load: 0 with out = the file's bytes and *codec_len
 * the codec name's length; SL_ENOTFOUND when there is none. */
int sl_avro_header_save(const char *dir, const uint8_t sync[16],
                        const char *codec, size_t codec_len,
                        const uint8_t *schema, size_t schema_len,
                        struct sl_error *err);
int sl_avro_header_load(const char *dir, const uint8_t sync[16],
                        struct sl_buf *out, size_t *codec_len,
                        struct sl_error *err);

#endif
