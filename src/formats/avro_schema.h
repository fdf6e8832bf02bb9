/*
 * avro_schema.h - Avro schemas: the JSON text parsed into a node tree, the
 * mapping of that tree to sluice types (Glue's conversions), and the
 * writer schema sluice derives from its own schema for Avro output.
 *
 * Shared by the Avro decoder (avro.c, avro_read.c), the registries
 * (avro_registry.c) and the encoder (avro_out.c). See docs/formats.md,
 * "Avro", for the type mapping as users see it.
 */
#ifndef SL_AVRO_SCHEMA_H
#define SL_AVRO_SCHEMA_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "buf.h"
#include "error.h"
#include "schema.h"

enum sl_avro_kind {
    SL_AV_NULL,
    SL_AV_BOOLEAN,
    SL_AV_INT,
    SL_AV_LONG,
    SL_AV_FLOAT,
    SL_AV_DOUBLE,
    SL_AV_BYTES,
    SL_AV_STRING,
    SL_AV_RECORD,
    SL_AV_ENUM,
    SL_AV_ARRAY,
    SL_AV_MAP,
    SL_AV_UNION,
    SL_AV_FIXED,
};

enum sl_avro_logical {
    SL_AVL_NONE,
    SL_AVL_DATE,        /* int: days since epoch -> date */
    SL_AVL_TIME_MILLIS, /* int: ms after midnight -> int */
    SL_AVL_TIME_MICROS, /* long: us after midnight -> bigint */
    SL_AVL_TS_MILLIS,   /* long -> timestamp (x1000) */
    SL_AVL_TS_MICROS,   /* long -> timestamp */
    SL_AVL_LTS_MILLIS,  /* local-timestamp-millis -> timestamp */
    SL_AVL_LTS_MICROS,  /* local-timestamp-micros -> timestamp */
    SL_AVL_DECIMAL,     /* bytes or fixed -> decimal(p,s) */
    SL_AVL_UUID,        /* string -> string */
};

struct sl_avro_node;

struct sl_avro_field {
    char *name;
    struct sl_avro_node *type;
    char **aliases;
    size_t n_aliases;
    bool has_default;
    uint8_t *dflt; /* the default value, binary-encoded with `type` */
    size_t dflt_len;
};

struct sl_avro_node {
    enum sl_avro_kind kind;
    enum sl_avro_logical logical;
    char *name;                     /* full name of a record, enum or fixed */
    uint32_t precision;             /* decimal */
    uint32_t scale;                 /* decimal */
    size_t size;                    /* fixed */
    size_t n;                       /* fields, symbols or branches */
    struct sl_avro_field *fields;   /* record */
    char **symbols;                 /* enum */
    int enum_default;               /* enum: index of "default", or -1 */
    struct sl_avro_node **branches; /* union */
    int null_branch;                /* union: index of "null", or -1 */
    struct sl_avro_node *items;     /* array items, map values */
    int mark;                       /* traversal flag */
};

/* A parsed schema owns every node (named types are shared by reference). */
struct sl_avro_schema {
    struct sl_avro_node *root;
    struct sl_avro_node **nodes;
    size_t n_nodes, cap_nodes;
    char *text; /* the JSON it was parsed from (NUL-terminated) */
    size_t text_len;
};

/* Parse Avro schema JSON text. Errors name the JSON path. */
int sl_avro_schema_parse(const char *text, size_t len,
                         struct sl_avro_schema **out, struct sl_error *err);
void sl_avro_schema_destroy(struct sl_avro_schema *s);

/* Name for messages: "int", "record foo.Bar", ... */
const char *sl_avro_kind_name(enum sl_avro_kind k);

/* A union that is ["null", T] or [T, "null"]: T, else NULL. */
const struct sl_avro_node *sl_avro_nullable_of(const struct sl_avro_node *n);

/* The sluice row schema (an SL_STRUCT field) of data with this schema:
 * a record root gives its fields as columns; any other root gives one
 * column named "value". See docs/formats.md for the type mapping. */
int sl_avro_to_sluice(const struct sl_avro_schema *s, struct sl_field *out,
                      struct sl_error *err);
/* The sluice type of one node (out->name left NULL). */
int sl_avro_node_to_field(const struct sl_avro_node *n, struct sl_field *out,
                          struct sl_error *err);

/* The Avro writer schema (JSON) for rows of sluice schema `row` (an
 * SL_STRUCT): a record named "sluice.Row"; nullable fields are
 * ["null", T] with default null; names outside [A-Za-z0-9_] get '_'. */
int sl_avro_schema_from_sluice(const struct sl_field *row, struct sl_buf *json,
                               struct sl_error *err);
/* The Avro name for a sluice field name (appended to out). */
int sl_avro_name(const char *name, struct sl_buf *out);

#endif
