#!/usr/bin/env bash
# Writes a single-layer image made from a folder into the real test node's registry folder
# (served by registry.mjs), as NAME:TAG. No registry daemon or image builder needed.
#
# Usage: bash test/cluster/oci-image.sh ROOTFS NAME:TAG REGISTRY_DIR [ENTRYPOINT_JSON] [USER]
#   e.g. oci-image.sh ./root slipway.test/app:1 "$dir" '["/bin/sh","-c","exec httpd -f"]' 10001
# Prints the manifest digest. Deterministic: same folder and arguments, same digest.
set -euo pipefail

[[ $# -ge 3 ]] || { sed -n '2,8p' "${BASH_SOURCE[0]}" | sed 's/^# \{0,1\}//' >&2; exit 2; }
rootfs="$1" ref="$2" reg="$3" entrypoint="${4:-null}" user="${5:-}"
[[ -d "$rootfs" ]] || { echo "oci-image.sh: $rootfs is not a folder" >&2; exit 2; }
[[ "$ref" =~ ^([a-z0-9.-]+/[a-z0-9._/-]+):([A-Za-z0-9_][A-Za-z0-9_.-]*)$ ]] || { echo "oci-image.sh: $ref is not REGISTRY/NAME:TAG" >&2; exit 2; }
host_name="${BASH_REMATCH[1]}" tag="${BASH_REMATCH[2]}"
name="${host_name#*/}"

mkdir -p "$reg/blobs/sha256" "$reg/tags"
work="$(mktemp -d "$reg/.tmp-XXXXXX")"
trap 'rm -rf "$work"' EXIT
# put FILE: stores FILE as a blob and prints "sha256:<hex> <size>".
put() {
  local hex size
  hex="$(sha256sum "$1" | cut -d' ' -f1)"
  size="$(stat -c %s "$1")"
  mv "$1" "$reg/blobs/sha256/$hex"
  echo "sha256:$hex $size"
}
tar --sort=name --mtime=@0 --owner=0 --group=0 --numeric-owner --format=posix \
  --pax-option=exthdr.name=%d/PaxHeaders/%f,delete=atime,delete=ctime -C "$rootfs" -cf "$work/layer" .
read -r layer_digest layer_size < <(put "$work/layer")
printf '{"architecture":"amd64","os":"linux","config":{"Env":["PATH=/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin"],"Entrypoint":%s,"User":"%s","WorkingDir":"/"},"rootfs":{"type":"layers","diff_ids":["%s"]}}' \
  "$entrypoint" "$user" "$layer_digest" >"$work/config"
read -r config_digest config_size < <(put "$work/config")
printf '{"schemaVersion":2,"mediaType":"application/vnd.oci.image.manifest.v1+json","config":{"mediaType":"application/vnd.oci.image.config.v1+json","digest":"%s","size":%s},"layers":[{"mediaType":"application/vnd.oci.image.layer.v1.tar","digest":"%s","size":%s}]}' \
  "$config_digest" "$config_size" "$layer_digest" "$layer_size" >"$work/manifest"
read -r manifest_digest _ < <(put "$work/manifest")
tagdir="$reg/tags/${name//\//%2F}"
mkdir -p "$tagdir"
printf '%s\n' "$manifest_digest" >"$tagdir/$tag.tmp"
mv "$tagdir/$tag.tmp" "$tagdir/$tag"
echo "$manifest_digest"
