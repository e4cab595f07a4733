# lighteval_module(NAME SOURCES ... DEPS ...): static library lighteval_<NAME>, headers included
# as "<module>/<file>.h" from src/.
function(lighteval_module name)
  cmake_parse_arguments(ARG "" "" "SOURCES;DEPS" ${ARGN})
  add_library(lighteval_${name} STATIC ${ARG_SOURCES})
  target_include_directories(lighteval_${name} PUBLIC ${PROJECT_SOURCE_DIR}/src)
  target_link_libraries(lighteval_${name} PUBLIC ${ARG_DEPS})
  target_compile_options(lighteval_${name} PRIVATE
    $<$<COMPILE_LANGUAGE:CXX>:-Wall -Wextra -Wno-unused-parameter>)
  if(LIGHTEVAL_NATIVE)
    target_compile_options(lighteval_${name} PRIVATE $<$<COMPILE_LANGUAGE:CXX>:-march=native>)
  endif()
endfunction()

# lighteval_test(NAME SOURCES ... DEPS ... [LABELS ...]): a GoogleTest executable registered with
# ctest. Tests find ../shared through LIGHTEVAL_SHARED_DIR (tests/common/test_support.h).
function(lighteval_test name)
  cmake_parse_arguments(ARG "" "" "SOURCES;DEPS;LABELS" ${ARGN})
  add_executable(${name} ${ARG_SOURCES})
  target_link_libraries(${name} PRIVATE ${ARG_DEPS} lighteval_test_support GTest::gtest GTest::gtest_main)
  add_test(NAME ${name} COMMAND ${name} WORKING_DIRECTORY ${PROJECT_SOURCE_DIR})
  # A GoogleTest case that skips itself (e.g. ../shared absent) makes ctest report the executable
  # as skipped, never as passed.
  set_tests_properties(${name} PROPERTIES TIMEOUT 900 SKIP_REGULAR_EXPRESSION "\\[  SKIPPED \\] [0-9]+ test")
  if(ARG_LABELS)
    set_tests_properties(${name} PROPERTIES LABELS "${ARG_LABELS}")
  endif()
endfunction()
