#!/usr/bin/env bash
# Builds sovcloud-tiny, a CirrOS-like guest image, from Debian 12 packages only:
#   images/tiny/build.sh OUTPUT_DIR
# writes OUTPUT_DIR/sovcloud-tiny.qcow2 (BIOS-bootable, 1 GiB virtual) and
# OUTPUT_DIR/sovcloud-tiny.json (its SCS scs-0102 image properties, all strings).
#
# Runs as root on Debian 12 with a reachable Debian mirror. Needs no loop device and no mount:
# the boot partition is a FAT image filled with mtools and made bootable by syslinux, the root
# partition an ext4 filesystem that mke2fs fills from a directory, both written at their offsets
# into a raw disk with an MBR, then converted to a compressed qcow2. Guest packages are
# fetched with `apt-get download` and unpacked with `dpkg-deb -x`; nothing is installed on the
# build host but the build tools below.
set -euo pipefail
# shellcheck source=../lib.sh
source "$(dirname "${BASH_SOURCE[0]}")/../lib.sh"

# Host tools this script runs (installed with apt-get when missing).
BUILD_DEPS=(syslinux syslinux-common mtools dosfstools e2fsprogs fdisk cpio qemu-utils kmod)
# Guest packages, unpacked into the image; only the files named below and the shared libraries
# they need are copied. linux-image-amd64 is resolved to the kernel package it depends on.
GUEST_PKGS=(linux-image-amd64 busybox-static dropbear-bin opendoas
	e2fsprogs libext2fs2 libcom-err2
	libc6 libcrypt1 libtomcrypt1 libtommath1 libgmp10 zlib1g libpam0g libpam-modules libaudit1 libcap-ng0)
# Drivers (dependencies are added from the modules' own metadata). The initramfs loads only what
# finding the root filesystem needs: virtio disks (virtio-blk or virtio-scsi) and ext4. The rest
# is loaded by the root filesystem's rcS while other things go on: virtio NIC, RNG, balloon and
# console, iso9660/vfat for a config drive, SATA/IDE CD-ROMs for a config drive on the q35 or pc
# machine's own controller, and the ACPI power button.
INITRAMFS_MODULES=(virtio_pci virtio_blk virtio_scsi sd_mod crc32c_generic ext4)
ROOTFS_MODULES=(virtio_net virtio_rng virtio_balloon virtio_console isofs vfat nls_cp437 nls_ascii
	nls_utf8 ahci ata_piix sr_mod button evdev)

IMAGE_NAME=sovcloud-tiny
IMAGE_VERSION=0.1
DISK_MIB=1024
BOOT_START_MIB=1
BOOT_MIB=32
ROOT_LABEL=sovcloud-root
# Fixed identifiers and file times make two builds from the same package versions byte-identical.
ROOT_UUID=5a0c10d0-7e1e-4b5e-9a6d-000000000001
ROOT_HASH_SEED=5a0c10d0-7e1e-4b5e-9a6d-000000000002
DISK_ID=0x5a0c10d0
FAT_ID=5A0C10D0
export SOURCE_DATE_EPOCH=${SOURCE_DATE_EPOCH:-1764547200} # 2025-12-01T00:00:00Z
KERNEL_CMDLINE="console=ttyS0,115200 root=LABEL=$ROOT_LABEL quiet"

here=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)

out=$(output_dir "$@")

work=$(mktemp -d /tmp/sovcloud-tiny.XXXXXX)
trap 'rm -rf "$work"' EXIT
# apt-get download drops privileges to _apt, which must be able to enter the directory.
chmod 755 "$work"
debs=$work/debs
pkgroot=$work/pkgroot
initramfs=$work/initramfs
rootfs=$work/rootfs
mkdir -p "$debs" "$pkgroot" "$initramfs" "$rootfs"

download() {
	(cd "$debs" && apt-get download -qq "$@" 2>/dev/null) && return 0
	apt-get update -qq
	(cd "$debs" && apt-get download -qq "$@")
}

install_build_deps "${BUILD_DEPS[@]}"

# --- guest packages --------------------------------------------------------------------------
download "${GUEST_PKGS[@]}"
kernel_pkg=$(dpkg-deb -f "$debs"/linux-image-amd64_*.deb Depends | sed 's/[ ,].*//')
download "$kernel_pkg"
rm "$debs"/linux-image-amd64_*.deb

declare -A pkg_version
for deb in "$debs"/*.deb; do
	pkg_version[$(dpkg-deb -f "$deb" Package)]=$(dpkg-deb -f "$deb" Version)
	dpkg-deb -x "$deb" "$pkgroot"
done
kver=$(ls "$pkgroot/lib/modules")
[ -f "$pkgroot/boot/vmlinuz-$kver" ] || die "no kernel image in $kernel_pkg"

# --- kernel modules --------------------------------------------------------------------------
moddir=$pkgroot/lib/modules/$kver
declare -A module_file
while IFS= read -r f; do
	m=$(basename "$f" .ko)
	module_file[${m//-/_}]=$f
done < <(find "$moddir/kernel" -name '*.ko')

declare -A module_seen
module_order=()
add_module() {
	local m=${1//-/_} dep
	[ -n "${module_seen[$m]:-}" ] && return 0
	module_seen[$m]=1
	[ -n "${module_file[$m]:-}" ] || die "kernel $kver has no module $m"
	for dep in $(modinfo -F depends "${module_file[$m]}" | tr ',' ' '); do
		add_module "$dep"
	done
	module_order+=("$m")
}
# install_modules DIR LIST_FILE MODULE...: each module not loaded earlier, after its dependencies.
install_modules() {
	local dir=$1 list=$2 m
	shift 2
	module_order=()
	for m in "$@"; do add_module "$m"; done
	mkdir -p "$dir"
	for m in "${module_order[@]}"; do
		cp "${module_file[$m]}" "$dir/$m.ko"
	done
	printf '%s\n' "${module_order[@]}" >"$list"
}

# --- initramfs -------------------------------------------------------------------------------
mkdir -p "$initramfs"/{bin,dev,etc,lib/modules,newroot,proc,sys}
cp "$pkgroot/bin/busybox" "$initramfs/bin/busybox"
for applet in sh mount umount insmod findfs switch_root setsid cttyhack usleep mkdir cat \
	basename readlink od tr dd printf sync blockdev; do
	ln -s busybox "$initramfs/bin/$applet"
done
install_modules "$initramfs/lib/modules" "$initramfs/etc/modules" "${INITRAMFS_MODULES[@]}"
install -m 0755 "$here/initramfs-init" "$initramfs/init"

# --- root filesystem -------------------------------------------------------------------------
# One directory for all programs (/bin, /sbin and /usr/sbin lead to /usr/bin), so that commands
# run over ssh, whose PATH has no sbin, and through sudo find every tool.
mkdir -p "$rootfs"/usr/{bin,lib/x86_64-linux-gnu,lib64} \
	"$rootfs"/{dev,proc,sys,run,tmp,root,home,mnt,var/lib,var/log,etc/dropbear}
ln -s bin "$rootfs/usr/sbin"
ln -s usr/bin "$rootfs/bin"
ln -s usr/bin "$rootfs/sbin"
ln -s usr/lib "$rootfs/lib"
ln -s usr/lib64 "$rootfs/lib64"
ln -s ../run "$rootfs/var/run"
ln -s ../lib/x86_64-linux-gnu/ld-linux-x86-64.so.2 "$rootfs/usr/lib64/ld-linux-x86-64.so.2"
chmod 1777 "$rootfs/tmp"
chmod 0700 "$rootfs/root"

cp "$pkgroot/bin/busybox" "$rootfs/usr/bin/busybox"
for applet in $("$rootfs/usr/bin/busybox" --list); do
	[ -e "$rootfs/usr/bin/$applet" ] || ln -s busybox "$rootfs/usr/bin/$applet"
done

install -m 0755 "$pkgroot/usr/sbin/dropbear" "$rootfs/usr/bin/dropbear"
install -m 0755 "$pkgroot/usr/bin/dropbearkey" "$rootfs/usr/bin/dropbearkey"
install -m 4755 "$pkgroot/usr/bin/doas" "$rootfs/usr/bin/doas"
install -m 0755 "$pkgroot/sbin/resize2fs" "$rootfs/usr/bin/resize2fs"
mkdir -p "$rootfs/lib/x86_64-linux-gnu/security"
for pam in pam_permit.so pam_deny.so; do
	cp "$pkgroot/lib/x86_64-linux-gnu/security/$pam" "$rootfs/lib/x86_64-linux-gnu/security/$pam"
done
cp "$pkgroot/lib/x86_64-linux-gnu/ld-linux-x86-64.so.2" "$rootfs/lib/x86_64-linux-gnu/"

# Shared libraries the ELF files need, resolved only among the unpacked guest packages.
libpath=$pkgroot/lib/x86_64-linux-gnu:$pkgroot/usr/lib/x86_64-linux-gnu
declare -A lib_done
copy_libs() {
	local elf=$1 line lib
	while IFS= read -r line; do
		case "$line" in *' => '*) ;; *) continue ;; esac
		line=${line#"${line%%[![:space:]]*}"}
		lib=${line#* => }
		lib=${lib% (*}
		case "$lib" in
		"$pkgroot"/*) ;;
		*) die "${elf##*/} needs ${line%% =>*}, which no guest package provides" ;;
		esac
		[ -n "${lib_done[$lib]:-}" ] && continue
		lib_done[$lib]=1
		mkdir -p "$rootfs/$(dirname "${lib#"$pkgroot"/}")"
		cp -L "$lib" "$rootfs/${lib#"$pkgroot"/}"
	done < <(/lib64/ld-linux-x86-64.so.2 --inhibit-cache --library-path "$libpath" --list "$elf")
}
for elf in "$rootfs"/usr/bin/dropbear "$rootfs"/usr/bin/dropbearkey "$rootfs"/usr/bin/doas "$rootfs"/usr/bin/resize2fs \
	"$rootfs"/usr/lib/x86_64-linux-gnu/security/*.so; do
	copy_libs "$elf"
done

install_modules "$rootfs/lib/modules/$kver" "$rootfs/etc/modules" "${ROOTFS_MODULES[@]}"
cp -a "$here/rootfs/." "$rootfs/"
# The checkout's umask must not make anything in the guest group- or world-writable.
find "$rootfs" -path "$rootfs/tmp" -prune -o ! -type l -exec chmod go-w {} +
chmod 0640 "$rootfs/etc/shadow"
chmod 0400 "$rootfs/etc/doas.conf"
mkdir -p "$rootfs/home/sovcloud/.ssh"
chmod 0700 "$rootfs/home/sovcloud/.ssh"
chown -R 1000:1000 "$rootfs/home/sovcloud"

cat >"$rootfs/etc/os-release" <<EOF
NAME="sovcloud-tiny"
VERSION="$IMAGE_VERSION"
ID=sovcloud-tiny
VERSION_ID=$IMAGE_VERSION
PRETTY_NAME="sovcloud-tiny $IMAGE_VERSION"
EOF
cat >"$rootfs/etc/issue" <<EOF
sovcloud-tiny $IMAGE_VERSION \\n \\l (no console password: log in with ssh as sovcloud)

EOF
mkdir -p "$rootfs/usr/share/sovcloud-guest"
for p in $(printf '%s\n' "${!pkg_version[@]}" | sort); do
	echo "$p ${pkg_version[$p]}"
done >"$rootfs/usr/share/sovcloud-guest/packages"

# --- boot partition: kernel, initramfs, syslinux ---------------------------------------------
find "$initramfs" "$rootfs" -exec touch -h -d "@$SOURCE_DATE_EPOCH" {} +
(cd "$initramfs" && find . | LC_ALL=C sort | cpio -o -H newc -R 0:0 --reproducible --quiet) |
	gzip -n -9 >"$work/initrd.gz"

boot_sectors=$((BOOT_MIB * 2048))
boot_start=$((BOOT_START_MIB * 2048))
root_start=$((boot_start + boot_sectors))
root_sectors=$((DISK_MIB * 2048 - root_start))

cat >"$work/syslinux.cfg" <<EOF
DEFAULT linux
PROMPT 0
TIMEOUT 0
LABEL linux
  KERNEL /vmlinuz
  INITRD /initrd.gz
  APPEND $KERNEL_CMDLINE
EOF
export MTOOLS_SKIP_CHECK=1
boot=$work/boot.img
mkfs.vfat -C -n BOOT -i "$FAT_ID" -h "$boot_start" --invariant "$boot" $((boot_sectors / 2)) >/dev/null
cp "$pkgroot/boot/vmlinuz-$kver" "$work/vmlinuz"
touch -d "@$SOURCE_DATE_EPOCH" "$work/vmlinuz" "$work/initrd.gz" "$work/syslinux.cfg"
mcopy -m -i "$boot" "$work/vmlinuz" "$work/initrd.gz" "$work/syslinux.cfg" ::/
syslinux --install "$boot"

# --- disk ------------------------------------------------------------------------------------
raw=$work/disk.raw
truncate -s "${DISK_MIB}M" "$raw"
sfdisk --quiet "$raw" <<EOF
label: dos
label-id: $DISK_ID
start=$boot_start, size=$boot_sectors, type=e, bootable
start=$root_start, size=$root_sectors, type=83
EOF
dd if=/usr/lib/syslinux/mbr/mbr.bin of="$raw" bs=440 count=1 conv=notrunc status=none
dd if="$boot" of="$raw" bs=512 seek="$boot_start" conv=notrunc,sparse status=none
E2FSPROGS_FAKE_TIME=$SOURCE_DATE_EPOCH mke2fs -q -F -t ext4 -L "$ROOT_LABEL" -U "$ROOT_UUID" -m 1 \
	-E "offset=$((root_start * 512)),hash_seed=$ROOT_HASH_SEED,root_owner=0:0" \
	-d "$rootfs" "$raw" $((root_sectors / 2))k
# mke2fs -d copies each file's change time, which nothing can set on the source files: set it
# to SOURCE_DATE_EPOCH in every inode in use (the root and all from the first non-reserved one).
rootfs_dev="$raw?offset=$((root_start * 512))"
dumpe2fs "$rootfs_dev" 2>/dev/null | awk -v epoch="$SOURCE_DATE_EPOCH" '
	/^Inodes per group:/ { ipg = $4 }
	/^Group [0-9]+:/ { group = $2 + 0 }
	/^  Free inodes:/ {
		split("", free)
		n = split($3 $4 $5 $6 $7 $8 $9, ranges, ",")
		for (r = 1; r <= n; r++) {
			if (ranges[r] == "") continue
			if (split(ranges[r], ends, "-") == 1) ends[2] = ends[1]
			for (i = ends[1]; i <= ends[2]; i++) free[i] = 1
		}
		for (i = group * ipg + 1; i <= (group + 1) * ipg; i++)
			if (!(i in free) && (i == 2 || i >= 11)) printf "sif <%d> ctime @%d\n", i, epoch
	}' >"$work/ctimes.debugfs"
E2FSPROGS_FAKE_TIME=$SOURCE_DATE_EPOCH debugfs -w -f "$work/ctimes.debugfs" "$rootfs_dev" >/dev/null 2>&1
qemu-img convert -q -c -f raw -O qcow2 "$raw" "$work/$IMAGE_NAME.qcow2"

# --- properties ------------------------------------------------------------------------------
build_date=$(date -u +%Y-%m-%dT%H:%M:%SZ)
sovcloud_build="debian12"
for p in "$kernel_pkg" busybox-static dropbear-bin opendoas libc6; do
	sovcloud_build+=" $p=${pkg_version[$p]}"
done
write_properties "$work/$IMAGE_NAME.json" <<EOF
architecture=x86_64
hypervisor_type=qemu
hw_firmware_type=bios
hw_disk_bus=virtio
hw_vif_model=virtio
hw_rng_model=virtio
min_disk=$(((DISK_MIB + 1023) / 1024))
min_ram=128
os_type=linux
os_distro=$IMAGE_NAME
os_version=$IMAGE_VERSION
os_purpose=minimal
image_build_date=$build_date
image_original_user=sovcloud
image_source=private
image_description=$IMAGE_NAME $IMAGE_VERSION: a CirrOS-like test image built by sovcloud from Debian 12 packages (Linux kernel, busybox, dropbear, doas). DHCP, config drive or metadata service; user sovcloud, SSH key login only.
replace_frequency=never
provided_until=none
uuid_validity=none
kernel_version=$kver
sovcloud_build=$sovcloud_build
EOF

mv "$work/$IMAGE_NAME.qcow2" "$out/$IMAGE_NAME.qcow2"
mv "$work/$IMAGE_NAME.json" "$out/$IMAGE_NAME.json"
echo "build.sh: wrote $out/$IMAGE_NAME.qcow2 ($(du -k "$out/$IMAGE_NAME.qcow2" | cut -f1) KiB) and $out/$IMAGE_NAME.json" >&2
