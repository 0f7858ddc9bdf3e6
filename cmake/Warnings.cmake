# The warning list of libevent/rspamd, each flag only if the compiler accepts it.
include(CheckCCompilerFlag)
set(VG_WARNING_FLAGS)
foreach(flag -Wall -Wextra -Wstrict-prototypes -Wmissing-prototypes -Wshadow -Wundef
        -Wwrite-strings -Wvla -Wimplicit-fallthrough -Wnull-dereference -Wformat=2)
    string(MAKE_C_IDENTIFIER "HAVE${flag}" var)
    check_c_compiler_flag(${flag} ${var})
    if(${var})
        list(APPEND VG_WARNING_FLAGS ${flag})
    endif()
endforeach()
if(VG_WERROR)
    list(APPEND VG_WARNING_FLAGS -Werror)
endif()
