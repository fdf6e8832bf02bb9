/*
 * registry.c - every source, format, sink and transform, by name.
 *
 * A new part is one file that defines its const ops struct plus one line in
 * the matching list below.
 */
#include <string.h>

#include "part.h"

extern const struct sl_source_ops sl_source_file, sl_source_stdin,
    sl_source_generator, sl_source_kafka;
extern const struct sl_decoder_ops sl_decoder_json;
extern const struct sl_decoder_ops sl_decoder_csv;
extern const struct sl_decoder_ops sl_decoder_grok;
extern const struct sl_decoder_ops sl_decoder_avro;
extern const struct sl_encoder_ops sl_encoder_json, sl_encoder_csv,
    sl_encoder_parquet;
extern const struct sl_encoder_ops sl_encoder_avro;
extern const struct sl_sink_ops sl_sink_file, sl_sink_stdout, sl_sink_kafka,
    sl_sink_s3;
extern const struct sl_transform_ops sl_transform_filter, sl_transform_derive,
    sl_transform_select_fields, sl_transform_drop_fields,
    sl_transform_rename_field, sl_transform_drop_null_fields,
    sl_transform_apply_mapping, sl_transform_flatten, sl_transform_explode,
    sl_transform_resolve_choice, sl_transform_dedupe, sl_transform_aggregate,
    sl_transform_join;

const struct sl_source_ops *const sl_sources[] = {
    &sl_source_file,
    &sl_source_stdin,
    &sl_source_generator,
    &sl_source_kafka,
    NULL,
};

const struct sl_decoder_ops *const sl_decoders[] = {
    &sl_decoder_json, &sl_decoder_csv, &sl_decoder_grok, &sl_decoder_avro, NULL,
};

const struct sl_encoder_ops *const sl_encoders[] = {
    &sl_encoder_json,
    &sl_encoder_csv,
    &sl_encoder_parquet,
    &sl_encoder_avro,
    NULL,
};

const struct sl_sink_ops *const sl_sinks[] = {
    &sl_sink_file, &sl_sink_stdout, &sl_sink_kafka, &sl_sink_s3, NULL,
};

const struct sl_transform_ops *const sl_transforms[] = {
    &sl_transform_filter,        &sl_transform_derive,
    &sl_transform_select_fields, &sl_transform_drop_fields,
    &sl_transform_rename_field,  &sl_transform_drop_null_fields,
    &sl_transform_apply_mapping, &sl_transform_flatten,
    &sl_transform_explode,       &sl_transform_resolve_choice,
    &sl_transform_dedupe,        &sl_transform_aggregate,
    &sl_transform_join,          NULL,
};

#define FIND(list, name)                                                       \
    do {                                                                       \
        for (size_t i = 0; name && list[i]; i++)                               \
            if (strcmp(list[i]->name, name) == 0)                              \
                return list[i];                                                \
        return NULL;                                                           \
    } while (0)

const struct sl_source_ops *sl_source_find(const char *name)
{
    FIND(sl_sources, name);
}

const struct sl_decoder_ops *sl_decoder_find(const char *name)
{
    FIND(sl_decoders, name);
}

const struct sl_encoder_ops *sl_encoder_find(const char *name)
{
    FIND(sl_encoders, name);
}

const struct sl_sink_ops *sl_sink_find(const char *name)
{
    FIND(sl_sinks, name);
}

const struct sl_transform_ops *sl_transform_find(const char *name)
{
    FIND(sl_transforms, name);
}
