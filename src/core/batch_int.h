/*
 * batch_int.h - internals shared by batch.c and batch_json.c (not API).
 */
#ifndef SL_BATCH_INT_H
#define SL_BATCH_INT_H

#include "batch.h"

/* Convert a column of any type to a string column in place, each value
 * rendered as text (sl_col_value_json, without quotes for scalars). */
int sl__col_to_string(struct sl_col *c);

#endif
