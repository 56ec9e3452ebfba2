#!/usr/bin/env bash
# Builds debian-12, a Debian 12 (bookworm) cloud image with cloud-init, with debootstrap:
#   images/debian-12/build.sh OUTPUT_DIR
# writes OUTPUT_DIR/debian-12.qcow2 (BIOS-bootable, 4 GiB virtual) and OUTPUT_DIR/debian-12.json
# (its SCS scs-0102 image properties, all strings).
#
# Runs as root on a Debian or Ubuntu host that reaches a Debian mirror: the one this host's apt
# uses (or DEBIAN_MIRROR / DEBIAN_SECURITY_MIRROR). debootstrap fills a directory, apt-get
# installs the rest inside it with chroot (mounting /proc and /sys there when the host allows
# it). No loop device and no mount of a block device: the boot partition is a FAT image filled
# with mtools and made bootable by syslinux, the root partition an ext4 filesystem that mke2fs
# fills from the directory, both written at their offsets into a raw disk with an MBR, then
# converted to a compressed qcow2.
set -euo pipefail
# shellcheck source=../lib.sh
source "$(dirname "${BASH_SOURCE[0]}")/../lib.sh"

# Host tools this script runs (installed with apt-get when missing).
BUILD_DEPS=(debootstrap debian-archive-keyring syslinux syslinux-common mtools dosfstools e2fsprogs fdisk qemu-utils)
# Installed into the image with apt-get (without recommends) on top of debootstrap's minbase.
GUEST_PKGS=(
	linux-image-cloud-amd64 initramfs-tools systemd-sysv udev dbus systemd-timesyncd
	cloud-init cloud-guest-utils fdisk e2fsprogs
	openssh-server sudo ifupdown isc-dhcp-client iproute2 iputils-ping netbase ca-certificates
	less vim-tiny procps
)
SUITE=bookworm

IMAGE_NAME=debian-12
DISK_MIB=4096
BOOT_START_MIB=1
BOOT_MIB=128
ROOT_LABEL=debian-root
MIN_RAM_MIB=512
# The guest's own apt sources: the official mirrors (cloud-init's apt module writes the same).
GUEST_MIRROR=http://deb.debian.org/debian
GUEST_SECURITY_MIRROR=http://deb.debian.org/debian-security

here=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)

out=$(output_dir "$@")

# host_mirror SUITE: the URI of the first apt source of this host that carries SUITE (deb822
# .sources files first, then one-line sources.list entries).
host_mirror() {
	local suite=$1 f
	for f in /etc/apt/sources.list.d/*.sources; do
		[ -f "$f" ] || continue
		awk -v suite="$suite" '
			function flush() { if (uris != "" && types ~ /(^|[ \t])deb([ \t]|$)/ && (" " suites " ") ~ (" " suite " ") && !found) { split(uris, u, /[ \t]+/); print u[1]; found = 1 } uris = ""; suites = ""; types = "" }
			/^[ \t]*$/ { flush(); next }
			/^[ \t]*#/ { next }
			tolower($1) == "uris:" { sub(/^[^:]*:[ \t]*/, ""); uris = $0 }
			tolower($1) == "suites:" { sub(/^[^:]*:[ \t]*/, ""); gsub(/[ \t]+/, " "); suites = $0 }
			tolower($1) == "types:" { sub(/^[^:]*:[ \t]*/, ""); types = $0 }
			END { flush() }' "$f"
	done | head -n 1 | grep . && return 0
	cat /etc/apt/sources.list /etc/apt/sources.list.d/*.list 2>/dev/null |
		sed -E 's/#.*//; s/\[[^]]*\]//' |
		awk -v suite="$suite" '$1 == "deb" && $3 == suite { print $2; exit }' | grep .
}

# A host on another Debian release: the mirror it uses serves bookworm as well.
mirror=${DEBIAN_MIRROR:-}
security_mirror=${DEBIAN_SECURITY_MIRROR:-}
for suite in "$SUITE" trixie forky sid; do
	[ -n "$mirror" ] || mirror=$(host_mirror "$suite" || true)
	[ -n "$security_mirror" ] || [ "$suite" = sid ] || security_mirror=$(host_mirror "$suite-security" || true)
done
[ -n "$mirror" ] || die "no Debian mirror in this host's apt sources; set DEBIAN_MIRROR (and DEBIAN_SECURITY_MIRROR)"
mirror=${mirror%/}
security_mirror=${security_mirror%/}
say "Debian mirror $mirror${security_mirror:+, security updates from $security_mirror}"
[ -n "$security_mirror" ] || say "no $SUITE-security source on this host: the image gets no security updates beyond the point release"

work=$(mktemp -d /tmp/sovcloud-debian-12.XXXXXX)
root=$work/root
mounted=()
cleanup() {
	local i still=0
	for ((i = ${#mounted[@]} - 1; i >= 0; i--)); do
		umount "${mounted[$i]}" 2>/dev/null || umount -l "${mounted[$i]}" 2>/dev/null || true
	done
	# Never delete through a mount that is still there (debootstrap's own included).
	if awk -v w="$work/" 'index($2, w) == 1 { found = 1 } END { exit !found }' /proc/self/mounts; then
		say "left $work in place: something is still mounted below it"
		still=1
	fi
	[ $still = 1 ] || rm -rf "$work"
}
trap cleanup EXIT
chmod 755 "$work"

# try_mount TYPE DIR: mounts a kernel filesystem into the chroot if this host lets us; package
# scripts mostly cope without, so failing is only a warning.
try_mount() {
	local type=$1 dir=$2
	if mount -t "$type" "$type" "$dir" 2>/dev/null; then
		mounted+=("$dir")
	else
		say "cannot mount $type on $dir (sandbox?); going on without it"
	fi
}
unmount_all() {
	local i
	for ((i = ${#mounted[@]} - 1; i >= 0; i--)); do umount "${mounted[$i]}"; done
	mounted=()
}

in_root() {
	chroot "$root" /usr/bin/env -i PATH=/usr/sbin:/usr/bin:/sbin:/bin HOME=/root LC_ALL=C.UTF-8 \
		DEBIAN_FRONTEND=noninteractive DEBCONF_NONINTERACTIVE_SEEN=true "$@"
}
# A snapshot mirror's Release files may have expired; their signatures still count.
APT_OPTS=(-o Acquire::Check-Valid-Until=false -o Dpkg::Options::=--force-confold -o Dpkg::Use-Pty=0)

install_build_deps "${BUILD_DEPS[@]}"

# --- base system -----------------------------------------------------------------------------
say "debootstrap $SUITE (minbase) from $mirror"
debootstrap --variant=minbase --keyring=/usr/share/keyrings/debian-archive-keyring.gpg \
	"$SUITE" "$root" "$mirror" >"$work/debootstrap.log" 2>&1 || {
	tail -n 30 "$work/debootstrap.log" >&2
	[ -f "$root/debootstrap/debootstrap.log" ] && tail -n 30 "$root/debootstrap/debootstrap.log" >&2
	die "debootstrap failed"
}

{
	echo "deb $mirror $SUITE main"
	echo "deb $mirror $SUITE-updates main"
	[ -z "$security_mirror" ] || echo "deb $security_mirror $SUITE-security main"
} >"$root/etc/apt/sources.list"
# No daemon starts inside the chroot.
printf '#!/bin/sh\nexit 101\n' >"$root/usr/sbin/policy-rc.d"
chmod 755 "$root/usr/sbin/policy-rc.d"
cp -a "$here/rootfs/." "$root/"
echo "cloud-init cloud-init/datasources multiselect ConfigDrive, OpenStack, None" | in_root debconf-set-selections

try_mount proc "$root/proc"
try_mount sysfs "$root/sys"

# --- packages --------------------------------------------------------------------------------
say "installing ${GUEST_PKGS[*]}"
{
	in_root apt-get "${APT_OPTS[@]}" update &&
		in_root apt-get "${APT_OPTS[@]}" -y dist-upgrade &&
		in_root apt-get "${APT_OPTS[@]}" -y install --no-install-recommends "${GUEST_PKGS[@]}"
} >"$work/apt.log" 2>&1 || {
	tail -n 40 "$work/apt.log" >&2
	die "installing the guest packages failed"
}

kver=$(cd "$root/boot" && ls vmlinuz-* | sed 's/^vmlinuz-//' | sort -V | tail -n 1)
[ -n "$kver" ] || die "no kernel in the image's /boot"
kernel_pkg=linux-image-$kver
pkg_version() {
	in_root dpkg-query -W -f='${Version}' "$1"
}

# --- configuration ---------------------------------------------------------------------------
boot_sectors=$((BOOT_MIB * 2048))
boot_start=$((BOOT_START_MIB * 2048))
root_start=$((boot_start + boot_sectors))
root_sectors=$((DISK_MIB * 2048 - root_start))
root_uuid=$(cat /proc/sys/kernel/random/uuid)
fat_id=$(od -An -N4 -tx4 /dev/urandom | tr -d ' \n' | tr a-f A-F)
fat_uuid="${fat_id:0:4}-${fat_id:4:4}"
kernel_cmdline="root=UUID=$root_uuid ro console=tty0 console=ttyS0,115200"

cat >"$root/etc/fstab" <<EOF
# <file system> <mount point> <type> <options> <dump> <pass>
UUID=$root_uuid / ext4 rw,discard,errors=remount-ro 0 1
# syslinux, the kernel and the initramfs: kept current by /usr/local/sbin/sovcloud-syslinux-update
UUID=$fat_uuid /boot/syslinux vfat defaults,nofail,umask=0077 0 0
EOF
mkdir -p "$root/boot/syslinux"
echo localhost >"$root/etc/hostname"
cat >"$root/etc/hosts" <<EOF
127.0.0.1	localhost
::1		localhost ip6-localhost ip6-loopback
ff02::1		ip6-allnodes
ff02::2		ip6-allrouters
EOF
# Now that fstab names the root filesystem, build the initramfs the image boots with.
in_root update-initramfs -u -k "$kver" >>"$work/apt.log" 2>&1 || {
	tail -n 20 "$work/apt.log" >&2
	die "update-initramfs failed"
}
[ -f "$root/boot/initrd.img-$kver" ] || die "no initramfs for $kver"

versions=()
for p in "$kernel_pkg" cloud-init openssh-server systemd libc6; do versions+=("$p=$(pkg_version "$p")"); done

# --- clean up what must not be shared by every server ----------------------------------------
in_root apt-get "${APT_OPTS[@]}" clean
rm -f "$root/usr/sbin/policy-rc.d"
rm -f "$root"/etc/ssh/ssh_host_*
: >"$root/etc/machine-id"
[ -L "$root/var/lib/dbus/machine-id" ] || rm -f "$root/var/lib/dbus/machine-id"
rm -f "$root/etc/resolv.conf"
rm -rf "$root"/var/lib/apt/lists/* "$root"/var/cache/apt/*.bin "$root"/var/cache/debconf/*-old \
	"$root"/var/lib/dpkg/*-old "$root/root/.bash_history" "$root"/tmp/* "$root"/var/tmp/* \
	"$root"/var/lib/cloud/*
find "$root/var/log" -type f -exec truncate -s 0 {} +
{
	echo "deb $GUEST_MIRROR $SUITE main"
	echo "deb $GUEST_MIRROR $SUITE-updates main"
	echo "deb $GUEST_SECURITY_MIRROR $SUITE-security main"
} >"$root/etc/apt/sources.list"
unmount_all

# --- boot partition: syslinux, kernel, initramfs ---------------------------------------------
cat >"$work/syslinux.cfg" <<EOF
DEFAULT debian
PROMPT 0
TIMEOUT 0
LABEL debian
  KERNEL /vmlinuz
  INITRD /initrd.img
  APPEND $kernel_cmdline
EOF
export MTOOLS_SKIP_CHECK=1
boot=$work/boot.img
mkfs.vfat -C -n BOOT -i "$fat_id" -h "$boot_start" "$boot" $((boot_sectors / 2)) >/dev/null
cp "$root/boot/vmlinuz-$kver" "$work/vmlinuz"
cp "$root/boot/initrd.img-$kver" "$work/initrd.img"
mcopy -i "$boot" "$work/vmlinuz" "$work/initrd.img" "$work/syslinux.cfg" ::/
syslinux --install "$boot"

# --- disk ------------------------------------------------------------------------------------
say "writing the disk (root filesystem from $(du -sm "$root" | cut -f1) MiB of files)"
raw=$work/disk.raw
truncate -s "${DISK_MIB}M" "$raw"
sfdisk --quiet "$raw" <<EOF
label: dos
start=$boot_start, size=$boot_sectors, type=e, bootable
start=$root_start, size=$root_sectors, type=83
EOF
dd if=/usr/lib/syslinux/mbr/mbr.bin of="$raw" bs=440 count=1 conv=notrunc status=none
dd if="$boot" of="$raw" bs=512 seek="$boot_start" conv=notrunc,sparse status=none
mke2fs -q -F -t ext4 -L "$ROOT_LABEL" -U "$root_uuid" -m 1 \
	-E "offset=$((root_start * 512)),root_owner=0:0" \
	-d "$root" "$raw" $((root_sectors / 2))k
qemu-img convert -q -c -f raw -O qcow2 "$raw" "$work/$IMAGE_NAME.qcow2"

# --- properties ------------------------------------------------------------------------------
build_date=$(date -u +%Y-%m-%dT%H:%M:%SZ)
debian_version=$(cat "$root/etc/debian_version")
write_properties "$work/$IMAGE_NAME.json" <<EOF
architecture=x86_64
hypervisor_type=qemu
hw_firmware_type=bios
hw_disk_bus=virtio
hw_vif_model=virtio
hw_rng_model=virtio
min_disk=$(((DISK_MIB + 1023) / 1024))
min_ram=$MIN_RAM_MIB
os_distro=debian
os_version=12
os_purpose=generic
image_build_date=$build_date
image_original_user=debian
image_source=private
image_description=Debian $debian_version (bookworm) with cloud-init, built by sovcloud's recipe (images/debian-12/build.sh) with debootstrap from Debian 12 packages of $mirror; not the official Debian cloud image. Config drive or OpenStack metadata service; user debian with the SSH key from the metadata and passwordless sudo.
replace_frequency=never
provided_until=none
uuid_validity=none
kernel_version=$kver
sovcloud_build=debian12 ${versions[*]}
EOF

mv "$work/$IMAGE_NAME.qcow2" "$out/$IMAGE_NAME.qcow2"
mv "$work/$IMAGE_NAME.json" "$out/$IMAGE_NAME.json"
say "wrote $out/$IMAGE_NAME.qcow2 ($(du -m "$out/$IMAGE_NAME.qcow2" | cut -f1) MiB) and $out/$IMAGE_NAME.json"
