# CMake toolchain file for a Cortex-M4 with an FPU (bare metal, newlib),
# with the flags the size figures of `make size` use:
#   cmake -S . -B build/cmake-cortex-m4 -DCMAKE_TOOLCHAIN_FILE=port/build/cortex-m4.cmake
# CMakeLists.txt then builds the core and the firmware example image
# (tests/firmware) instead of the host's library and CLI.
set(CMAKE_SYSTEM_NAME Generic)
set(CMAKE_SYSTEM_PROCESSOR cortex-m4)

set(GF_CROSS arm-none-eabi- CACHE STRING "prefix of the bare-metal ARM toolchain")
set(CMAKE_C_COMPILER ${GF_CROSS}gcc)
set(CMAKE_AR ${GF_CROSS}ar)
set(CMAKE_RANLIB ${GF_CROSS}ranlib)
set(CMAKE_SIZE ${GF_CROSS}size)
# There is nothing to run a test program on while configuring: try a library.
set(CMAKE_TRY_COMPILE_TARGET_TYPE STATIC_LIBRARY)

# The CPU's flags: CMakeLists.txt adds them to every compile and link, so a
# CMAKE_C_FLAGS of the user's (warnings, say) never drops them.
set(GF_CPU_FLAGS -mcpu=cortex-m4 -mthumb -mfloat-abi=hard -mfpu=fpv4-sp-d16)
string(REPLACE ";" " " gf_cpu "${GF_CPU_FLAGS}")
set(CMAKE_C_FLAGS_INIT "${gf_cpu}")

# Headers and libraries of the target only, programs of the host.
set(CMAKE_FIND_ROOT_PATH_MODE_PROGRAM NEVER)
set(CMAKE_FIND_ROOT_PATH_MODE_LIBRARY ONLY)
set(CMAKE_FIND_ROOT_PATH_MODE_PACKAGE ONLY)
