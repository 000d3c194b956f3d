# Compiler warnings, hardening and sanitizer flags (STYLE.md §10).
include(CheckCCompilerFlag)
include(CheckLinkerFlag)

option(SR_WERROR "Treat warnings as errors" ON)
set(SR_SANITIZE "" CACHE STRING "Comma-separated sanitizers, e.g. address,undefined")
option(SR_FUZZ "Build libFuzzer targets (clang only)" OFF)

set(SR_WARNINGS
    -Wall -Wextra -Wshadow -Wformat=2 -Wcast-qual -Wstrict-prototypes
    -Wmissing-prototypes -Wvla -Wimplicit-fallthrough -Wundef -Wpointer-arith
    -Wwrite-strings -Wnull-dereference)
if(SR_WERROR)
    list(APPEND SR_WARNINGS -Werror)
endif()

set(SR_HARDENING -fstack-protector-strong -fvisibility=hidden)
foreach(flag -fstack-clash-protection -fcf-protection)
    string(MAKE_C_IDENTIFIER "HAVE${flag}" var)
    check_c_compiler_flag(${flag} ${var})
    if(${var})
        list(APPEND SR_HARDENING ${flag})
    endif()
endforeach()

set(SR_LINK_HARDENING -Wl,-z,relro,-z,now,-z,noexecstack)

if(SR_SANITIZE OR SR_FUZZ)
    set(SR_FORTIFY "")
else()
    # FORTIFY needs optimisation; Debug builds skip it.
    set(SR_FORTIFY $<$<NOT:$<CONFIG:Debug>>:-D_FORTIFY_SOURCE=3>)
    list(APPEND SR_HARDENING -U_FORTIFY_SOURCE)
endif()

set(SR_SANITIZE_FLAGS "")
if(SR_FUZZ)
    # Instrument every object for coverage; the fuzzer binaries add -fsanitize=fuzzer.
    set(SR_SANITIZE_FLAGS -fsanitize=fuzzer-no-link,address,undefined -fno-omit-frame-pointer -g)
elseif(SR_SANITIZE)
    set(SR_SANITIZE_FLAGS -fsanitize=${SR_SANITIZE} -fno-sanitize-recover=all
        -fno-omit-frame-pointer -g)
endif()

set(CMAKE_POSITION_INDEPENDENT_CODE ON)

# sr_apply_flags(target): the project's compile and link flags for one of our targets.
function(sr_apply_flags target)
    target_compile_options(${target} PRIVATE ${SR_WARNINGS} ${SR_HARDENING}
        ${SR_FORTIFY} ${SR_SANITIZE_FLAGS})
    target_compile_definitions(${target} PRIVATE _POSIX_C_SOURCE=200809L)
    target_link_options(${target} PRIVATE ${SR_LINK_HARDENING} ${SR_SANITIZE_FLAGS})
endfunction()
