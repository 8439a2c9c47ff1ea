/* Filling an empty SQLite R*Tree in one pass.
 *
 * SQLite's R*Tree module has no bulk load: every row inserted walks the tree and
 * writes its leaf, the leaf's ancestors and a row id entry back through SQL, 7 us
 * a box. The territories' spatial index took 0.14 s of CPU at 20 000 territories
 * (1.2 s at 100 000) beside the maps, whose cores it shared. Here the boxes are
 * packed into full nodes by Sort-Tile-Recursive (Leutenegger, Lopez & Edgington,
 * 1997: sort by x, cut into vertical slices, sort each slice by y) and the nodes
 * written straight into the virtual table's three tables, in the layout SQLite's
 * rtree.c documents and reads:
 *
 *   <name>_node(nodeno, data)   data: a node of the size fixed when the table was
 *       created (the empty root, node 1, has it): two bytes of tree depth (root
 *       only, else 0), two bytes of cell count, then cells of an 8-byte id and
 *       the four coordinates as 32-bit floats (min x, max x, min y, max y), all
 *       big-endian. A leaf's ids are row ids, an inner node's are node numbers.
 *   <name>_rowid(rowid, nodeno)       the leaf holding each row
 *   <name>_parent(nodeno, parentnode) the parent of each node but the root
 *
 * Coordinates are rounded outwards to floats, as SQLite does, so that a box
 * stored always covers the geometry. A packed tree also answers window queries
 * with fewer nodes than one grown by insertion. */
#include "store/rtree_pack.h"

#include <math.h>
#include <stdbool.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

/* A cell as stored: floats already rounded outwards. */
typedef struct {
    sqlite3_int64 id;
    float min_x, max_x, min_y, max_y;
} cell;

enum { CELL_BYTES = 8 + 4 * 4, NODE_HEADER = 4, LARGEST_CELL_COUNT = 51 /* rtree.c's */ };

static float float_below(double v)
{
    float f = (float)v;
    return (double)f > v ? nextafterf(f, -INFINITY) : f;
}

static float float_above(double v)
{
    float f = (float)v;
    return (double)f < v ? nextafterf(f, INFINITY) : f;
}

static void put_u16(unsigned char *p, unsigned v)
{
    p[0] = (unsigned char)(v >> 8);
    p[1] = (unsigned char)v;
}

static void put_u32(unsigned char *p, uint32_t v)
{
    for (int i = 0; i < 4; i++)
        p[i] = (unsigned char)(v >> (24 - 8 * i));
}

static void put_i64(unsigned char *p, sqlite3_int64 v)
{
    uint64_t u = (uint64_t)v;
    for (int i = 0; i < 8; i++)
        p[i] = (unsigned char)(u >> (56 - 8 * i));
}

static void put_float(unsigned char *p, float f)
{
    uint32_t bits;
    memcpy(&bits, &f, sizeof bits);
    put_u32(p, bits);
}

/* ---- Sort-Tile-Recursive ------------------------------------------------- */

/* Centres compared as sums (the same order), ties by id: the same tree for the
 * same boxes, whatever qsort does with equal keys. */
static int by_centre(double u, double v, sqlite3_int64 a, sqlite3_int64 b)
{
    if (u != v)
        return u < v ? -1 : 1;
    return (a > b) - (a < b);
}

static int by_centre_x(const void *a, const void *b)
{
    const cell *p = a, *q = b;
    return by_centre((double)p->min_x + p->max_x, (double)q->min_x + q->max_x, p->id, q->id);
}

static int by_centre_y(const void *a, const void *b)
{
    const cell *p = a, *q = b;
    return by_centre((double)p->min_y + p->max_y, (double)q->min_y + q->max_y, p->id, q->id);
}

/* Orders one level's cells so that each run of `capacity` makes a compact node. */
static void sort_tiles(cell *cells, size_t count, size_t capacity)
{
    size_t nodes = (count + capacity - 1) / capacity;
    size_t slices = (size_t)ceil(sqrt((double)nodes));
    size_t slice_cells = slices * capacity;
    qsort(cells, count, sizeof *cells, by_centre_x);
    for (size_t at = 0; at < count; at += slice_cells) {
        size_t n = count - at < slice_cells ? count - at : slice_cells;
        qsort(cells + at, n, sizeof *cells, by_centre_y);
    }
}

static cell union_of(const cell *cells, size_t count, sqlite3_int64 id)
{
    cell u = cells[0];
    u.id = id;
    for (size_t i = 1; i < count; i++) {
        u.min_x = fminf(u.min_x, cells[i].min_x);
        u.max_x = fmaxf(u.max_x, cells[i].max_x);
        u.min_y = fminf(u.min_y, cells[i].min_y);
        u.max_y = fmaxf(u.max_y, cells[i].max_y);
    }
    return u;
}

/* ---- writing ------------------------------------------------------------- */

typedef struct {
    sqlite3 *db;
    sqlite3_stmt *insert_node, *update_root, *insert_rowid, *insert_parent;
    unsigned char *node; /* one node's bytes */
    size_t node_size, capacity;
    sqlite3_int64 next_node;
    cm_error *err;
} packer;

static cm_status sql_failure(packer *p, const char *what)
{
    return cm_error_set(p->err, CM_ERR_SQL, "spatial index: %s: %s", what, sqlite3_errmsg(p->db));
}

static cm_status step_done(packer *p, sqlite3_stmt *stmt, const char *what)
{
    int rc = sqlite3_step(stmt);
    sqlite3_reset(stmt);
    return rc == SQLITE_DONE ? CM_OK : sql_failure(p, what);
}

static cm_status link_row(packer *p, sqlite3_stmt *stmt, sqlite3_int64 child, sqlite3_int64 node,
                          const char *what)
{
    sqlite3_bind_int64(stmt, 1, child);
    sqlite3_bind_int64(stmt, 2, node);
    return step_done(p, stmt, what);
}

/* Writes one node (node 1, the root, over the empty one) and links its cells:
 * to it in _rowid for a leaf, else the child nodes to it in _parent. */
static cm_status write_node(packer *p, sqlite3_int64 nodeno, int depth, bool is_root,
                            const cell *cells, size_t count)
{
    memset(p->node, 0, p->node_size);
    put_u16(p->node, is_root ? (unsigned)depth : 0);
    put_u16(p->node + 2, (unsigned)count);
    for (size_t i = 0; i < count; i++) {
        unsigned char *at = p->node + NODE_HEADER + i * CELL_BYTES;
        put_i64(at, cells[i].id);
        put_float(at + 8, cells[i].min_x);
        put_float(at + 12, cells[i].max_x);
        put_float(at + 16, cells[i].min_y);
        put_float(at + 20, cells[i].max_y);
    }
    sqlite3_stmt *write = is_root ? p->update_root : p->insert_node;
    sqlite3_bind_blob(write, 1, p->node, (int)p->node_size, SQLITE_STATIC);
    if (!is_root)
        sqlite3_bind_int64(write, 2, nodeno);
    cm_status st = step_done(p, write, "writing a node");
    for (size_t i = 0; st == CM_OK && i < count; i++)
        st = depth == 0 ? link_row(p, p->insert_rowid, cells[i].id, nodeno, "writing a row id")
                        : link_row(p, p->insert_parent, cells[i].id, nodeno, "writing a parent");
    return st;
}

/* Packs one level into nodes, written as they are made; *parents receives a cell
 * per node. */
static cm_status pack_level(packer *p, cell *cells, size_t count, int depth, cell *parents,
                            size_t *parent_count)
{
    sort_tiles(cells, count, p->capacity);
    *parent_count = 0;
    cm_status st = CM_OK;
    for (size_t at = 0; st == CM_OK && at < count; at += p->capacity) {
        size_t n = count - at < p->capacity ? count - at : p->capacity;
        sqlite3_int64 nodeno = p->next_node++;
        st = write_node(p, nodeno, depth, false, cells + at, n);
        parents[(*parent_count)++] = union_of(cells + at, n, nodeno);
    }
    return st;
}

static cm_status pack_all(packer *p, cell *cells, size_t count)
{
    size_t parent_room = (count + p->capacity - 1) / p->capacity;
    cell *parents = malloc((parent_room ? parent_room : 1) * sizeof *parents);
    if (!parents)
        return cm_error_set(p->err, CM_ERR_NOMEM, "out of memory building the spatial index");
    cm_status st = CM_OK;
    int depth = 0;
    while (st == CM_OK && count > p->capacity) {
        size_t parent_count;
        st = pack_level(p, cells, count, depth, parents, &parent_count);
        /* The parents become the level to pack: cells has room for them. */
        memcpy(cells, parents, parent_count * sizeof *cells);
        count = parent_count;
        depth++;
    }
    if (st == CM_OK)
        st = write_node(p, 1, depth, true, cells, count);
    free(parents);
    return st;
}

/* ---- the table ----------------------------------------------------------- */

static cm_status prepare(packer *p, const char *sql_format, const char *rtree, sqlite3_stmt **out)
{
    char *sql = sqlite3_mprintf(sql_format, rtree);
    int rc = sql ? sqlite3_prepare_v2(p->db, sql, -1, out, NULL) : SQLITE_NOMEM;
    sqlite3_free(sql);
    return rc == SQLITE_OK ? CM_OK : sql_failure(p, "not an R*Tree table");
}

/* The node size, and that the tree is empty: a root without cells, no row ids. */
static cm_status read_empty_root(packer *p, const char *rtree)
{
    char *sql = sqlite3_mprintf("SELECT data, (SELECT count(*) FROM \"%w_rowid\"), "
                                "(SELECT count(*) FROM pragma_table_info(%Q)) "
                                "FROM \"%w_node\" WHERE nodeno = 1",
                                rtree, rtree, rtree);
    sqlite3_stmt *stmt = NULL;
    int rc = sql ? sqlite3_prepare_v2(p->db, sql, -1, &stmt, NULL) : SQLITE_NOMEM;
    sqlite3_free(sql);
    if (rc != SQLITE_OK)
        return sql_failure(p, "not an R*Tree table");
    cm_status st = CM_OK;
    if (sqlite3_step(stmt) != SQLITE_ROW) {
        st = cm_error_set(p->err, CM_ERR_SQL, "spatial index %s has no root node", rtree);
    } else {
        const unsigned char *root = sqlite3_column_blob(stmt, 0);
        p->node_size = (size_t)sqlite3_column_bytes(stmt, 0);
        p->capacity = p->node_size > NODE_HEADER ? (p->node_size - NODE_HEADER) / CELL_BYTES : 0;
        if (p->capacity > LARGEST_CELL_COUNT)
            p->capacity = LARGEST_CELL_COUNT;
        bool empty = root && sqlite3_column_int64(stmt, 1) == 0 && root[2] == 0 && root[3] == 0;
        if (sqlite3_column_int(stmt, 2) != 5 || p->capacity < 2)
            st = cm_error_set(p->err, CM_ERR_SQL, "%s is not a two-dimensional R*Tree", rtree);
        else if (!empty)
            st = cm_error_set(p->err, CM_ERR_SQL, "spatial index %s is not empty", rtree);
    }
    sqlite3_finalize(stmt);
    return st;
}

cm_status cm_rtree_pack(sqlite3 *db, const char *rtree, const cm_rtree_box *boxes, size_t count,
                        cm_error *err)
{
    packer p = {.db = db, .next_node = 2, .err = err};
    cm_status st = read_empty_root(&p, rtree);
    if (st == CM_OK)
        st = prepare(&p, "INSERT INTO \"%w_node\"(data, nodeno) VALUES (?1, ?2)", rtree,
                     &p.insert_node);
    if (st == CM_OK)
        st =
            prepare(&p, "UPDATE \"%w_node\" SET data = ?1 WHERE nodeno = 1", rtree, &p.update_root);
    if (st == CM_OK)
        st = prepare(&p, "INSERT INTO \"%w_rowid\"(rowid, nodeno) VALUES (?1, ?2)", rtree,
                     &p.insert_rowid);
    if (st == CM_OK)
        st = prepare(&p, "INSERT INTO \"%w_parent\"(nodeno, parentnode) VALUES (?1, ?2)", rtree,
                     &p.insert_parent);
    cell *cells = NULL;
    if (st == CM_OK) {
        p.node = malloc(p.node_size);
        cells = malloc((count ? count : 1) * sizeof *cells);
        if (!p.node || !cells)
            st = cm_error_set(err, CM_ERR_NOMEM, "out of memory building the spatial index");
    }
    for (size_t i = 0; st == CM_OK && i < count; i++) {
        const cm_rtree_box b = boxes[i];
        cells[i] = (cell){b.id, float_below(b.min_x), float_above(b.max_x), float_below(b.min_y),
                          float_above(b.max_y)};
    }
    if (st == CM_OK && count > 0)
        st = pack_all(&p, cells, count);
    free(cells);
    free(p.node);
    sqlite3_finalize(p.insert_node);
    sqlite3_finalize(p.update_root);
    sqlite3_finalize(p.insert_rowid);
    sqlite3_finalize(p.insert_parent);
    return st;
}
