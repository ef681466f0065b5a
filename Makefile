# zramfs - plain Makefile over pkg-config.
#   make            build ./zramfs
#   make run/stop   mount at $(MNT) with zram0 / unmount
#   make deps       install the Debian packages that build and run zramfs
#   make test-deps  ... and those the tests, fuzz and bench use
#   make check      install test-deps, build, format-check, run every test
#   make format     rewrite the C sources as .clang-format says
#   make format-check  list the files that differ (part of make check)
#   make check-asan sanitizer builds of the same tests (check-tsan too)
#   make fuzz       libFuzzer targets, FUZZ_SECONDS each
#   make soak       >= 10 GiB of swap traffic (not in CI)
#   make bench      zramfs vs kernel zram vs raw FUSE, table + JSON
#   make image      container image (Dockerfile) with docker or podman
#                   (BASE=IMAGE: another base than debian:12-slim)
#   make install    binaries, man pages, systemd units, example config
#                   (PREFIX=/usr/local, DESTDIR=)

CC       ?= cc
PREFIX   ?= /usr/local
SBINDIR  ?= $(PREFIX)/sbin
MANDIR   ?= $(PREFIX)/share/man
UNITDIR  ?= $(PREFIX)/lib/systemd/system
DOCDIR   ?= $(PREFIX)/share/doc/zramfs
SYSCONFDIR ?= /etc
MNT      ?= /run/zramfs
DISKSIZE ?= 1G
SANITIZE ?=
WERROR   ?=
CFLAGS   ?= -O2 -g
override CFLAGS += -std=gnu11 -D_FILE_OFFSET_BITS=64 -D_GNU_SOURCE -pthread \
	    -Wall -Wextra -Wshadow -Wvla -Wstrict-prototypes \
	    -Wmissing-prototypes -Wno-unused-parameter $(WERROR) -I.
ifneq ($(SANITIZE),)
override CFLAGS += -fsanitize=$(SANITIZE) -fno-omit-frame-pointer
override LDFLAGS += -fsanitize=$(SANITIZE)
endif

PKGS     := fuse3 liblz4 libzstd jansson
HAVE_LZO := $(shell pkg-config --exists lzo2 && echo 1)
HAVE_ZLIB:= $(shell pkg-config --exists zlib && echo 1)
ifeq ($(HAVE_LZO),1)
PKGS     += lzo2
override CFLAGS += -DHAVE_LZO
endif
ifeq ($(HAVE_ZLIB),1)
PKGS     += zlib
override CFLAGS += -DHAVE_DEFLATE
endif
override CFLAGS += -DHAVE_LZ4 -DHAVE_ZSTD $(shell pkg-config --cflags $(PKGS) 2>/dev/null)
override LDLIBS += $(shell pkg-config --libs $(PKGS) 2>/dev/null) -lpthread

LIB_SRCS := $(sort $(wildcard compress/*.c pool/*.c device/*.c control/*.c stats/*.c util/*.c \
			fuse/*.c config/*.c))
LIB_OBJS := $(LIB_SRCS:.c=.o)
HDRS     := $(wildcard */*.h)
CTL_OBJS := $(patsubst %.c,%.o,$(wildcard ctl/*.c))
UNIT_SRCS:= $(wildcard test/unit/test_*.c)
UNIT_BINS:= $(UNIT_SRCS:.c=)

all: zramfs zramfsctl

zramfs: zramfs.o libzramfs.a
	$(CC) $(LDFLAGS) -o $@ $^ $(LDLIBS)

# the CLI: libsmartcols draws zramctl's table, raw and JSON shapes
zramfsctl.o $(CTL_OBJS): override CFLAGS += $(shell pkg-config --cflags smartcols 2>/dev/null)
zramfsctl: zramfsctl.o $(CTL_OBJS) libzramfs.a
	$(CC) $(LDFLAGS) -o $@ $^ $(shell pkg-config --libs smartcols 2>/dev/null) $(LDLIBS)

%.o: %.c $(HDRS) Makefile
	$(CC) $(CFLAGS) -c -o $@ $<

libzramfs.a: $(LIB_OBJS)
	rm -f $@
	ar rcs $@ $^

test/unit/%: test/unit/%.c libzramfs.a $(HDRS)
	$(CC) $(CFLAGS) $(LDFLAGS) -o $@ $< libzramfs.a $(LDLIBS)

units: $(UNIT_BINS)

deps:
	@./scripts/deps.sh

# what the tests, fuzz targets and benchmarks use besides
test-deps:
	@./scripts/deps.sh test

run: deps
	@$(MAKE) --no-print-directory all
	@./scripts/run.sh start $(MNT) $(DISKSIZE)

stop:
	@./scripts/run.sh stop $(MNT)

check: test-deps
	@$(MAKE) --no-print-directory all units
	@./test/run.sh

format:
	@./scripts/format.sh fix

format-check:
	@./scripts/format.sh check

check-asan: test-deps
	@./scripts/sanitize.sh address

check-tsan: test-deps
	@./scripts/sanitize.sh thread

FUZZ_SECONDS ?= 60
fuzz: test-deps
	@./fuzz/build.sh
	@./fuzz/run.sh $(FUZZ_SECONDS)

soak: test-deps all
	@./test/soak.sh

bench: test-deps all
	@./bench/run.sh

IMAGE    ?= zramfs:latest
# BASE: another base image for both stages (doc/containers.md: offline)
image:
	@./scripts/image.sh $(IMAGE) $(if $(BASE),--build-arg BASE=$(BASE))
.PHONY: image

# units name /usr/local/sbin and /etc: rewritten to where things go
UNITS    := zramfs.service zramfs-up.service
install: all
	install -d $(DESTDIR)$(SBINDIR) $(DESTDIR)$(MANDIR)/man5 \
		$(DESTDIR)$(MANDIR)/man8 $(DESTDIR)$(UNITDIR) $(DESTDIR)$(DOCDIR)
	install -m 755 zramfs zramfsctl $(DESTDIR)$(SBINDIR)/
	install -m 644 doc/zramfs.8 doc/zramfsctl.8 $(DESTDIR)$(MANDIR)/man8/
	install -m 644 doc/zramfs.json.5 $(DESTDIR)$(MANDIR)/man5/
	for u in $(UNITS); do \
		sed -e 's|/usr/local/sbin|$(SBINDIR)|g' \
		    -e 's|/etc/zramfs.json|$(SYSCONFDIR)/zramfs.json|g' \
		    etc/$$u > $(DESTDIR)$(UNITDIR)/$$u && \
		chmod 644 $(DESTDIR)$(UNITDIR)/$$u || exit 1; \
	done
	install -m 644 etc/zramfs.json $(DESTDIR)$(DOCDIR)/zramfs.json.example
	install -m 644 etc/README.md $(DESTDIR)$(DOCDIR)/README.etc.md
	@if [ -e $(DESTDIR)$(SYSCONFDIR)/zramfs.json ]; then \
		echo "install: $(DESTDIR)$(SYSCONFDIR)/zramfs.json kept"; \
	else \
		install -D -m 644 etc/zramfs.json \
			$(DESTDIR)$(SYSCONFDIR)/zramfs.json; \
	fi

uninstall:
	rm -f $(DESTDIR)$(SBINDIR)/zramfs $(DESTDIR)$(SBINDIR)/zramfsctl \
		$(DESTDIR)$(MANDIR)/man8/zramfs.8 \
		$(DESTDIR)$(MANDIR)/man8/zramfsctl.8 \
		$(DESTDIR)$(MANDIR)/man5/zramfs.json.5 \
		$(addprefix $(DESTDIR)$(UNITDIR)/,$(UNITS))
	rm -rf $(DESTDIR)$(DOCDIR)

clean:
	rm -rf zramfs zramfsctl *.o */*.o libzramfs.a $(UNIT_BINS) fuzz/out

.PHONY: all units deps test-deps run stop check install uninstall format format-check check-asan check-tsan fuzz soak bench clean
