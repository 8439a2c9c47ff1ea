file(REMOVE_RECURSE
  "CMakeFiles/test_calendar.dir/support/test_support.c.o"
  "CMakeFiles/test_calendar.dir/support/test_support.c.o.d"
  "CMakeFiles/test_calendar.dir/unit/test_calendar.c.o"
  "CMakeFiles/test_calendar.dir/unit/test_calendar.c.o.d"
  "test_calendar"
  "test_calendar.pdb"
)

# Per-language clean rules from dependency scanning.
foreach(lang C)
  include(CMakeFiles/test_calendar.dir/cmake_clean_${lang}.cmake OPTIONAL)
endforeach()
