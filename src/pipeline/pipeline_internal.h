/* Shared by run.c and check.c. */
#ifndef COVERMAP_PIPELINE_INTERNAL_H
#define COVERMAP_PIPELINE_INTERNAL_H

#include "covermap/error.h"
#include "covermap/project.h"

/* A map's error without a file of its own belongs to the map's entry in the
 * project: names the project file and the map's (or its value's) line. */
void cm_locate_map_error(const cm_project *project, const cm_map_spec *map, cm_error *err);

#endif
