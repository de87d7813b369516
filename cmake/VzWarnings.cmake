# Our code builds with -Wall -Wextra -Werror. Third-party headers come in
# through imported targets, which CMake marks as SYSTEM includes, so their
# warnings do not fail our build.
function(vz_target_warnings target)
  target_compile_options(${target} PRIVATE -Wall -Wextra -Werror -Wno-missing-field-initializers)
endfunction()

# One helper for every library of ours: warnings on, includes from the root.
function(vz_add_library target)
  cmake_parse_arguments(ARG "" "" "SOURCES;PUBLIC_LIBS;PRIVATE_LIBS" ${ARGN})
  add_library(${target} STATIC ${ARG_SOURCES})
  target_include_directories(${target} PUBLIC "${PROJECT_SOURCE_DIR}")
  target_link_libraries(${target} PUBLIC ${ARG_PUBLIC_LIBS} PRIVATE ${ARG_PRIVATE_LIBS})
  vz_target_warnings(${target})
endfunction()

function(vz_add_executable target)
  cmake_parse_arguments(ARG "" "" "SOURCES;LIBS" ${ARGN})
  add_executable(${target} ${ARG_SOURCES})
  target_link_libraries(${target} PRIVATE ${ARG_LIBS})
  vz_target_warnings(${target})
endfunction()

# The node's programs that run on a container's start and exec path
# (vzctl, vz-monitor, ploop-server, and the CLIs beside them) carry the C++
# runtime instead of loading libstdc++ and libgcc_s: about 0.9 ms less at
# every run here (doc/adr/0006). Not under the sanitizers, whose runtimes
# expect the shared ones; not for vzd or the panel, which load C++ shared
# libraries (gRPC, Qt) that need the shared runtime.
function(vz_node_program target)
  if(NOT VZ_SANITIZE AND NOT VZ_FUZZ)
    target_link_options(${target} PRIVATE -static-libstdc++ -static-libgcc)
  endif()
  # A node's programs live in sbin, as OpenVZ's do; `cmake --install
  # --strip` ships them as a package would, without their debug info.
  install(TARGETS ${target} RUNTIME DESTINATION ${CMAKE_INSTALL_SBINDIR})
endfunction()
