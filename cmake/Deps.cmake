# Dependencies come from Debian packages through pkg-config; nothing is vendored.
find_package(PkgConfig REQUIRED)
find_package(Threads REQUIRED)
pkg_check_modules(LIBEVENT REQUIRED IMPORTED_TARGET libevent>=2.1)
pkg_check_modules(LIBEVENT_OPENSSL REQUIRED IMPORTED_TARGET libevent_openssl>=2.1)
pkg_check_modules(LIBEVENT_PTHREADS REQUIRED IMPORTED_TARGET libevent_pthreads>=2.1)
pkg_check_modules(OPENSSL REQUIRED IMPORTED_TARGET openssl>=3.0)
pkg_check_modules(JANSSON REQUIRED IMPORTED_TARGET jansson>=2.13)
# libhs is Hyperscan or its API-compatible fork Vectorscan: both ship libhs.pc.
pkg_check_modules(LIBHS REQUIRED IMPORTED_TARGET libhs>=5.4)
pkg_check_modules(HIREDIS REQUIRED IMPORTED_TARGET hiredis>=0.14)
pkg_check_modules(CMOCKA IMPORTED_TARGET cmocka)
