file(REMOVE_RECURSE
  "CMakeFiles/covermap_lib.dir/src/core/calendar.c.o"
  "CMakeFiles/covermap_lib.dir/src/core/calendar.c.o.d"
  "CMakeFiles/covermap_lib.dir/src/core/error.c.o"
  "CMakeFiles/covermap_lib.dir/src/core/error.c.o.d"
  "libcovermap.a"
  "libcovermap.pdb"
)

# Per-language clean rules from dependency scanning.
foreach(lang C)
  include(CMakeFiles/covermap_lib.dir/cmake_clean_${lang}.cmake OPTIONAL)
endforeach()
