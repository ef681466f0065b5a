#!/bin/sh
# Build the libFuzzer targets of fuzz/ into fuzz/out/.
#   fuzz/build.sh [target...]     (default: parse attrs store config)
# Needs clang with libFuzzer (clang 14 tested) and the library's -dev
# packages (pkg-config: fuse3 liblz4 libzstd jansson lzo2 zlib).
set -eu
cd "$(dirname "$0")/.."

CC=${CC:-clang}
TARGETS=${*:-parse attrs store config}
OUT=fuzz/out
mkdir -p "$OUT"

CFLAGS="-g -O1 -fsanitize=fuzzer,address,undefined -fno-omit-frame-pointer \
 -std=gnu11 -D_GNU_SOURCE -D_FILE_OFFSET_BITS=64 -pthread -I. \
 -DHAVE_LZ4 -DHAVE_ZSTD -DHAVE_LZO -DHAVE_DEFLATE \
 $(pkg-config --cflags fuse3)"
LIBS="$(pkg-config --libs liblz4 libzstd jansson lzo2 zlib) -lpthread"
SRCS=$(ls compress/*.c pool/*.c device/*.c control/*.c stats/*.c util/*.c \
 config/*.c)

for t in $TARGETS; do
	echo "building $OUT/fuzz_$t"
	# shellcheck disable=SC2086
	$CC $CFLAGS -o "$OUT/fuzz_$t" "fuzz/fuzz_$t.c" $SRCS $LIBS
done
