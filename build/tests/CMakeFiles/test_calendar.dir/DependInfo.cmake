
# Consider dependencies only in project.
set(CMAKE_DEPENDS_IN_PROJECT_ONLY OFF)

# The set of languages for which implicit dependencies are needed:
set(CMAKE_DEPENDS_LANGUAGES
  )

# The set of dependency files which are needed:
set(CMAKE_DEPENDS_DEPENDENCY_FILES
  "/work/main/tests/support/test_support.c" "tests/CMakeFiles/test_calendar.dir/support/test_support.c.o" "gcc" "tests/CMakeFiles/test_calendar.dir/support/test_support.c.o.d"
  "/work/main/tests/unit/test_calendar.c" "tests/CMakeFiles/test_calendar.dir/unit/test_calendar.c.o" "gcc" "tests/CMakeFiles/test_calendar.dir/unit/test_calendar.c.o.d"
  )

# Targets to which this target links.
set(CMAKE_TARGET_LINKED_INFO_FILES
  "/work/main/build/CMakeFiles/covermap_lib.dir/DependInfo.cmake"
  )

# Fortran module output directory.
set(CMAKE_Fortran_TARGET_MODULE_DIR "")
