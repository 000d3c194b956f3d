#!/usr/bin/env bash
# Stage an install of the build, then build a program outside the tree against it twice:
# through pkg-config and through find_package(sealroom). Arguments: build dir, stage dir,
# this folder, C compiler.
set -euo pipefail
build=$1 stage=$2 here=$3 cc=$4
rm -rf "$stage"
cmake --install "$build" --prefix "$stage" >/dev/null
libdir=$(find "$stage" -name sealroom.pc -printf '%h\n' | head -n1)
export PKG_CONFIG_PATH=$libdir
"$cc" -o "$stage/consumer" "$here/consumer.c" $(pkg-config --cflags --libs sealroom)
LD_LIBRARY_PATH=$(dirname "$libdir") "$stage/consumer"

mkdir -p "$stage/cmake-consumer"
cat > "$stage/cmake-consumer/CMakeLists.txt" <<CMAKE
cmake_minimum_required(VERSION 3.20)
project(consumer C)
find_package(sealroom REQUIRED)
add_executable(consumer $here/consumer.c)
target_link_libraries(consumer PRIVATE sealroom::sealroom_static)
CMAKE
cmake -S "$stage/cmake-consumer" -B "$stage/cmake-consumer/build" \
    -DCMAKE_PREFIX_PATH="$stage" -DCMAKE_C_COMPILER="$cc" >/dev/null
cmake --build "$stage/cmake-consumer/build" >/dev/null
"$stage/cmake-consumer/build/consumer"
echo "install: pkg-config and find_package consumers built and ran"
