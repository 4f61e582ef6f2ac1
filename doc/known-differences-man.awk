# doc/known-differences-man.awk - the section "Differences from the kernel"
# of mremap_compat(3), generated from doc/known-differences.md:
#
#   awk -f doc/known-differences-man.awk doc/known-differences.md
#
# prints the lines that go between ".SS Differences from the kernel" and
# the next ".SS" (tests/docs.bats compares them). Each entry
#
#   <a id="ID"></a>
#   ## ID: title
#
#   paragraph...
#
# becomes a tagged paragraph: .TP, the id in bold, the title as the first
# sentence, then the text, one sentence a line (wrapped at 78 bytes);
# `code` is set in bold.

function roff(s,    out, i, c, code) {
	gsub(/\\/, "\\e", s)
	out = ""
	code = 0
	for (i = 1; i <= length(s); i++) {
		c = substr(s, i, 1)
		if (c == "`") {
			out = out (code ? "\\fP" : "\\fB")
			code = !code
		} else if (c == "-" && code) {
			out = out "\\-"
		} else {
			out = out c
		}
	}
	return out
}

# One sentence a line; a line never starts with a control character.
function emit(text,    n, parts, i, line) {
	gsub(/\. +/, ".\n", text)
	n = split(text, parts, "\n")
	for (i = 1; i <= n; i++) {
		line = parts[i]
		sub(/^ +/, "", line)
		sub(/ +$/, "", line)
		if (line == "")
			continue
		wrap(line)
	}
}

# Lines of at most 78 bytes, broken at spaces.
function wrap(line,    cut, i) {
	while (length(line) > 78) {
		cut = 0
		for (i = 78; i > 1; i--)
			if (substr(line, i, 1) == " ") {
				cut = i
				break
			}
		if (!cut)
			break
		put(substr(line, 1, cut - 1))
		line = substr(line, cut + 1)
	}
	put(line)
}

function put(line) {
	if (line ~ /^[.']/)
		line = "\\&" line
	print line
}

function flush() {
	if (para != "") {
		if (!first)
			print ".IP"
		emit(roff(para))
		first = 0
		para = ""
	}
}

BEGIN {
	print "The name of each entry is its id in the project's list of known"
	print "differences (doc/known\\-differences.md in the source)."
}
/^<a id="/ { flush(); inentry = 1; next }
!inentry { next }
/^## / {
	id = $2
	sub(/:$/, "", id)
	title = $0
	sub(/^## [^:]*: */, "", title)
	title = toupper(substr(title, 1, 1)) substr(title, 2) "."
	print ".TP"
	idr = id
	gsub(/-/, "\\-", idr)
	print ".B " idr
	emit(roff(title))
	first = 1
	para = ""
	next
}
/^$/ { flush(); next }
{ para = para (para == "" ? "" : " ") $0 }
END { flush() }
