/*
 * positions.c - per-partition position sets (see part.h).
 *
 * Small sets (a few to a few thousand partitions): linear search is fine
 * and keeps insertion order, which the checkpoint files then follow.
 */
#include <stdlib.h>
#include <string.h>

#include "part.h"

int sl_positions_set(struct sl_positions *ps, const char *id, const char *pos)
{
    for (size_t i = 0; i < ps->n; i++) {
        if (strcmp(ps->v[i].id, id) == 0) {
            char *np = strdup(pos);
            if (!np)
                return SL_ENOMEM;
            free(ps->v[i].pos);
            ps->v[i].pos = np;
            return 0;
        }
    }
    struct sl_position *nv = realloc(ps->v, (ps->n + 1) * sizeof *nv);
    if (!nv)
        return SL_ENOMEM;
    ps->v = nv;
    char *nid = strdup(id), *np = strdup(pos);
    if (!nid || !np) {
        free(nid);
        free(np);
        return SL_ENOMEM;
    }
    ps->v[ps->n].id = nid;
    ps->v[ps->n].pos = np;
    ps->n++;
    return 0;
}

const char *sl_positions_get(const struct sl_positions *ps, const char *id)
{
    for (size_t i = 0; ps && i < ps->n; i++)
        if (strcmp(ps->v[i].id, id) == 0)
            return ps->v[i].pos;
    return NULL;
}

int sl_positions_copy(struct sl_positions *dst, const struct sl_positions *src)
{
    dst->n = 0;
    dst->v = NULL;
    for (size_t i = 0; src && i < src->n; i++) {
        int rc = sl_positions_set(dst, src->v[i].id, src->v[i].pos);
        if (rc) {
            sl_positions_free(dst);
            return rc;
        }
    }
    return 0;
}

void sl_positions_free(struct sl_positions *ps)
{
    if (!ps)
        return;
    for (size_t i = 0; i < ps->n; i++) {
        free(ps->v[i].id);
        free(ps->v[i].pos);
    }
    free(ps->v);
    ps->v = NULL;
    ps->n = 0;
}
