#!/bin/sh
# make install DESTDIR=... puts stripped programs and every man page there
# (vyre-vectors with its page); make uninstall DESTDIR=... leaves no file.
. tests/cli/lib.sh
R=$T/root
if make -s --no-print-directory install DESTDIR="$R" BUILD="$BUILD" >"$OUT" 2>"$ERR"; then
	ok "make install DESTDIR"
else
	notok "make install DESTDIR" "$(head -5 "$ERR")"
fi
for p in vyre-launch vyre-decode vyre-recommend vyre-stream vyre-mkdump vyre-vectors; do
	check "$p installed" -x "$R/usr/local/bin/$p"
	check "$p has a man page" -f "$R/usr/local/share/man/man1/$p.1"
done
check "vyre.7 installed" -f "$R/usr/local/share/man/man7/vyre.7"
check "no bench tool installed" -z "$(ls "$R/usr/local/bin" | grep bench)"
if file "$R/usr/local/bin/vyre-launch" | grep -q "not stripped"; then
	notok "installed programs are stripped" "$(file "$R/usr/local/bin/vyre-launch")"
else
	ok "installed programs are stripped"
fi
make -s --no-print-directory uninstall DESTDIR="$R" BUILD="$BUILD" >"$OUT" 2>"$ERR"
check "make uninstall exits 0" $? -eq 0
check "make uninstall leaves no file" -z "$(find "$R" -type f)"

# Completions: installed, load in bash, complete options and formats.
make -s --no-print-directory install DESTDIR="$R" BUILD="$BUILD" >"$OUT" 2>"$ERR"
C=$R/usr/local/share/bash-completion/completions
for p in vyre-launch vyre-decode vyre-recommend vyre-stream vyre-mkdump vyre-vectors; do
	check "bash completion for $p installed" -f "$C/$p"
done
check "zsh completion installed" -f "$R/usr/local/share/zsh/site-functions/_vyre"
got=$(bash -c '. "$1/vyre-launch" && complete -p vyre-launch >/dev/null &&
	COMP_WORDS=(vyre-launch --ring); COMP_CWORD=1; _vyre_launch;
	echo "${COMPREPLY[*]}"' sh "$C")
check "bash completes vyre-launch --ring to --ring-slots" "$got" = "--ring-slots"
got=$(bash -c '. "$1/vyre-decode";
	COMP_WORDS=(vyre-decode -f p); COMP_CWORD=2; _vyre_decode;
	echo "${COMPREPLY[*]}"' sh "$C")
check "bash completes vyre-decode -f p to prom" "$got" = "prom"
if command -v zsh >/dev/null 2>&1; then
	check "zsh completion parses" "$(zsh -n "$R/usr/local/share/zsh/site-functions/_vyre" 2>&1)" = ""
fi
# every option a completion offers is one the program takes
bad=
for p in vyre-launch vyre-decode vyre-recommend vyre-stream vyre-mkdump vyre-vectors; do
	for o in $(sed -n 's/.*compgen -W "\(--[^"]*\)" -- .*/\1/p' "$C/$p"); do
		case $o in --help | --version | -h | -V) continue ;; esac
		timeout 20 "$p" "$o" </dev/null >/dev/null 2>"$T/o.err"
		grep -q "unknown option" "$T/o.err" && bad="$bad $p:$o"
	done
done
check "every completed option is accepted${bad:+ (not:$bad)}" -z "$bad"
make -s --no-print-directory uninstall DESTDIR="$R" BUILD="$BUILD" >"$OUT" 2>"$ERR"
check "uninstall removes the completions too" -z "$(find "$R" -type f)"
