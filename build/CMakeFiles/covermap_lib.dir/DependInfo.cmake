
# Consider dependencies only in project.
set(CMAKE_DEPENDS_IN_PROJECT_ONLY OFF)

# The set of languages for which implicit dependencies are needed:
set(CMAKE_DEPENDS_LANGUAGES
  )

# The set of dependency files which are needed:
set(CMAKE_DEPENDS_DEPENDENCY_FILES
  "/work/main/src/classify/classify.c" "CMakeFiles/covermap_lib.dir/src/classify/classify.c.o" "gcc" "CMakeFiles/covermap_lib.dir/src/classify/classify.c.o.d"
  "/work/main/src/core/calendar.c" "CMakeFiles/covermap_lib.dir/src/core/calendar.c.o" "gcc" "CMakeFiles/covermap_lib.dir/src/core/calendar.c.o.d"
  "/work/main/src/core/error.c" "CMakeFiles/covermap_lib.dir/src/core/error.c.o" "gcc" "CMakeFiles/covermap_lib.dir/src/core/error.c.o.d"
  "/work/main/src/indicators/funding.c" "CMakeFiles/covermap_lib.dir/src/indicators/funding.c.o" "gcc" "CMakeFiles/covermap_lib.dir/src/indicators/funding.c.o.d"
  "/work/main/src/ingest/encoding.c" "CMakeFiles/covermap_lib.dir/src/ingest/encoding.c.o" "gcc" "CMakeFiles/covermap_lib.dir/src/ingest/encoding.c.o.d"
  "/work/main/src/ingest/ogr_source.c" "CMakeFiles/covermap_lib.dir/src/ingest/ogr_source.c.o" "gcc" "CMakeFiles/covermap_lib.dir/src/ingest/ogr_source.c.o.d"
  "/work/main/src/ingest/tables.c" "CMakeFiles/covermap_lib.dir/src/ingest/tables.c.o" "gcc" "CMakeFiles/covermap_lib.dir/src/ingest/tables.c.o.d"
  "/work/main/src/ingest/territories.c" "CMakeFiles/covermap_lib.dir/src/ingest/territories.c.o" "gcc" "CMakeFiles/covermap_lib.dir/src/ingest/territories.c.o.d"
  "/work/main/src/render/features.c" "CMakeFiles/covermap_lib.dir/src/render/features.c.o" "gcc" "CMakeFiles/covermap_lib.dir/src/render/features.c.o.d"
  "/work/main/src/render/sandbox.c" "CMakeFiles/covermap_lib.dir/src/render/sandbox.c.o" "gcc" "CMakeFiles/covermap_lib.dir/src/render/sandbox.c.o.d"
  "/work/main/src/render/settings.c" "CMakeFiles/covermap_lib.dir/src/render/settings.c.o" "gcc" "CMakeFiles/covermap_lib.dir/src/render/settings.c.o.d"
  "/work/main/src/report/report_csv.c" "CMakeFiles/covermap_lib.dir/src/report/report_csv.c.o" "gcc" "CMakeFiles/covermap_lib.dir/src/report/report_csv.c.o.d"
  "/work/main/src/report/report_load.c" "CMakeFiles/covermap_lib.dir/src/report/report_load.c.o" "gcc" "CMakeFiles/covermap_lib.dir/src/report/report_load.c.o.d"
  "/work/main/src/report/report_output.c" "CMakeFiles/covermap_lib.dir/src/report/report_output.c.o" "gcc" "CMakeFiles/covermap_lib.dir/src/report/report_output.c.o.d"
  "/work/main/src/store/store.c" "CMakeFiles/covermap_lib.dir/src/store/store.c.o" "gcc" "CMakeFiles/covermap_lib.dir/src/store/store.c.o.d"
  )

# Targets to which this target links.
set(CMAKE_TARGET_LINKED_INFO_FILES
  )

# Fortran module output directory.
set(CMAKE_Fortran_TARGET_MODULE_DIR "")
