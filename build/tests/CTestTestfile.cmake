# CMake generated Testfile for 
# Source directory: /work/main/tests
# Build directory: /work/main/build/tests
# 
# This file includes the relevant testing commands required for 
# testing this directory and lists subdirectories to be tested as well.
add_test([=[test_calendar]=] "/work/main/build/tests/test_calendar")
set_tests_properties([=[test_calendar]=] PROPERTIES  ENVIRONMENT "CK_DEFAULT_TIMEOUT=120;LSAN_OPTIONS=suppressions=/work/main/tests/lsan.supp:print_suppressions=0" SKIP_RETURN_CODE "77" _BACKTRACE_TRIPLES "/work/main/tests/CMakeLists.txt;16;add_test;/work/main/tests/CMakeLists.txt;0;")
add_test([=[test_funding]=] "/work/main/build/tests/test_funding")
set_tests_properties([=[test_funding]=] PROPERTIES  ENVIRONMENT "CK_DEFAULT_TIMEOUT=120;LSAN_OPTIONS=suppressions=/work/main/tests/lsan.supp:print_suppressions=0" SKIP_RETURN_CODE "77" _BACKTRACE_TRIPLES "/work/main/tests/CMakeLists.txt;16;add_test;/work/main/tests/CMakeLists.txt;0;")
