#!/bin/bash
# mk_rpi_image.sh OUT.img ROOTDIR [BOOT_MIB] [ROOT_MIB] [LABEL]
# A disk image with Raspberry Pi OS's layout, built without mounting:
# MBR (sfdisk), partition 1 FAT32 "bootfs" (type c, from sector 8192, mkfs.vfat
# --offset + mcopy) with config.txt and cmdline.txt, partition 2 ext4 "rootfs"
# (type 83, mkfs.ext4 -d ROOTDIR -E offset=). LABEL (default dos) = gpt makes
# the same on a GPT label, for the "wrong layout" case.
set -euo pipefail
OUT=${1:?usage: mk_rpi_image.sh OUT.img ROOTDIR [BOOT_MIB] [ROOT_MIB] [LABEL]}
ROOTDIR=${2:?root dir}
BOOT_MIB=${3:-64} ROOT_MIB=${4:-64} LABEL=${5:-dos}
export MTOOLS_SKIP_CHECK=1
B_START=8192 B_SIZE=$((BOOT_MIB * 2048))
R_START=$((B_START + B_SIZE)) R_SIZE=$((ROOT_MIB * 2048))
rm -f "$OUT"
truncate -s $(((R_START + R_SIZE + 2048) * 512)) "$OUT"
if [ "$LABEL" = gpt ]; then
  printf 'label: gpt\nstart=%d, size=%d, type=EBD0A0A2-B9E5-4433-87C0-68B6B72699C7\nstart=%d, size=%d, type=0FC63DAF-8483-4772-8E79-3D69D8477DE4\n' \
    $B_START $B_SIZE $R_START $R_SIZE | sfdisk -q "$OUT"
else
  printf 'label: dos\nstart=%d, size=%d, type=c\nstart=%d, size=%d, type=83\n' $B_START $B_SIZE $R_START $R_SIZE |
    sfdisk -q "$OUT"
fi
mkfs.vfat -F 32 -s 1 -n bootfs --offset $B_START "$OUT" $((B_SIZE / 2)) > /dev/null
T=$(mktemp -d); trap 'rm -rf "$T"' EXIT
echo "arm_64bit=1" > "$T/config.txt"
echo "console=serial0,115200 root=PARTUUID=00000000-02 rootfstype=ext4 fsck.repair=yes rootwait" > "$T/cmdline.txt"
mcopy -i "$OUT@@$((B_START * 512))" "$T/config.txt" "$T/cmdline.txt" ::
mkfs.ext4 -q -F -L rootfs -E offset=$((R_START * 512)) -d "$ROOTDIR" "$OUT" $((R_SIZE / 2))k
