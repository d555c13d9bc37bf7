# Installs the library, its headers and a CMake package: find_package(sparse_formats).
include(GNUInstallDirs)
include(CMakePackageConfigHelpers)

install(TARGETS sparse_formats EXPORT sparse_formatsTargets
        ARCHIVE DESTINATION ${CMAKE_INSTALL_LIBDIR}
        LIBRARY DESTINATION ${CMAKE_INSTALL_LIBDIR}
        RUNTIME DESTINATION ${CMAKE_INSTALL_BINDIR}
        INCLUDES DESTINATION ${CMAKE_INSTALL_INCLUDEDIR})
install(DIRECTORY include/sparse_formats DESTINATION ${CMAKE_INSTALL_INCLUDEDIR})
install(EXPORT sparse_formatsTargets NAMESPACE sparse_formats::
        DESTINATION ${CMAKE_INSTALL_LIBDIR}/cmake/sparse_formats)
configure_package_config_file(cmake/sparse_formatsConfig.cmake.in
                              ${CMAKE_CURRENT_BINARY_DIR}/sparse_formatsConfig.cmake
                              INSTALL_DESTINATION ${CMAKE_INSTALL_LIBDIR}/cmake/sparse_formats)
write_basic_package_version_file(${CMAKE_CURRENT_BINARY_DIR}/sparse_formatsConfigVersion.cmake
                                 COMPATIBILITY SameMinorVersion)
install(FILES ${CMAKE_CURRENT_BINARY_DIR}/sparse_formatsConfig.cmake
              ${CMAKE_CURRENT_BINARY_DIR}/sparse_formatsConfigVersion.cmake
        DESTINATION ${CMAKE_INSTALL_LIBDIR}/cmake/sparse_formats)
