# Shell functions the image recipes share; sourced by images/*/build.sh (bash).

die() {
	echo "build.sh: $*" >&2
	exit 1
}

say() {
	echo "build.sh: $*" >&2
}

# install_build_deps PKG...: installs the Debian packages that are missing.
install_build_deps() {
	local missing=() pkg
	for pkg in "$@"; do
		dpkg-query -W -f='${Status}' "$pkg" 2>/dev/null | grep -q 'install ok installed' || missing+=("$pkg")
	done
	[ ${#missing[@]} -eq 0 ] && return 0
	say "installing ${missing[*]}"
	apt-get update -qq
	DEBIAN_FRONTEND=noninteractive apt-get install -y -qq --no-install-recommends "${missing[@]}" >/dev/null
}

json_string() {
	local s=$1
	s=${s//\\/\\\\}
	s=${s//\"/\\\"}
	printf '"%s"' "$s"
}

# write_properties FILE: writes the `key=value` lines on stdin as a JSON object of strings
# (Glance image properties, which are strings).
write_properties() {
	local first=1 key value
	{
		echo "{"
		while IFS='=' read -r key value; do
			[ $first = 1 ] || echo ","
			first=0
			printf '  %s: %s' "$(json_string "$key")" "$(json_string "$value")"
		done
		printf '\n}\n'
	} >"$1"
}

# output_dir ARG...: the single argument OUTPUT_DIR, created and made absolute; the script must run as root.
output_dir() {
	[ $# -eq 1 ] || die "usage: $0 OUTPUT_DIR"
	[ "$(id -u)" = 0 ] || die "must run as root (the image's files belong to root)"
	mkdir -p "$1"
	(cd "$1" && pwd)
}
