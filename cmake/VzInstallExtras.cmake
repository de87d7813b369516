# Runs at `cmake --install` time (install(SCRIPT) in the top CMakeLists.txt,
# after vzctl is installed): the vz-monitor hard link beside the installed
# (with --strip, stripped) vzctl, made under a temporary name and renamed,
# so that a start meanwhile never misses it; and vz.service naming that
# vzctl. Both go into install_manifest.txt. VZ_SBINDIR and VZ_SOURCE_DIR
# are set by the install(CODE) before it; an absolute VZ_SBINDIR (a
# packager's -DCMAKE_INSTALL_SBINDIR=/usr/sbin) is taken as it is.
if(IS_ABSOLUTE "${VZ_SBINDIR}")
  set(vz_sbin "${VZ_SBINDIR}")
else()
  set(vz_sbin "${CMAKE_INSTALL_PREFIX}/${VZ_SBINDIR}")
endif()

set(vz_link "$ENV{DESTDIR}${vz_sbin}/vz-monitor")
message(STATUS "Installing: ${vz_link} (hard link to vzctl)")
file(REMOVE "${vz_link}.new")
file(CREATE_LINK "$ENV{DESTDIR}${vz_sbin}/vzctl" "${vz_link}.new")
file(RENAME "${vz_link}.new" "${vz_link}")
list(APPEND CMAKE_INSTALL_MANIFEST_FILES "${vz_link}")

set(VZ_INSTALLED_VZCTL "${vz_sbin}/vzctl")
set(vz_unit "$ENV{DESTDIR}${CMAKE_INSTALL_PREFIX}/lib/systemd/system/vz.service")
message(STATUS "Installing: ${vz_unit}")
configure_file("${VZ_SOURCE_DIR}/scripts/vz.service.in" "${vz_unit}" @ONLY)
list(APPEND CMAKE_INSTALL_MANIFEST_FILES "${vz_unit}")
