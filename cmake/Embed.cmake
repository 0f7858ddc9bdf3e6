# Turns data files (the Redis Lua scripts) into C arrays at build time, so the
# programs carry them and cannot run with a script that does not match the code.
# src/store/decide.lua becomes `const char vg_embed_decide_lua[]` (NUL-terminated)
# and `const unsigned long vg_embed_decide_lua_len`.
function(vg_embed_files out_var)
    set(outputs)
    foreach(f ${ARGN})
        get_filename_component(name ${f} NAME)
        string(MAKE_C_IDENTIFIER "vg_embed_${name}" ident)
        set(out ${CMAKE_CURRENT_BINARY_DIR}/embed/${ident}.c)
        add_custom_command(OUTPUT ${out}
            COMMAND ${CMAKE_COMMAND} -DIN=${f} -DOUT=${out} -DIDENT=${ident}
                    -P ${CMAKE_CURRENT_SOURCE_DIR}/cmake/EmbedOne.cmake
            DEPENDS ${f} ${CMAKE_CURRENT_SOURCE_DIR}/cmake/EmbedOne.cmake
            COMMENT "Embedding ${name}")
        list(APPEND outputs ${out})
    endforeach()
    set(${out_var} ${outputs} PARENT_SCOPE)
endfunction()
