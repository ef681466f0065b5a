#!/bin/bash
# container_image.sh - the Dockerfile, checked without a container engine
# (there is none on these machines; make image builds it where there is):
#  - both stages start from debian:12-slim, and this machine is Debian 12;
#  - every package either stage installs exists in Debian 12 and the
#    install resolves (apt-get --simulate, nothing installed);
#  - the build stage's steps, run on a copy of the build context (what
#    .dockerignore leaves), build the daemon and install every file the
#    runtime stage copies; the entrypoint is that stage's ENTRYPOINT;
#  - every library the daemon links against, and every program the
#    container's scripts run, comes from a runtime-stage package or from a
#    package of priority "required" (those make up debian:12-slim).
. "$(dirname "$0")/../lib.sh"
DF=$ROOT/Dockerfile

# the Dockerfile's instructions, continuation lines joined, comments gone
sed -e '/^[[:space:]]*#/d' "$DF" | sed -e ':a' -e '/\\$/{N;s/\\\n//;ba}' > "$T/df"
# stage N (1-based): its instructions
stage() { awk -v n="$1" '/^FROM /{s++} s == n' "$T/df"; }
# packages named by the apt-get install commands of stage N
pkgs() {
	stage "$1" | grep -o 'apt-get install[^&;]*' |
		sed 's/apt-get install//' | tr ' \t' '\n\n' | grep -v '^-' | grep . | sort -u
}

eq "two stages" 2 "$(grep -c '^FROM ' "$T/df")"
eq "the base: debian:12-slim unless BASE says otherwise" "ARG BASE=debian:12-slim" \
	"$(grep '^ARG BASE' "$T/df")"
eq "build stage: the base" 'FROM ${BASE} AS build' "$(stage 1 | head -1)"
eq "runtime stage: the base" 'FROM ${BASE}' "$(stage 2 | head -1)"
ok "this machine is Debian 12 (the names are checked against its archive)" \
	grep -q '^12\.' /etc/debian_version

build_pkgs=$(pkgs 1 | xargs)
run_pkgs=$(pkgs 2 | xargs)
echo "build stage installs: $build_pkgs"
echo "runtime stage installs: $run_pkgs"
for p in libfuse3-3 liblz4-1 libzstd1 libjansson4 liblzo2-2 zlib1g fuse3 util-linux mount; do
	ok "runtime stage installs $p" grep -qw -- "$p" <<< "$run_pkgs"
done
# a candidate from Debian 12's archive (bookworm) for each name; a name
# apt does not know prints no block at all
apt-cache policy $build_pkgs $run_pkgs 2>/dev/null | awk '
	/^[^ ].*:$/ {name = substr($0, 1, length($0) - 1)}
	/Candidate:/ && $2 != "(none)" {cand[name] = 1}
	/bookworm/ {deb12[name] = 1}
	END {for (n in cand) if (n in deb12) print n}' | sort > "$T/found"
nocand=$(tr ' ' '\n' <<< "$build_pkgs $run_pkgs" | sort -u | comm -23 - "$T/found" | xargs)
eq "every package has a candidate in Debian 12 (bookworm)" "" "$nocand"
ok "build stage's install resolves (apt-get --simulate)" \
	apt-get install --simulate --no-install-recommends $build_pkgs
ok "runtime stage's install resolves (apt-get --simulate)" \
	apt-get install --simulate --no-install-recommends $run_pkgs

# the build context: the tree's files less what .dockerignore names
# (.git and build products: git's own ignore list holds the same)
mkdir -p "$T/src"
if git -C "$ROOT" rev-parse --git-dir >/dev/null 2>&1; then
	(cd "$ROOT" && git ls-files -co --exclude-standard | grep -v '^fuzz/out/' |
		tar -cf - -T -) | tar -xf - -C "$T/src"
else	# a tree without git (an export): .dockerignore's patterns by hand
	tar -C "$ROOT" -cf - --exclude=./.git --exclude='*.o' --exclude='*.a' \
		--exclude=./zramfs --exclude=./fuzz/out --exclude='./test/unit/test_*[!c]' . |
		tar -xf - -C "$T/src"
fi
ok "context: .dockerignore leaves out .git and build products" \
	grep -qx '.git' "$ROOT/.dockerignore"
ok "COPY . . : the context holds the sources, no objects" \
	test -f "$T/src/zramfs.c" -a ! -e "$T/src/zramfs" -a ! -e "$T/src/zramfs.o"
# the build stage's last RUN, as written, with /out under $T
run=$(stage 1 | grep '^RUN ' | tail -1 | sed 's/^RUN //')
echo "build stage's step: $run"
ok "build stage's step runs: $run" env -u MAKEFLAGS -u MFLAGS -u MAKELEVEL \
	-u SANITIZE -u CFLAGS sh -c "cd '$T/src' && ${run//\/out/$T/out}"
copy=$(stage 2 | grep '^COPY ' | xargs)
eq "runtime stage copies the install tree" "COPY --from=build /out/ /" "$copy"
for f in usr/local/bin/zramfs usr/local/bin/zramfs-entrypoint \
	 usr/local/bin/zramfs-attach usr/local/bin/zramfs-swap; do
	ok "installed: /$f, executable" test -x "$T/out/$f"
done
ok "installed: zramfs.8" test -f "$T/out/usr/local/share/man/man8/zramfs.8"
ok "the daemon runs" "$T/out/usr/local/bin/zramfs" --version
ep=$(stage 2 | grep '^ENTRYPOINT ' | grep -o '"[^"]*"' | head -1 | tr -d '"')
eq "ENTRYPOINT is the installed entrypoint" /usr/local/bin/zramfs-entrypoint "$ep"
for f in zramfs-entrypoint zramfs-attach zramfs-swap; do
	ok "$f: POSIX sh syntax (dash)" dash -n "$T/out/usr/local/bin/$f"
done

# debian:12-slim: the packages of priority required and what they depend on
dpkg-query -Wf '${Package} ${Priority}\n' | awk '$2 == "required" {print $1}' > "$T/required"
apt-cache depends --recurse --no-recommends --no-suggests --no-conflicts \
	--no-breaks --no-replaces --no-enhances $(cat "$T/required") 2>/dev/null |
	grep -v '^ ' | sort -u > "$T/base"
ok "the base image's packages include libc6 and coreutils" \
	test "$(grep -cxE 'libc6|coreutils' "$T/base")" = 2
# where a file comes from: a runtime-stage package or the base image
owner() { dpkg -S "$1" 2>/dev/null | grep -v '^diversion' | head -1 | cut -d: -f1; }
provided() {
	local path=$1 pkg
	pkg=$(owner "$path")
	# merged /usr: dpkg may know the file by its unmerged name
	[ -z "$pkg" ] && pkg=$(owner "${path#/usr}")
	[ -z "$pkg" ] && pkg=$(owner "$(readlink -f "$path")")
	[ -z "$pkg" ] && { echo "$path: no package"; return 1; }
	grep -qw -- "$pkg" <<< "$run_pkgs" && return 0
	grep -qx -- "$pkg" "$T/base" && return 0
	echo "$path: $pkg is neither installed by the runtime stage nor in the base image"
	return 1
}
[ -x "$T/out/usr/local/bin/zramfs" ] || { fail "no daemon was built: nothing more to check"; finish; }
missing=""
for lib in $(ldd "$T/out/usr/local/bin/zramfs" | awk '$3 ~ /^\// {print $3}'); do
	provided "$lib" >> "$T/missing" || missing="$missing $lib"
done
eq "every library the daemon links against is in the runtime stage" "" "$missing"
missing=""
for tool in losetup mkswap swapon swapoff mount umount fusermount3 mknod awk \
	    stat grep sed sleep seq cat mkdir dirname sh; do
	path=$(command -v "$tool") || { missing="$missing $tool"; continue; }
	provided "$path" >> "$T/missing" || missing="$missing $tool"
done
eq "every program the scripts run is in the runtime stage" "" "$missing"
[ -s "$T/missing" ] && cat "$T/missing"
finish
