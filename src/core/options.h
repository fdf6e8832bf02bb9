/*
 * options.h - options declared as data, and the job-file node tree.
 *
 * Every part declares its options in a table (name, type, default, help).
 * The same table validates the job file (unknown key, wrong type, missing
 * required key: an error naming file:line and key), fills a C struct, and
 * prints `--help` and the docs. The job file is YAML (JSON accepted),
 * loaded by libyaml into struct sl_conf nodes that remember file:line.
 */
#ifndef SL_OPTIONS_H
#define SL_OPTIONS_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "buf.h"
#include "error.h"
#include "schema.h"

enum sl_conf_kind { SL_CONF_SCALAR, SL_CONF_MAP, SL_CONF_SEQ };

struct sl_conf_mark {
    int line, col; /* 1-based */
};

struct sl_conf {
    enum sl_conf_kind kind;
    const char *file; /* shared, owned by the root */
    int line, col;    /* 1-based */
    char *str;        /* scalar text after ${ENV} substitution */
    bool quoted;      /* scalar was quoted ("null" stays a string) */
    size_t n;         /* map entries or seq items */
    char **keys;      /* map keys */
    struct sl_conf **items;
    struct sl_conf_mark *key_marks; /* map: where each key is written */
};

/* Load a YAML/JSON file; ${VAR} in scalars is replaced from the
 * environment (an unset variable is an error naming it). */
int sl_conf_load_file(const char *path, struct sl_conf **out,
                      struct sl_error *err);
/* Same from memory; `name` is used in error messages. */
int sl_conf_load_string(const char *text, size_t len, const char *name,
                        struct sl_conf **out, struct sl_error *err);
/* Flags for sl_conf_parse. */
#define SL_CONF_NO_ENV 1u /* keep ${VAR} as written (data files, not jobs) */
/* sl_conf_load_string with flags; the checkpoint reads its JSON files with
 * SL_CONF_NO_ENV so stored positions are never rewritten. */
int sl_conf_parse(const char *text, size_t len, const char *name,
                  unsigned flags, struct sl_conf **out, struct sl_error *err);
/* Free a tree returned by a loader (the root only); NULL is a no-op. */
void sl_conf_free(struct sl_conf *c);
/* Map lookup; NULL when absent or c is not a map. */
const struct sl_conf *sl_conf_get(const struct sl_conf *c, const char *key);
/* Scalar text of a map entry, or NULL. */
const char *sl_conf_str(const struct sl_conf *c, const char *key);
/* "file:line:col" of a node, for messages. */
const char *sl_conf_where(const struct sl_conf *c, char *buf, size_t n);
/* "file:line:col" of the i-th key of map c. */
const char *sl_conf_key_where(const struct sl_conf *c, size_t i, char *buf,
                              size_t n);
/* True for a YAML null: a plain (unquoted) "", "~", "null", "Null", "NULL".
 * NULL c is null too. */
bool sl_conf_is_null(const struct sl_conf *c);
/* Append c as compact JSON: quoted scalars become strings, plain scalars
 * that are JSON literals (numbers, true, false, null) stay bare, other plain
 * scalars become strings. SL_ELIMIT when a key's JSON text is over 1000
 * bytes (libyaml cannot read such a key back). */
int sl_conf_to_json(const struct sl_conf *c, struct sl_buf *out);
/* Append s[0..n) as a JSON string that this loader reads back exactly:
 * sl_jsonw_str plus \u escapes for the code points YAML folds or refuses
 * (U+0080-U+009F, U+2028, U+2029, U+FEFF, U+FFFE, U+FFFF). SL_EINVAL when
 * s is not valid UTF-8. */
int sl_conf_json_str(struct sl_buf *b, const char *s, size_t n);

/* Value parsers shared by options and the CLI. */
int sl_parse_duration_ms(const char *s, int64_t *ms);  /* 500ms 100s 5m 1h */
int sl_parse_size(const char *s, int64_t *bytes);      /* 128MiB 1GB 4096 */
int sl_parse_bool(const char *s, bool *v);
int sl_parse_i64(const char *s, int64_t *v);

enum sl_opt_type {
    SL_OPT_STRING,   /* char * (strdup'ed) */
    SL_OPT_INT,      /* int64_t */
    SL_OPT_BOOL,     /* bool */
    SL_OPT_DURATION, /* int64_t milliseconds */
    SL_OPT_SIZE,     /* int64_t bytes */
    SL_OPT_ENUM,     /* char *, one of `choices` ("a|b|c") */
    SL_OPT_STRLIST,  /* struct sl_strlist */
    SL_OPT_SCHEMA,   /* struct sl_field * (SL_STRUCT) from a list of
                        {name, type, nullable} */
    SL_OPT_NODE,     /* const struct sl_conf * (borrowed, any shape) */
};

struct sl_strlist {
    size_t n;
    char **v;
};

struct sl_option {
    const char *name;
    enum sl_opt_type type;
    const char *def;     /* default as text, NULL = none */
    const char *choices; /* SL_OPT_ENUM: "earliest|latest" */
    bool required;
    size_t offset;       /* offsetof(struct X, member) */
    const char *help;
};

/* Fill `dst` from map node `c` following `opts` (NULL-terminated by name).
 * Keys in `also` (NULL-terminated, may be NULL) are allowed and ignored: they
 * belong to another table read from the same node. Options without a
 * default are zeroed, then defaults are applied. `c` may be NULL (section
 * absent); a null value (`key:`, `key: null`) counts as absent. Errors
 * (SL_EINVAL; dst is then left zeroed, nothing to free):
 *   job.yaml:12:5: source: unknown key 'pth', did you mean 'path'? (known
 *     keys: path, format, ...)
 *   job.yaml:3:9: source.window: '10x' is not a duration (use ms, s, m or
 *     h, e.g. 100s)
 *   job.yaml:7:3: source: missing required key 'path'   (where = the map)
 * SL_OPT_STRLIST also takes one scalar (a one-item list). SL_OPT_SCHEMA
 * takes a list of {name, type, nullable (default true)} or one Hive
 * struct<...> string. */
int sl_options_parse(const struct sl_option *opts, const char *const *also,
                     const struct sl_conf *c, const char *section, void *dst,
                     struct sl_error *err);
/* Free what sl_options_parse allocated in dst. */
void sl_options_free(const struct sl_option *opts, void *dst);
/* Human help for a table: one line per option with type and default. */
int sl_options_help(const struct sl_option *opts, struct sl_buf *out);

/* The same table as a Markdown table (docs/jobs.md is made from these). */
int sl_options_markdown(const struct sl_option *opts, struct sl_buf *out);

void sl_strlist_free(struct sl_strlist *l);

/* Levenshtein distance of two names, for "did you mean" hints. */
size_t sl_edit_distance(const char *a, const char *b);

#endif
