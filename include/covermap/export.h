/* Export: the territories with every joined attribute and indicator as a
 * GeoPackage that QGIS opens styled. */
#ifndef COVERMAP_EXPORT_H
#define COVERMAP_EXPORT_H

#include "covermap/error.h"
#include "covermap/project.h"

/* Writes gpkg_path from the store at db_path: layer `territories` (every column of
 * the `joined` view, typed: integers, reals, dates as dates, plus a column named
 * after each map whose value is an expression), in the store's CRS, plus a
 * `layer_styles` table with one QML/SLD style per map (the first map is the
 * default), read from styles_dir/NAME.qml and .sld when cm_render_map wrote them
 * there (styles_dir may be NULL). Written under a temporary name and renamed. */
cm_status cm_export_geopackage(const char *db_path, const cm_project *project,
                               const char *styles_dir, const char *gpkg_path, cm_error *err);

#endif
