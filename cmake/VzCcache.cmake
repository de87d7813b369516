# Use ccache when it is installed; CI keeps its cache between runs.
find_program(VZ_CCACHE ccache)
if(VZ_CCACHE)
  set(CMAKE_C_COMPILER_LAUNCHER "${VZ_CCACHE}")
  set(CMAKE_CXX_COMPILER_LAUNCHER "${VZ_CCACHE}")
endif()
