# Prints string values from an OpenStack meta_data.json, one per line, with escapes undone:
#   awk -v key=hostname -f json.awk   the top-level "hostname"
#   awk -v key=public_keys -f json.awk   every value of the top-level "public_keys" object
# A small tokenizer rather than sed, because "meta" may nest user-chosen keys with the same names.
{ text = text $0 "\n" }

function hex(h,    i, c, v) {
	v = 0
	for (i = 1; i <= length(h); i++) {
		c = index("0123456789abcdef", tolower(substr(h, i, 1)))
		if (c == 0) return -1
		v = v * 16 + c - 1
	}
	return v
}

function emit(v) {
	if ((depth == 1 && name[1] == key) || (depth == 2 && name[1] == key && kind[2] == "{"))
		print v
}

END {
	n = length(text); i = 1; depth = 0
	while (i <= n) {
		c = substr(text, i, 1)
		if (c == "\"") {
			v = ""; j = i + 1
			while (j <= n) {
				d = substr(text, j, 1)
				if (d == "\"") break
				if (d == "\\") {
					e = substr(text, j + 1, 1)
					if (e == "n") v = v "\n"
					else if (e == "t") v = v "\t"
					else if (e == "r") v = v "\r"
					else if (e == "b" || e == "f") v = v
					else if (e == "u") {
						code = hex(substr(text, j + 2, 4))
						v = v ((code >= 32 && code < 127) ? sprintf("%c", code) : "?")
						j += 4
					} else v = v e
					j += 2
					continue
				}
				v = v d; j++
			}
			i = j + 1
			if (kind[depth] == "{" && expect_key[depth]) name[depth] = v
			else emit(v)
		} else if (c == "{" || c == "[") {
			depth++; kind[depth] = c; expect_key[depth] = (c == "{"); name[depth] = ""; i++
		} else if (c == "}" || c == "]") {
			depth--; i++
		} else if (c == ":") {
			expect_key[depth] = 0; i++
		} else if (c == ",") {
			if (kind[depth] == "{") expect_key[depth] = 1
			i++
		} else {
			i++
		}
	}
}
