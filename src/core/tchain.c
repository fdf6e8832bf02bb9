/*
 * tchain.c - the transforms of a job, in order (see tchain.h).
 *
 * Each `transforms:` item is a one-key map, transform name -> config. The
 * chain creates each transform from its config, then prepares it with the
 * declared input schema, passing each transform's output schema to the
 * next, so a mistake in any expression is reported when the job starts
 * (under schema detection the transforms check lazily, per distinct chunk
 * schema). State blobs are named by position and name ("2-dedupe") so a
 * reordered job does not restore the wrong state.
 */
#include "tchain.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#define SL_STATE_MAX (1u << 30) /* bytes of one transform's state */

struct step {
    const struct sl_transform_ops *ops;
    void *st;
    struct sl_transform_env env;
    struct sl_field in_schema; /* declared: this step's input */
    char state_name[96];
};

struct sl_tchain {
    size_t n;
    struct step *s;
};

size_t sl_tchain_len(const struct sl_tchain *tc)
{
    return tc ? tc->n : 0;
}

void sl_tchain_destroy(struct sl_tchain *tc)
{
    if (!tc)
        return;
    for (size_t i = 0; i < tc->n; i++) {
        if (tc->s[i].st)
            tc->s[i].ops->destroy(tc->s[i].st);
        sl_field_free(&tc->s[i].in_schema);
    }
    free(tc->s);
    free(tc);
}

int sl_tchain_create(const struct sl_conf *list, const struct sl_field *schema,
                     int (*dead_letter)(void *ctx, const struct sl_batch *b,
                                        size_t row, const char *why,
                                        struct sl_error *err),
                     void *ctx, struct sl_tchain **out, struct sl_error *err)
{
    *out = NULL;
    struct sl_tchain *tc = calloc(1, sizeof *tc);
    if (!tc)
        return sl_error_set(err, SL_ENOMEM, "out of memory");
    size_t n = list && list->kind == SL_CONF_SEQ ? list->n : 0;
    if (n && !(tc->s = calloc(n, sizeof *tc->s))) {
        free(tc);
        return sl_error_set(err, SL_ENOMEM, "out of memory");
    }
    int rc = 0;
    struct sl_field cur = {0};
    bool have = schema != NULL;
    if (have && (rc = sl_field_copy(&cur, schema)))
        goto nomem;
    char where[256];
    for (size_t i = 0; i < n; i++) {
        const struct sl_conf *it = list->items[i];
        const char *name = it->keys[0];
        struct step *s = &tc->s[i];
        s->ops = sl_transform_find(name);
        tc->n = i + 1;
        if (!s->ops) {
            rc = sl_error_set(err, SL_EINVAL,
                              "%s: transforms: unknown transform '%s'",
                              sl_conf_where(it, where, sizeof where), name);
            goto fail;
        }
        snprintf(s->state_name, sizeof s->state_name, "%zu-%s", i, name);
        if ((rc = s->ops->create(it->items[0], &s->st, err))) {
            sl_error_prefix(err, "%s: %s: ",
                            sl_conf_where(it->items[0], where, sizeof where),
                            name);
            goto fail;
        }
        s->env.dead_letter = dead_letter;
        s->env.ctx = ctx;
        if (have) {
            s->in_schema = cur;
            memset(&cur, 0, sizeof cur);
            s->env.schema = &s->in_schema;
        }
        if (s->ops->prepare) {
            struct sl_field o = {0};
            if ((rc = s->ops->prepare(s->st, &s->env, &o, err))) {
                sl_error_prefix(
                    err, "%s: %s: ",
                    sl_conf_where(it->items[0], where, sizeof where), name);
                goto fail;
            }
            cur = o;
            have = have && o.type == SL_STRUCT;
        } else if (have) {
            rc = sl_field_copy(&cur, &s->in_schema);
            if (rc)
                goto nomem;
        }
    }
    sl_field_free(&cur);
    *out = tc;
    return 0;
nomem:
    rc = sl_error_set(err, SL_ENOMEM, "out of memory");
fail:
    sl_field_free(&cur);
    sl_tchain_destroy(tc);
    return rc;
}

int sl_tchain_apply(struct sl_tchain *tc, const struct sl_batch_info *bi,
                    const char *partition, struct sl_batch *in,
                    struct sl_batch **out, struct sl_error *err)
{
    struct sl_batch *cur = in;
    for (size_t i = 0; i < tc->n; i++) {
        struct step *s = &tc->s[i];
        s->env.partition = partition;
        s->env.bi = bi;
        struct sl_batch *next = NULL;
        int rc = s->ops->apply(s->st, cur, &next, err);
        if (rc) {
            sl_error_prefix(err, "transform %s: ", s->ops->name);
            return rc;
        }
        cur = next;
    }
    *out = cur;
    return 0;
}

int64_t sl_tchain_take_cast_failures(struct sl_tchain *tc)
{
    int64_t n = 0;
    for (size_t i = 0; tc && i < tc->n; i++) {
        n += tc->s[i].env.cast_failures;
        tc->s[i].env.cast_failures = 0;
    }
    return n;
}

int sl_tchain_snapshot(struct sl_tchain *tc, struct sl_checkpoint *cp,
                       int64_t batch, struct sl_error *err)
{
    for (size_t i = 0; tc && i < tc->n; i++) {
        struct step *s = &tc->s[i];
        if (!s->ops->snapshot)
            continue;
        struct sl_buf b;
        sl_buf_init(&b, 0);
        int rc = s->ops->snapshot(s->st, &b, err);
        if (!rc)
            rc = sl_checkpoint_put_state(cp, batch, s->state_name, b.data,
                                         b.len, err);
        sl_buf_free(&b);
        if (rc) {
            sl_error_prefix(err, "state of transform %s: ", s->state_name);
            return rc;
        }
    }
    return 0;
}

int sl_tchain_restore(struct sl_tchain *tc, struct sl_checkpoint *cp,
                      int64_t batch, struct sl_error *err)
{
    for (size_t i = 0; tc && i < tc->n; i++) {
        struct step *s = &tc->s[i];
        if (!s->ops->restore)
            continue;
        struct sl_buf b;
        sl_buf_init(&b, SL_STATE_MAX);
        int rc = sl_checkpoint_get_state(cp, batch, s->state_name, &b, err);
        if (rc == SL_ENOTFOUND) {
            sl_buf_free(&b);
            sl_error_clear(err);
            continue;
        }
        if (!rc)
            rc = s->ops->restore(s->st, b.data, b.len, err);
        sl_buf_free(&b);
        if (rc) {
            sl_error_prefix(err,
                            "state/%lld of transform %s: ", (long long)batch,
                            s->state_name);
            return rc;
        }
    }
    return 0;
}
