file(REMOVE_RECURSE
  "CMakeFiles/covermap_lib.dir/src/classify/classify.c.o"
  "CMakeFiles/covermap_lib.dir/src/classify/classify.c.o.d"
  "CMakeFiles/covermap_lib.dir/src/core/calendar.c.o"
  "CMakeFiles/covermap_lib.dir/src/core/calendar.c.o.d"
  "CMakeFiles/covermap_lib.dir/src/core/error.c.o"
  "CMakeFiles/covermap_lib.dir/src/core/error.c.o.d"
  "CMakeFiles/covermap_lib.dir/src/indicators/funding.c.o"
  "CMakeFiles/covermap_lib.dir/src/indicators/funding.c.o.d"
  "CMakeFiles/covermap_lib.dir/src/ingest/encoding.c.o"
  "CMakeFiles/covermap_lib.dir/src/ingest/encoding.c.o.d"
  "CMakeFiles/covermap_lib.dir/src/ingest/ogr_source.c.o"
  "CMakeFiles/covermap_lib.dir/src/ingest/ogr_source.c.o.d"
  "CMakeFiles/covermap_lib.dir/src/ingest/tables.c.o"
  "CMakeFiles/covermap_lib.dir/src/ingest/tables.c.o.d"
  "CMakeFiles/covermap_lib.dir/src/ingest/territories.c.o"
  "CMakeFiles/covermap_lib.dir/src/ingest/territories.c.o.d"
  "CMakeFiles/covermap_lib.dir/src/render/features.c.o"
  "CMakeFiles/covermap_lib.dir/src/render/features.c.o.d"
  "CMakeFiles/covermap_lib.dir/src/render/sandbox.c.o"
  "CMakeFiles/covermap_lib.dir/src/render/sandbox.c.o.d"
  "CMakeFiles/covermap_lib.dir/src/render/settings.c.o"
  "CMakeFiles/covermap_lib.dir/src/render/settings.c.o.d"
  "CMakeFiles/covermap_lib.dir/src/report/report_csv.c.o"
  "CMakeFiles/covermap_lib.dir/src/report/report_csv.c.o.d"
  "CMakeFiles/covermap_lib.dir/src/report/report_load.c.o"
  "CMakeFiles/covermap_lib.dir/src/report/report_load.c.o.d"
  "CMakeFiles/covermap_lib.dir/src/report/report_output.c.o"
  "CMakeFiles/covermap_lib.dir/src/report/report_output.c.o.d"
  "CMakeFiles/covermap_lib.dir/src/store/store.c.o"
  "CMakeFiles/covermap_lib.dir/src/store/store.c.o.d"
  "libcovermap.a"
  "libcovermap.pdb"
)

# Per-language clean rules from dependency scanning.
foreach(lang C)
  include(CMakeFiles/covermap_lib.dir/cmake_clean_${lang}.cmake OPTIONAL)
endforeach()
