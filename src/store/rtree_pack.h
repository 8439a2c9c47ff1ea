/* Filling an empty SQLite R*Tree in one pass (see rtree_pack.c). */
#ifndef COVERMAP_STORE_RTREE_PACK_H
#define COVERMAP_STORE_RTREE_PACK_H

#include <sqlite3.h>
#include <stddef.h>

#include "covermap/error.h"

/* One box of a two-dimensional R*Tree: the row id and its extent. */
typedef struct {
    sqlite3_int64 id;
    double min_x, max_x, min_y, max_y;
} cm_rtree_box;

/* Writes the boxes into rtree, an empty virtual table of SQLite's R*Tree module
 * with one id and four coordinates (id, min_x, max_x, min_y, max_y), as a tree
 * packed by Sort-Tile-Recursive. The result is the
 * R*Tree that SQLite reads, checks (rtreecheck) and updates as if it had built
 * it, only with full nodes. CM_ERR_SQL when rtree is not such a table or is not
 * empty; the caller's transaction then holds what was written. */
cm_status cm_rtree_pack(sqlite3 *db, const char *rtree, const cm_rtree_box *boxes, size_t count,
                        cm_error *err);

#endif
