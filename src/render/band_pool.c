/* Bands of one drawing taken by whichever thread asks next: the thread that draws
 * the preloaded boundary layer and, once the store is complete, the thread that was
 * building it, which would otherwise wait for the layer. A band's pixels depend on
 * the band alone, so the bytes do not depend on who drew what. */
#include <pthread.h>
#include <stdatomic.h>
#include <stdlib.h>

#include "render_internal.h"

typedef struct {
    cm_band_fn draw;
    void *context;
    int count;
    atomic_int next;       /* the next band to take */
    int done;              /* bands drawn; under the pool's lock */
    int helpers;           /* threads other than the owner drawing bands; under the lock */
    cairo_status_t status; /* the first failure; under the lock */
} band_work;

struct cm_draw_pool {
    pthread_mutex_t lock;
    pthread_cond_t changed;
    band_work *work;     /* the drawing under way, or NULL */
    unsigned generation; /* counts drawings offered, so that a helper joins each once */
    bool closed;         /* no drawing will be offered any more */
};

cm_draw_pool *cm_draw_pool_new(void)
{
    cm_draw_pool *pool = calloc(1, sizeof *pool);
    if (!pool)
        return NULL;
    if (pthread_mutex_init(&pool->lock, NULL) != 0) {
        free(pool);
        return NULL;
    }
    if (pthread_cond_init(&pool->changed, NULL) != 0) {
        pthread_mutex_destroy(&pool->lock);
        free(pool);
        return NULL;
    }
    return pool;
}

void cm_draw_pool_free(cm_draw_pool *pool)
{
    if (!pool)
        return;
    pthread_cond_destroy(&pool->changed);
    pthread_mutex_destroy(&pool->lock);
    free(pool);
}

/* Draws bands of work until none is left to take; pool NULL when no one else can
 * take any. */
static void take_bands(cm_draw_pool *pool, band_work *work)
{
    for (;;) {
        int band = atomic_fetch_add(&work->next, 1);
        if (band >= work->count)
            return;
        cairo_status_t status = work->draw(work->context, band);
        if (pool)
            pthread_mutex_lock(&pool->lock);
        work->done++;
        if (status != CAIRO_STATUS_SUCCESS && work->status == CAIRO_STATUS_SUCCESS)
            work->status = status;
        if (pool) {
            pthread_cond_broadcast(&pool->changed);
            pthread_mutex_unlock(&pool->lock);
        }
    }
}

cairo_status_t cm_draw_bands(cm_draw_pool *pool, cm_band_fn draw, void *context, int count)
{
    band_work work = {draw, context, count, 0, 0, 0, CAIRO_STATUS_SUCCESS};
    atomic_init(&work.next, 0);
    if (pool) {
        pthread_mutex_lock(&pool->lock);
        pool->work = &work;
        pool->generation++;
        pthread_cond_broadcast(&pool->changed);
        pthread_mutex_unlock(&pool->lock);
    }
    take_bands(pool, &work);
    if (pool) {
        /* work lives on this stack: no helper may hold it past this point. */
        pthread_mutex_lock(&pool->lock);
        pool->work = NULL;
        pthread_cond_broadcast(&pool->changed);
        while (work.done < work.count || work.helpers > 0)
            pthread_cond_wait(&pool->changed, &pool->lock);
        pthread_mutex_unlock(&pool->lock);
    }
    return work.status;
}

void cm_draw_pool_help(cm_draw_pool *pool)
{
    if (!pool)
        return;
    unsigned helped = 0;
    pthread_mutex_lock(&pool->lock);
    helped = pool->generation; /* a drawing already offered has started without us */
    if (pool->work)
        helped--; /* ... but its bands can still be taken */
    for (;;) {
        while (!pool->closed && (!pool->work || pool->generation == helped))
            pthread_cond_wait(&pool->changed, &pool->lock);
        if (!pool->work || pool->generation == helped)
            break; /* closed */
        band_work *work = pool->work;
        helped = pool->generation;
        work->helpers++;
        pthread_mutex_unlock(&pool->lock);
        take_bands(pool, work);
        pthread_mutex_lock(&pool->lock);
        work->helpers--;
        pthread_cond_broadcast(&pool->changed);
    }
    pthread_mutex_unlock(&pool->lock);
}

void cm_draw_pool_close(cm_draw_pool *pool)
{
    if (!pool)
        return;
    pthread_mutex_lock(&pool->lock);
    pool->closed = true;
    pthread_cond_broadcast(&pool->changed);
    pthread_mutex_unlock(&pool->lock);
}
