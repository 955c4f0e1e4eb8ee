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
