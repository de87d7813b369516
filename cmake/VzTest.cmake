# Test helpers. Labels: unit (unprivileged, fast), privileged (needs root;
# skips with a reason otherwise), slow, lint, fuzz. CI runs them all.

# A GoogleTest executable of unit tests, one per component. LABELS
# replaces the default label unit (e.g. slow).
function(vz_add_unit_test target)
  cmake_parse_arguments(ARG "" "" "SOURCES;LIBS;LABELS" ${ARGN})
  if(NOT ARG_LABELS)
    set(ARG_LABELS unit)
  endif()
  if(NOT VZ_BUILD_TESTS OR VZ_FUZZ)
    return()
  endif()
  add_executable(${target} ${ARG_SOURCES})
  target_link_libraries(${target} PRIVATE ${ARG_LIBS} GTest::gtest GTest::gmock GTest::gtest_main)
  target_compile_definitions(${target} PRIVATE VZ_SOURCE_DIR_DEFAULT="${PROJECT_SOURCE_DIR}")
  vz_target_warnings(${target})
  gtest_discover_tests(${target} PROPERTIES LABELS "${ARG_LABELS}"
                       DISCOVERY_TIMEOUT 60)
endfunction()

# A GoogleTest executable of privileged integration tests (real kernel
# objects). Each test GTEST_SKIP()s with a reason when not root. These
# share machine-wide resources (loop devices, mounts), so they run serially.
function(vz_add_privileged_test target)
  cmake_parse_arguments(ARG "" "TIMEOUT" "SOURCES;LIBS;LABELS" ${ARGN})
  if(NOT VZ_BUILD_TESTS OR VZ_FUZZ)
    return()
  endif()
  if(NOT ARG_TIMEOUT)
    set(ARG_TIMEOUT 600)
  endif()
  add_executable(${target} ${ARG_SOURCES})
  target_link_libraries(${target} PRIVATE ${ARG_LIBS} GTest::gtest GTest::gmock GTest::gtest_main)
  target_compile_definitions(${target} PRIVATE VZ_SOURCE_DIR_DEFAULT="${PROJECT_SOURCE_DIR}"
                                               VZ_BUILD_DIR_DEFAULT="${PROJECT_BINARY_DIR}")
  vz_target_warnings(${target})
  gtest_discover_tests(${target}
    PROPERTIES LABELS "privileged;${ARG_LABELS}" RUN_SERIAL TRUE TIMEOUT ${ARG_TIMEOUT}
               ENVIRONMENT "VZ_SOURCE_DIR=${PROJECT_SOURCE_DIR}"
               ENVIRONMENT_MODIFICATION "VZ_BUILD_DIR=set:${PROJECT_BINARY_DIR}"
    DISCOVERY_TIMEOUT 60)
endfunction()

# (gtest_discover_tests passes each property value on as separate words,
# so a list would lose all but its first element: one variable per
# ENVIRONMENT and ENVIRONMENT_MODIFICATION.)
#
# The tests of `target` matching the gtest FILTER once more, as
# "devfuse.<test>", with the device servers on /dev/fuse threads
# (VZ_PLOOP_URING=off, ploop/mount.h): the transport of kernels before
# 6.14, Debian 12's among them, which this machine would otherwise never
# use past the FUSE handshake.
function(vz_add_devfuse_variant target filter)
  if(NOT VZ_BUILD_TESTS OR VZ_FUZZ)
    return()
  endif()
  gtest_discover_tests(${target}
    TEST_PREFIX "devfuse."
    TEST_FILTER "${filter}"
    TEST_LIST ${target}_devfuse_TESTS
    PROPERTIES LABELS "privileged" RUN_SERIAL TRUE TIMEOUT 600
               ENVIRONMENT "VZ_PLOOP_URING=off"
               ENVIRONMENT_MODIFICATION "VZ_SOURCE_DIR=set:${PROJECT_SOURCE_DIR}"
    DISCOVERY_TIMEOUT 60)
endfunction()
