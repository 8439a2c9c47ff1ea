/* Opening OGR sources and finding their fields, shared by the ingest readers. */
#ifndef COVERMAP_INGEST_OGR_SOURCE_H
#define COVERMAP_INGEST_OGR_SOURCE_H

#include <gdal.h>
#include <ogr_api.h>

#include "covermap/error.h"
#include "covermap/project.h"

/* Opens source->path as a vector dataset and picks its layer (source->layer, or the
 * only one). *encoding receives how the reader must recode text fields (malloc'd;
 * NULL when OGR already yields UTF-8, "" for UTF-8-else-CP1252 detection).
 * The caller closes *dataset with GDALClose and frees *encoding. */
cm_status cm_ogr_open_vector(const cm_source *source, GDALDatasetH *dataset, OGRLayerH *layer,
                             char **encoding, cm_error *err);

/* Finds the field called `wanted` (exactly, then ignoring case, then folded).
 * Fails naming the file, the project key (`what`, e.g. "key") and its line, the
 * fields the layer has, and the closest one. */
cm_status cm_ogr_find_field(OGRFeatureDefnH defn, const char *wanted, const char *file,
                            const char *what, long project_line, const char *encoding, int *index,
                            cm_error *err);

/* Lists the layer's field names, UTF-8, joined by ", " (malloc'd; caller frees). */
char *cm_ogr_field_list(OGRFeatureDefnH defn, const char *encoding);

#endif
