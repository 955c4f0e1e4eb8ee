# vyre - one non-recursive Makefile.
#
#   make            build every program and tool (gcc, -Werror)
#   make check      install deps, build, run every test; ends "N passed, N failed"
#   make demo       install deps, build, run the main job on the default device
#   make sanitize   build with clang ASan+UBSan into build-san and run the tests
#   make fuzz       run the libFuzzer targets, time-boxed (FUZZ_SECONDS each)
#   make install    PREFIX=/usr/local DESTDIR= STRIP=-s (STRIP= keeps symbols)
#   make uninstall  removes what make install put there
#   V=1             show full commands

CC ?= gcc
ifeq ($(origin CC),default)
CC = gcc
endif
BUILD ?= build
PREFIX ?= /usr/local
DESTDIR ?=
SHARED ?= ../shared
FUZZ_SECONDS ?= 20
# install strips the programs; STRIP= keeps their symbols.
STRIP ?= -s
VERSION := 0.1.0

WARN := -Wall -Wextra -Werror -Wshadow -Wno-unused-parameter
CPPFLAGS += -Icommon -I$(BUILD)/gen -D_GNU_SOURCE -DCL_TARGET_OPENCL_VERSION=300 \
	-DVY_VERSION=\"$(VERSION)\"
CFLAGS ?= -O2 -g
CFLAGS += -std=c11 $(WARN)
LDLIBS += -lOpenCL -ljansson -lxxhash -luring -lm -lpthread

ifeq ($(SAN),1)
CFLAGS += -fsanitize=address,undefined -fno-omit-frame-pointer \
	-fno-sanitize-recover=undefined
LDFLAGS += -fsanitize=address,undefined
endif

ifeq ($(V),1)
Q :=
say = @true
else
Q := @
say = @printf '  %-7s %s\n' $(1) $(2)
endif

.SECONDEXPANSION:
.SECONDARY:
.DEFAULT_GOAL := all
.PHONY: all check demo sanitize fuzz install uninstall completions deps clean test-bins lint-man gen

WINGS := wire telemetry policy device report
COMMON_SRC := $(foreach w,$(WINGS),$(wildcard common/$(w)/*.c))
COMMON_HDR := $(foreach w,$(WINGS),$(wildcard common/$(w)/*.h common/$(w)/*.def))
KERNEL_SRC := $(wildcard kernels/*.cl)
WIRE_DEF := common/wire/wire.def
WIRE_H := $(BUILD)/gen/wire/wire.h
GEN_OBJ := $(KERNEL_SRC:kernels/%.cl=$(BUILD)/obj/gen/kernel_%.o) \
	$(BUILD)/obj/gen/wire_cl.o
COMMON_OBJ := $(COMMON_SRC:%.c=$(BUILD)/obj/%.o) $(GEN_OBJ)
LIB := $(BUILD)/libvy.a

PROGS := $(patsubst bin/%.c,$(BUILD)/%,$(wildcard bin/*.c))
TOOLS := $(patsubst tools/%.c,$(BUILD)/%,$(wildcard tools/*.c))
UNIT_SRC := $(wildcard tests/unit/*.c)
FUZZ_SRC := $(wildcard tests/fuzz/fuzz_*.c)
FUZZ_REPLAY := $(patsubst tests/fuzz/%.c,$(BUILD)/fuzz/replay-%,$(FUZZ_SRC))
MAN := $(wildcard man/*.[0-9])

all: $(PROGS) $(TOOLS)

test-bins: all completions $(BUILD)/unit-tests $(FUZZ_REPLAY)

$(BUILD)/obj/%.o: %.c $(COMMON_HDR) $(WIRE_H) | $(BUILD)/gen
	$(call say,CC,$<)
	@mkdir -p $(dir $@)
	$(Q)$(CC) $(CPPFLAGS) $(CFLAGS) -c -o $@ $<

# The wire constants are written once, in common/wire/wire.def; the host
# includes the generated "wire/wire.h" and every kernel is compiled with
# the generated #define block in front (README: common/README.md).
$(BUILD)/gen/wire/wire.h $(BUILD)/gen/wire/wire.cl: $(WIRE_DEF) scripts/gen-wire.sh
	$(call say,GEN,$@)
	@mkdir -p $(dir $@)
	$(Q)sh scripts/gen-wire.sh $(patsubst .%,%,$(suffix $@)) $(WIRE_DEF) \
		>$@.tmp && mv $@.tmp $@

# What is embedded: the wire block, then the kernel source.
$(BUILD)/gen/kernel_%.cl: $(BUILD)/gen/wire/wire.cl kernels/%.cl
	$(Q)cat $^ >$@

# Embedded with .incbin: symbols vy_kernel_<name>_src (NUL terminated) and
# vy_kernel_<name>_len (size_t, without the NUL) for each kernel, and
# vy_wire_cl_src/_len for the wire block alone (wire/protocol.h).
embed = printf '%s\n' '.section .rodata' '.balign 16' \
	'.global $(1)_src' '$(1)_src:' '.incbin "$(2)"' '1: .byte 0' \
	'.balign 8' '.global $(1)_len' '$(1)_len:' '.quad 1b - $(1)_src' \
	'.section .note.GNU-stack,"",@progbits'

$(BUILD)/gen/kernel_%.S: $(BUILD)/gen/kernel_%.cl
	$(call say,EMBED,$<)
	$(Q)$(call embed,vy_kernel_$*,$<) >$@

$(BUILD)/gen/wire_cl.S: $(BUILD)/gen/wire/wire.cl
	$(call say,EMBED,$<)
	$(Q)$(call embed,vy_wire_cl,$<) >$@

# .incbin is not a dependency the assembler reports: name the source.
$(BUILD)/obj/gen/%.o: $(BUILD)/gen/%.S $(BUILD)/gen/%.cl
	@mkdir -p $(dir $@)
	$(Q)$(CC) -c -o $@ $<

$(BUILD)/obj/gen/wire_cl.o: $(BUILD)/gen/wire_cl.S $(BUILD)/gen/wire/wire.cl
	@mkdir -p $(dir $@)
	$(Q)$(CC) -c -o $@ $<

# Everything generated, for builds outside this Makefile (scripts/fuzz.sh).
gen: $(WIRE_H) $(GEN_OBJ)

$(BUILD)/gen:
	@mkdir -p $@

$(LIB): $(COMMON_OBJ)
	$(call say,AR,$@)
	$(Q)rm -f $@ && ar rcs $@ $^

# A program is bin/NAME.c; a tool is tools/NAME.c plus tools/NAME/*.c.
$(BUILD)/%: bin/%.c $(LIB)
	$(call say,LINK,$@)
	$(Q)$(CC) $(CPPFLAGS) $(CFLAGS) $(LDFLAGS) -o $@ $< $(LIB) $(LDLIBS)

TOOL_EXTRA = $(wildcard tools/$(1)/*.c)
$(BUILD)/%: tools/%.c $$(call TOOL_EXTRA,%) $$(wildcard tools/%/*.h) $(LIB)
	$(call say,LINK,$@)
	$(Q)$(CC) $(CPPFLAGS) -Itools/$* $(CFLAGS) $(LDFLAGS) -o $@ $< \
		$(call TOOL_EXTRA,$*) $(LIB) $(LDLIBS)

$(BUILD)/unit-tests: $(UNIT_SRC) $(wildcard tests/unit/*.h) $(LIB)
	$(call say,LINK,$@)
	$(Q)$(CC) $(CPPFLAGS) -Itests/unit $(CFLAGS) $(LDFLAGS) -o $@ \
		$(UNIT_SRC) $(LIB) $(LDLIBS)

# Fuzz targets are replayed over their saved corpus by a plain main.
$(BUILD)/fuzz/replay-%: tests/fuzz/%.c tests/fuzz/replay_main.c $(LIB)
	$(call say,LINK,$@)
	@mkdir -p $(dir $@)
	$(Q)$(CC) $(CPPFLAGS) $(CFLAGS) $(LDFLAGS) -o $@ $< \
		tests/fuzz/replay_main.c $(LIB) $(LDLIBS)

deps:
	$(Q)sh scripts/install-deps.sh

check: deps
	$(Q)$(MAKE) --no-print-directory test-bins
	$(Q)BUILD=$(BUILD) SHARED=$(SHARED) sh scripts/check.sh

demo: deps
	$(Q)$(MAKE) --no-print-directory all
	$(Q)BUILD=$(BUILD) sh scripts/demo.sh

sanitize: deps
	$(Q)$(MAKE) --no-print-directory BUILD=build-san CC=clang SAN=1 test-bins
	$(Q)BUILD=build-san SHARED=$(SHARED) VY_SANITIZE=1 sh scripts/check.sh

fuzz: deps
	$(Q)FUZZ_SECONDS=$(FUZZ_SECONDS) sh scripts/fuzz.sh

lint-man:
	$(Q)for m in $(MAN); do mandoc -T lint -W warning $$m || exit 1; done

# Installed programs: every bin/ program and every tool but the bench ones.
INSTALL_BINS := $(PROGS) $(filter-out $(BUILD)/vyre-bench-%,$(TOOLS))

# bash and zsh completions, from the option table each program's --help
# prints (scripts/gen-completions.sh).
COMPL := $(BUILD)/completions
BASHCOMP := $(PREFIX)/share/bash-completion/completions
ZSHCOMP := $(PREFIX)/share/zsh/site-functions

completions: $(COMPL)/zsh/_vyre

$(COMPL)/zsh/_vyre: $(INSTALL_BINS) scripts/gen-completions.sh
	$(call say,GEN,$(COMPL))
	$(Q)sh scripts/gen-completions.sh $(BUILD) $(COMPL) $(notdir $(INSTALL_BINS))

install: all completions
	install -d $(DESTDIR)$(PREFIX)/bin $(DESTDIR)$(PREFIX)/share/man/man1 \
		$(DESTDIR)$(PREFIX)/share/man/man5 $(DESTDIR)$(PREFIX)/share/man/man7 \
		$(DESTDIR)$(BASHCOMP) $(DESTDIR)$(ZSHCOMP)
	install -m 755 $(STRIP) $(INSTALL_BINS) $(DESTDIR)$(PREFIX)/bin/
	for m in $(MAN); do s=$${m##*.}; \
		install -m 644 $$m $(DESTDIR)$(PREFIX)/share/man/man$$s/; done
	install -m 644 $(addprefix $(COMPL)/bash/,$(notdir $(INSTALL_BINS))) \
		$(DESTDIR)$(BASHCOMP)/
	install -m 644 $(COMPL)/zsh/_vyre $(DESTDIR)$(ZSHCOMP)/

# Removes exactly what install put there (the directories stay: they are
# shared with other packages).
uninstall:
	rm -f $(addprefix $(DESTDIR)$(PREFIX)/bin/,$(notdir $(INSTALL_BINS)))
	for m in $(MAN); do s=$${m##*.}; \
		rm -f $(DESTDIR)$(PREFIX)/share/man/man$$s/$${m##*/}; done
	rm -f $(addprefix $(DESTDIR)$(BASHCOMP)/,$(notdir $(INSTALL_BINS))) \
		$(DESTDIR)$(ZSHCOMP)/_vyre

clean:
	rm -rf build build-san build-fuzz
