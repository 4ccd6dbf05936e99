# CPACK_PROJECT_CONFIG_FILE: runs when cpack starts. CPack's own shlibdeps step needs the `file` utility; where it
# is missing (the project's build root), this asks dpkg-shlibdeps directly for the libraries' packages and adds
# them to the declared run-time dependencies, so the .deb declares the same either way.
if(NOT CPACK_GENERATOR STREQUAL "DEB" OR CPACK_DEBIAN_PACKAGE_SHLIBDEPS)
    return()
endif()
find_program(HEARTH_DPKG_SHLIBDEPS dpkg-shlibdeps REQUIRED)
set(work "${CPACK_TOPLEVEL_DIRECTORY}/hearth-shlibdeps")
file(MAKE_DIRECTORY "${work}/debian")
file(WRITE "${work}/debian/control" "Source: hearth\n\nPackage: hearth\nArchitecture: any\n")
set(args)
foreach(binary IN LISTS CPACK_HEARTH_BINARIES)
    list(APPEND args "-e${binary}")
endforeach()
execute_process(COMMAND ${HEARTH_DPKG_SHLIBDEPS} -O ${args}
                WORKING_DIRECTORY "${work}" OUTPUT_VARIABLE out ERROR_VARIABLE err RESULT_VARIABLE rc)
if(NOT rc EQUAL 0 OR NOT out MATCHES "shlibs:Depends=([^\n]*)")
    message(FATAL_ERROR "dpkg-shlibdeps failed (${rc}): ${err}")
endif()
set(CPACK_DEBIAN_PACKAGE_DEPENDS "${CMAKE_MATCH_1}, ${CPACK_DEBIAN_PACKAGE_DEPENDS}")
