# Called by Embed.cmake: writes IN as a C byte array named IDENT into OUT.
file(READ ${IN} hex HEX)
string(LENGTH "${hex}" hexlen)
math(EXPR len "${hexlen} / 2")
string(REGEX REPLACE "([0-9a-f][0-9a-f])" "0x\\1," bytes "${hex}")
string(REGEX REPLACE "((0x[0-9a-f][0-9a-f],){16})" "\\1\n    " bytes "${bytes}")
file(WRITE ${OUT} "/* Generated from ${IN}; do not edit. */\n"
    "const char ${IDENT}[] = {\n    ${bytes}0x00};\n"
    "const unsigned long ${IDENT}_len = ${len};\n")
