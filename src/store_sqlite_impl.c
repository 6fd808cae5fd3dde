/* store_sqlite_impl.c - store_sqlite.c compiled under the store_sqlite_ names (store_names.h),
 * so store.c can put the PostgreSQL backend beside it without changing store_sqlite.c.
 * Functions store_sqlite.c adds later keep their store_ names and stay SQLite-only. */
#include "store_names.h"
#include "store_sqlite.c"

#include "store_backend.h"

const struct store_ops store_sqlite_ops = STORE_OPS(store_sqlite);
