# Layer modules, tests, vector runners, fuzzers and benchmarks (STYLE.md §1, §9).
#
# Each src/<layer>/ folder is one OBJECT library, sealroom_<layer>. Its private include
# path is a folder of symlinks holding only itself and the layers it depends on, so
# `#include "crypto/aead.h"` from core/ does not compile: upward includes fail at build time.

set(SR_LAYER_ROOT ${CMAKE_BINARY_DIR}/layers)
set_property(GLOBAL PROPERTY SR_MODULES "")

# sr_layer_closure(out layer...): the layers plus everything they depend on.
function(sr_layer_closure out)
    set(result "")
    set(todo ${ARGN})
    while(todo)
        list(POP_FRONT todo m)
        if(NOT m IN_LIST result)
            list(APPEND result ${m})
            get_property(deps GLOBAL PROPERTY SR_DEPS_${m})
            list(APPEND todo ${deps})
        endif()
    endwhile()
    set(${out} ${result} PARENT_SCOPE)
endfunction()

# sr_layer_includes(target layer...): give target the include view of those layers.
function(sr_layer_includes target)
    sr_layer_closure(all ${ARGN})
    list(JOIN ARGN "_" view)
    set(dir ${SR_LAYER_ROOT}/${view})
    foreach(m ${all})
        if(NOT EXISTS ${dir}/${m})
            file(MAKE_DIRECTORY ${dir})
            file(CREATE_LINK ${PROJECT_SOURCE_DIR}/src/${m} ${dir}/${m} SYMBOLIC)
        endif()
        get_property(ext GLOBAL PROPERTY SR_EXT_${m})
        target_link_libraries(${target} PRIVATE ${ext})
    endforeach()
    target_include_directories(${target} PRIVATE ${dir} ${PROJECT_SOURCE_DIR}/include
        ${PROJECT_BINARY_DIR}/include)
endfunction()

# sr_add_module(name DEPS layer... EXTERNAL imported-target...)
function(sr_add_module name)
    cmake_parse_arguments(M "" "" "DEPS;EXTERNAL" ${ARGN})
    file(GLOB srcs CONFIGURE_DEPENDS ${PROJECT_SOURCE_DIR}/src/${name}/*.c)
    set_property(GLOBAL PROPERTY SR_DEPS_${name} ${M_DEPS})
    set_property(GLOBAL PROPERTY SR_EXT_${name} ${M_EXTERNAL})
    set_property(GLOBAL APPEND PROPERTY SR_MODULES ${name})
    if(NOT srcs)
        return()
    endif()
    add_library(sealroom_${name} OBJECT ${srcs})
    target_compile_definitions(sealroom_${name} PRIVATE SR_BUILDING_LIBRARY)
    sr_apply_flags(sealroom_${name})
    sr_layer_includes(sealroom_${name} ${name})
endfunction()

# sr_link_layers(target layer...): link the object files of those layers (and below).
function(sr_link_layers target)
    sr_layer_closure(all ${ARGN})
    foreach(m ${all})
        if(TARGET sealroom_${m})
            target_sources(${target} PRIVATE $<TARGET_OBJECTS:sealroom_${m}>)
        endif()
    endforeach()
    sr_layer_includes(${target} ${ARGN})
endfunction()

# sr_add_test(module file.c [LAYERS layer...]): tests/unit/<module>/test_<unit>.c,
# registered as unit.<module>.<unit>. A test links only the layers it needs, so a
# half-written upper layer never breaks the build of the tests below it.
function(sr_add_test module src)
    cmake_parse_arguments(T "" "" "LAYERS" ${ARGN})
    get_filename_component(base ${src} NAME_WE)
    string(REGEX REPLACE "^test_" "" unit ${base})
    set(exe unit_${module}_${unit})
    add_executable(${exe} ${src})
    sr_apply_flags(${exe})
    if(NOT T_LAYERS)
        set(T_LAYERS ${module})
    endif()
    sr_link_layers(${exe} ${T_LAYERS})
    target_link_libraries(${exe} PRIVATE sr_testlib PkgConfig::CMOCKA)
    add_test(NAME unit.${module}.${unit} COMMAND ${exe})
    set_tests_properties(unit.${module}.${unit} PROPERTIES SKIP_RETURN_CODE 77)
endfunction()

# sr_add_vector_test(name file.c LAYERS layer... [ARGS arg...]): an official-vector runner
# named vectors.<name>; it reads $SEALROOM_VECTORS and exits 77 when the folder is missing.
# Several names may share one source (its executable is built once) with different ARGS.
function(sr_add_vector_test name src)
    cmake_parse_arguments(V "" "" "LAYERS;ARGS" ${ARGN})
    get_filename_component(base ${src} NAME_WLE)
    string(MAKE_C_IDENTIFIER ${base} exe)
    if(NOT TARGET vec_${exe})
        add_executable(vec_${exe} ${src})
        sr_apply_flags(vec_${exe})
        sr_link_layers(vec_${exe} ${V_LAYERS})
        target_link_libraries(vec_${exe} PRIVATE sr_testlib)
    endif()
    add_test(NAME vectors.${name} COMMAND vec_${exe} ${V_ARGS})
    set_tests_properties(vectors.${name} PROPERTIES SKIP_RETURN_CODE 77)
endfunction()

# sr_add_fuzzer(name LAYERS layer...): fuzz/fuzz_<name>.c. With SR_FUZZ it is a libFuzzer
# binary; otherwise it is linked with fuzz/replay_main.c and replays fuzz/corpus/<name>/.
function(sr_add_fuzzer name)
    cmake_parse_arguments(F "" "" "LAYERS" ${ARGN})
    set(exe fuzz_${name})
    if(SR_FUZZ)
        add_executable(${exe} ${PROJECT_SOURCE_DIR}/fuzz/fuzz_${name}.c)
        target_compile_options(${exe} PRIVATE -fsanitize=fuzzer)
        target_link_options(${exe} PRIVATE -fsanitize=fuzzer)
    else()
        add_executable(${exe} ${PROJECT_SOURCE_DIR}/fuzz/fuzz_${name}.c
            ${PROJECT_SOURCE_DIR}/fuzz/replay_main.c)
        add_test(NAME fuzz.${name} COMMAND ${exe} ${PROJECT_SOURCE_DIR}/fuzz/corpus/${name})
    endif()
    sr_apply_flags(${exe})
    sr_link_layers(${exe} ${F_LAYERS})
    target_include_directories(${exe} PRIVATE ${PROJECT_SOURCE_DIR}/fuzz)
endfunction()

# sr_add_bench(name LAYERS layer...): bench/bench_<name>.c, run by `make bench`.
function(sr_add_bench name)
    cmake_parse_arguments(B "" "" "LAYERS" ${ARGN})
    add_executable(bench_${name} ${PROJECT_SOURCE_DIR}/bench/bench_${name}.c)
    sr_apply_flags(bench_${name})
    sr_link_layers(bench_${name} ${B_LAYERS})
    target_link_libraries(bench_${name} PRIVATE sr_testlib)
    set_property(GLOBAL APPEND PROPERTY SR_BENCHES bench_${name})
endfunction()
