file(REMOVE_RECURSE
  "CMakeFiles/covermap.dir/src/cli/main.c.o"
  "CMakeFiles/covermap.dir/src/cli/main.c.o.d"
  "covermap"
  "covermap.pdb"
)

# Per-language clean rules from dependency scanning.
foreach(lang C)
  include(CMakeFiles/covermap.dir/cmake_clean_${lang}.cmake OPTIONAL)
endforeach()
