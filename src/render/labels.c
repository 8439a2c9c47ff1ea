/* Territory names: placed greedily from the largest territory down, each tested
 * against the boxes already placed through a grid index (no pairwise scan);
 * a name that does not fit is shrunk, then left out, led out or numbered, as
 * the style's labels.mode says. */
#include <math.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include "core/grow.h"
#include "render_internal.h"

typedef struct {
    double x0, y0, x1, y1;
} label_box;

typedef struct {
    double origin_x, origin_y, cell;
    int nx, ny;
    size_t *head;   /* per cell: 1 + first entry, 0 when empty */
    size_t *next;   /* per entry: 1 + next entry of the same cell, 0 at the end */
    size_t *box_of; /* per entry: its box */
    size_t entry_count, next_capacity, box_of_capacity;
    label_box *boxes;
    size_t *owner; /* per box: the feature it guards (guard grid only) */
    size_t box_count, box_capacity, owner_capacity;
    label_box frame;
} label_grid;

static bool grid_init(label_grid *g, const cm_layout *l, double cell)
{
    memset(g, 0, sizeof *g);
    g->origin_x = l->frame_x;
    g->origin_y = l->frame_y;
    g->cell = cell;
    g->nx = (int)ceil(l->frame_w / cell) + 1;
    g->ny = (int)ceil(l->frame_h / cell) + 1;
    g->frame =
        (label_box){l->frame_x, l->frame_y, l->frame_x + l->frame_w, l->frame_y + l->frame_h};
    g->head = calloc((size_t)g->nx * (size_t)g->ny, sizeof *g->head);
    return g->head != NULL;
}

static void grid_free(label_grid *g)
{
    free(g->head);
    free(g->next);
    free(g->box_of);
    free(g->boxes);
    free(g->owner);
}

static void cell_range(const label_grid *g, const label_box *b, int *cx0, int *cy0, int *cx1,
                       int *cy1)
{
    *cx0 = (int)floor((b->x0 - g->origin_x) / g->cell);
    *cy0 = (int)floor((b->y0 - g->origin_y) / g->cell);
    *cx1 = (int)floor((b->x1 - g->origin_x) / g->cell);
    *cy1 = (int)floor((b->y1 - g->origin_y) / g->cell);
    *cx0 = *cx0 < 0 ? 0 : *cx0;
    *cy0 = *cy0 < 0 ? 0 : *cy0;
    *cx1 = *cx1 >= g->nx ? g->nx - 1 : *cx1;
    *cy1 = *cy1 >= g->ny ? g->ny - 1 : *cy1;
}

static bool boxes_overlap(const label_box *a, const label_box *b)
{
    return a->x0 < b->x1 && b->x0 < a->x1 && a->y0 < b->y1 && b->y0 < a->y1;
}

static bool grid_collides(const label_grid *g, const label_box *b)
{
    int cx0, cy0, cx1, cy1;
    cell_range(g, b, &cx0, &cy0, &cx1, &cy1);
    for (int cy = cy0; cy <= cy1; cy++)
        for (int cx = cx0; cx <= cx1; cx++)
            for (size_t e = g->head[(size_t)cy * (size_t)g->nx + (size_t)cx]; e; e = g->next[e - 1])
                if (boxes_overlap(b, &g->boxes[g->box_of[e - 1]]))
                    return true;
    return false;
}

/* Like grid_collides, ignoring the boxes that guard feature `self`. */
static bool grid_collides_except(const label_grid *g, const label_box *b, size_t self)
{
    int cx0, cy0, cx1, cy1;
    cell_range(g, b, &cx0, &cy0, &cx1, &cy1);
    for (int cy = cy0; cy <= cy1; cy++)
        for (int cx = cx0; cx <= cx1; cx++)
            for (size_t e = g->head[(size_t)cy * (size_t)g->nx + (size_t)cx]; e;
                 e = g->next[e - 1]) {
                size_t box = g->box_of[e - 1];
                if (g->owner[box] != self && boxes_overlap(b, &g->boxes[box]))
                    return true;
            }
    return false;
}

static bool grid_add(label_grid *g, const label_box *b)
{
    if (!cm_grow((void **)&g->boxes, &g->box_capacity, g->box_count + 1, sizeof *g->boxes))
        return false;
    size_t index = g->box_count++;
    g->boxes[index] = *b;
    int cx0, cy0, cx1, cy1;
    cell_range(g, b, &cx0, &cy0, &cx1, &cy1);
    for (int cy = cy0; cy <= cy1; cy++) {
        for (int cx = cx0; cx <= cx1; cx++) {
            size_t needed = g->entry_count + 1;
            if (!cm_grow((void **)&g->next, &g->next_capacity, needed, sizeof *g->next) ||
                !cm_grow((void **)&g->box_of, &g->box_of_capacity, needed, sizeof *g->box_of))
                return false;
            size_t cell = (size_t)cy * (size_t)g->nx + (size_t)cx;
            g->box_of[g->entry_count] = index;
            g->next[g->entry_count] = g->head[cell];
            g->head[cell] = ++g->entry_count;
        }
    }
    return true;
}

static bool inside_frame(const label_grid *g, const label_box *b)
{
    return b->x0 >= g->frame.x0 && b->y0 >= g->frame.y0 && b->x1 <= g->frame.x1 &&
           b->y1 <= g->frame.y1;
}

typedef struct {
    cairo_t *cr;
    cm_page *page;
    label_grid grid;
    label_grid guards; /* every territory's guard points, as small boxes */
    double max_size, min_size, halo;
    cm_color color;
} label_pass;

static const cm_feature_set *sort_set; /* qsort has no context argument */

/* Names keyed by number at most (the largest territories first). */
enum { MAX_NUMBERED = 60 };

static int by_area_desc(const void *a, const void *b)
{
    const cm_feature *fa = &sort_set->items[*(const size_t *)a];
    const cm_feature *fb = &sort_set->items[*(const size_t *)b];
    if (fa->area != fb->area)
        return fa->area > fb->area ? -1 : 1;
    return strcmp(fa->key, fb->key);
}

static int by_name(const void *a, const void *b)
{
    const cm_feature *fa = &sort_set->items[*(const size_t *)a];
    const cm_feature *fb = &sort_set->items[*(const size_t *)b];
    int c = strcmp(fa->name ? fa->name : fa->key, fb->name ? fb->name : fb->key);
    return c ? c : strcmp(fa->key, fb->key);
}

static const char *label_text(const cm_feature *f)
{
    return f->name && f->name[0] ? f->name : f->key;
}

static bool place_box(label_pass *pass, PangoLayout *layout, const label_box *box)
{
    if (!grid_add(&pass->grid, box))
        return false;
    double pad = pass->halo / 2 + 0.5;
    cm_paint_text(pass->cr, layout, box->x0 + pad, box->y0 + pad, pass->color, pass->halo);
    return true;
}

static label_box box_around(double cx, double cy, double w, double h, double pad)
{
    return (label_box){cx - w / 2 - pad, cy - h / 2 - pad, cx + w / 2 + pad, cy + h / 2 + pad};
}

/* The territory's guard points on the page (see cm_feature.guard_xy). */
static int page_guards(const label_pass *pass, const cm_feature *f, double *xy)
{
    for (int g = 0; g < f->guard_count; g++)
        cm_map_to_page(&pass->page->layout, f->guard_xy[2 * g], f->guard_xy[2 * g + 1], &xy[2 * g],
                       &xy[2 * g + 1]);
    return f->guard_count;
}

static bool covers_guard(const label_box *box, const double *guards, int count, double margin)
{
    for (int g = 0; g < count; g++)
        if (guards[2 * g] >= box->x0 - margin && guards[2 * g] <= box->x1 + margin &&
            guards[2 * g + 1] >= box->y0 - margin && guards[2 * g + 1] <= box->y1 + margin)
            return true;
    return false;
}

/* Candidate boxes for a name of w x h around the label point: just above the guard
 * points (where a reader, or a tool sampling the fill, looks), just below them, to
 * their left, to their right, and at the label point itself as a last resort. */
enum { CANDIDATES = 5 };

static int candidate_boxes(double lx, double ly, double w, double h, double pad,
                           const double *guards, int guard_count, double gap,
                           label_box out[CANDIDATES])
{
    double top = ly, bottom = ly, left = lx, right = lx;
    for (int g = 0; g < guard_count; g++) {
        top = fmin(top, guards[2 * g + 1]);
        bottom = fmax(bottom, guards[2 * g + 1]);
        left = fmin(left, guards[2 * g]);
        right = fmax(right, guards[2 * g]);
    }
    out[0] = box_around(lx, top - gap - h / 2 - pad, w, h, pad);
    out[1] = box_around(lx, bottom + gap + h / 2 + pad, w, h, pad);
    out[2] = box_around(left - gap - w / 2 - pad, ly, w, h, pad);
    out[3] = box_around(right + gap + w / 2 + pad, ly, w, h, pad);
    out[4] = box_around(lx, ly, w, h, pad);
    return CANDIDATES;
}

/* Slides a box (without resizing it) to lie inside the extent where it can: a label
 * point near a territory's edge should not push its name out of the territory. */
static void slide_into(label_box *box, const label_box *extent)
{
    double dx = 0, dy = 0;
    if (box->x0 < extent->x0)
        dx = extent->x0 - box->x0;
    else if (box->x1 > extent->x1)
        dx = extent->x1 - box->x1;
    if (box->y0 < extent->y0)
        dy = extent->y0 - box->y0;
    else if (box->y1 > extent->y1)
        dy = extent->y1 - box->y1;
    *box = (label_box){box->x0 + dx, box->y0 + dy, box->x1 + dx, box->y1 + dy};
}

static bool box_within(const label_box *box, double x0, double y0, double x1, double y1,
                       double slack)
{
    return box->x0 >= x0 - slack && box->x1 <= x1 + slack && box->y0 >= y0 - slack &&
           box->y1 <= y1 + slack;
}

/* Tries the name inside its territory, shrinking it; 1 placed, 0 not, -1 no memory. */
static int place_inside(label_pass *pass, size_t index, double lx, double ly,
                        const label_box *extent)
{
    const cm_feature *f = &pass->page->features->items[index];
    double pad = pass->halo / 2 + 0.5;
    double fw = extent->x1 - extent->x0, fh = extent->y1 - extent->y0;
    /* Too small for even a short name at the smallest size: no text layout needed. */
    if (fh < pass->min_size * 1.1 || fw < pass->min_size * 2.5)
        return 0;
    double guards[6];
    int guard_count = page_guards(pass, f, guards);
    double gap = 1.5 * cm_page_factor(pass->page);
    /* First every size beside the guard points; only then over them, at the label point. */
    for (int round = 0; round < 2; round++) {
        bool beside = round == 0;
        for (double size = pass->max_size; size >= pass->min_size - 1e-9; size *= 0.88) {
            PangoLayout *layout = cm_text_layout(pass->cr, pass->page, label_text(f), size, false,
                                                 fmax(fw * 0.9, size * 5));
            double w, h;
            cm_text_extent(layout, &w, &h);
            label_box boxes[CANDIDATES];
            int count = candidate_boxes(lx, ly, w, h, pad, guards, guard_count, gap, boxes);
            for (int c = 0; c < count - 1; c++)
                slide_into(&boxes[c], extent);
            int placed = 0;
            int first = beside ? 0 : count - 1, last = beside ? count - 2 : count - 1;
            for (int c = first; c <= last && !placed && w <= fw * 1.05 && h <= fh * 1.05; c++) {
                const label_box *box = &boxes[c];
                if (beside &&
                    (covers_guard(box, guards, guard_count, gap / 2) ||
                     !box_within(box, extent->x0, extent->y0, extent->x1, extent->y1, h * 0.1)))
                    continue;
                if (inside_frame(&pass->grid, box) && !grid_collides(&pass->grid, box) &&
                    !grid_collides_except(&pass->guards, box, index))
                    placed = place_box(pass, layout, box) ? 1 : -1;
            }
            g_object_unref(layout);
            if (placed)
                return placed;
        }
    }
    return 0;
}

/* Tries the name outside, at a few offsets, with a leader line to its point. */
static int place_with_leader(label_pass *pass, const cm_feature *f, double lx, double ly)
{
    static const double directions[8][2] = {{1, 0},     {-1, 0},     {0.7, -0.7}, {-0.7, -0.7},
                                            {0.7, 0.7}, {-0.7, 0.7}, {0, -1},     {0, 1}};
    double pad = pass->halo / 2 + 0.5;
    double s = cm_page_factor(pass->page);
    PangoLayout *layout = cm_text_layout(pass->cr, pass->page, label_text(f), pass->min_size, false,
                                         pass->min_size * 14);
    double w, h;
    cm_text_extent(layout, &w, &h);
    int placed = 0;
    for (int ring = 1; ring <= 3 && !placed; ring++) {
        for (int d = 0; d < 8 && !placed; d++) {
            double reach = ring * 14 * s;
            double cx = lx + directions[d][0] * (reach + w / 2);
            double cy = ly + directions[d][1] * (reach + h / 2);
            label_box box = box_around(cx, cy, w, h, pad);
            if (!inside_frame(&pass->grid, &box) || grid_collides(&pass->grid, &box))
                continue;
            cairo_set_source_rgb(pass->cr, pass->color.r, pass->color.g, pass->color.b);
            cairo_set_line_width(pass->cr, 0.5 * s);
            cairo_move_to(pass->cr, lx, ly);
            cairo_line_to(pass->cr, fmin(fmax(lx, box.x0), box.x1), fmin(fmax(ly, box.y0), box.y1));
            cairo_stroke(pass->cr);
            cairo_arc(pass->cr, lx, ly, 1.0 * s, 0, 6.283185307179586);
            cairo_fill(pass->cr);
            placed = place_box(pass, layout, &box) ? 1 : -1;
        }
    }
    g_object_unref(layout);
    return placed;
}

static bool number_fits(const label_pass *pass, const label_box *box, const double *guards,
                        int guard_count, size_t feature)
{
    return !covers_guard(box, guards, guard_count, 0.75 * cm_page_factor(pass->page)) &&
           inside_frame(&pass->grid, box) && !grid_collides(&pass->grid, box) &&
           !grid_collides_except(&pass->guards, box, feature);
}

static bool draw_number_key(label_pass *pass, size_t *pending, size_t pending_count)
{
    cm_page *page = pass->page;
    sort_set = page->features;
    qsort(pending, pending_count, sizeof *pending, by_name);
    page->number_key = pending;
    page->number_key_count = pending_count;
    double pad = pass->halo / 2 + 0.5;
    for (size_t k = 0; k < pending_count; k++) {
        const cm_feature *f = &page->features->items[pending[k]];
        char number[32];
        snprintf(number, sizeof number, "%zu", k + 1);
        PangoLayout *layout = cm_text_layout(pass->cr, page, number, pass->min_size, true, 0);
        double w, h, lx, ly;
        cm_text_extent(layout, &w, &h);
        cm_map_to_page(&page->layout, f->label_x, f->label_y, &lx, &ly);
        /* Numbers are always drawn; like names, beside the guard points when possible. */
        double guards[6];
        int guard_count = page_guards(pass, f, guards);
        label_box boxes[CANDIDATES];
        int count = candidate_boxes(lx, ly, w, h, pad, guards, guard_count,
                                    1.5 * cm_page_factor(page), boxes);
        label_box chosen = boxes[count - 1];
        bool found = false;
        for (int c = 0; c < count - 1 && !found; c++) {
            if (number_fits(pass, &boxes[c], guards, guard_count, pending[k])) {
                chosen = boxes[c];
                found = true;
            }
        }
        /* Crowded: a little further out, around the label point. */
        static const double directions[8][2] = {{0, -1},      {0, 1},      {-1, 0},     {1, 0},
                                                {-0.7, -0.7}, {0.7, -0.7}, {-0.7, 0.7}, {0.7, 0.7}};
        for (int ring = 2; ring <= 4 && !found; ring++) {
            for (int d = 0; d < 8 && !found; d++) {
                double reach = ring * (w + h) / 2;
                label_box box = box_around(lx + directions[d][0] * reach,
                                           ly + directions[d][1] * reach, w, h, pad);
                if (number_fits(pass, &box, guards, guard_count, pending[k])) {
                    chosen = box;
                    found = true;
                }
            }
        }
        bool ok = place_box(pass, layout, &chosen);
        g_object_unref(layout);
        if (!ok)
            return false;
    }
    return true;
}

/* Every territory's guard points become small obstacles for the other names. */
static bool add_guards(label_pass *pass)
{
    const cm_feature_set *set = pass->page->features;
    double r = 1.5 * cm_page_factor(pass->page);
    for (size_t i = 0; i < set->count; i++) {
        double xy[6];
        int count = page_guards(pass, &set->items[i], xy);
        for (int g = 0; g < count; g++) {
            label_grid *grid = &pass->guards;
            if (!grid_add(grid, &(label_box){xy[2 * g] - r, xy[2 * g + 1] - r, xy[2 * g] + r,
                                             xy[2 * g + 1] + r}) ||
                !cm_grow((void **)&grid->owner, &grid->owner_capacity, grid->box_count,
                         sizeof *grid->owner))
                return false;
            grid->owner[grid->box_count - 1] = i;
        }
    }
    return true;
}

cm_status cm_draw_labels(cairo_t *cr, cm_page *page, const double *obstacles, size_t obstacle_count,
                         cm_error *err)
{
    const cm_feature_set *set = page->features;
    double s = cm_page_factor(page);
    label_pass pass = {.cr = cr, .page = page};
    pass.max_size = cm_render_setting_number(page->map, "labels.size", 8) * s;
    pass.min_size =
        fmin(pass.max_size, cm_render_setting_number(page->map, "labels.min_size", 5.5) * s);
    pass.halo = cm_render_setting_number(page->map, "labels.halo", 2.2) * s;
    pass.color = cm_render_setting_color(page->map, "labels.color", (cm_color){0.1, 0.1, 0.1});
    const char *mode = cm_render_setting(page->map, "labels.mode", "auto");
    bool leader = !strcasecmp(mode, "leader"), numbered = !strcasecmp(mode, "number-key");

    size_t *order = malloc(sizeof(size_t) * (set->count ? set->count : 1));
    size_t *pending = malloc(sizeof(size_t) * (set->count ? set->count : 1));
    bool ok = order && pending && grid_init(&pass.grid, &page->layout, 24 * s) &&
              grid_init(&pass.guards, &page->layout, 24 * s);
    if (ok)
        ok = add_guards(&pass);
    for (size_t i = 0; ok && i < obstacle_count; i++) {
        const double *o = obstacles + 4 * i;
        ok = grid_add(&pass.grid, &(label_box){o[0], o[1], o[2], o[3]});
    }
    size_t pending_count = 0;
    if (ok) {
        for (size_t i = 0; i < set->count; i++)
            order[i] = i;
        sort_set = set;
        qsort(order, set->count, sizeof *order, by_area_desc);
    }
    for (size_t k = 0; ok && k < set->count; k++) {
        const cm_feature *f = &set->items[order[k]];
        if (!f->has_label_point || !f->ring_count)
            continue;
        double lx, ly, x0, y0, x1, y1;
        cm_map_to_page(&page->layout, f->label_x, f->label_y, &lx, &ly);
        cm_map_to_page(&page->layout, f->minx, f->maxy, &x0, &y0);
        cm_map_to_page(&page->layout, f->maxx, f->miny, &x1, &y1);
        label_box extent = {x0, y0, x1, y1};
        int placed = place_inside(&pass, order[k], lx, ly, &extent);
        if (placed == 0 && leader)
            placed = place_with_leader(&pass, f, lx, ly);
        /* Only as many numbers as the legend can list: beyond, a number explains nothing. */
        if (placed == 0 && numbered && pending_count < MAX_NUMBERED)
            pending[pending_count++] = order[k];
        ok = placed >= 0;
    }
    if (ok && numbered && pending_count) {
        ok = draw_number_key(&pass, pending, pending_count);
        pending = NULL; /* now owned by the page */
    }
    free(order);
    free(pending);
    grid_free(&pass.grid);
    grid_free(&pass.guards);
    if (!ok)
        return cm_error_set(err, CM_ERR_NOMEM, "out of memory placing labels");
    return CM_OK;
}
