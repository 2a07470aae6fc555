#!/usr/bin/env bash
# Makes a single-layer image archive (docker-archive format, what `ctr images import` and
# `podman load` read) from a folder, without a registry or an image builder.
#
# Usage: bash test/cluster/image-tar.sh DIR NAME:TAG OUT.tar [ENTRYPOINT_JSON] [USER]
#   DIR              the root filesystem (its contents become the one layer)
#   ENTRYPOINT_JSON  e.g. '["/pause"]' (default: none)
#   USER             e.g. 65532 (default: unset, i.e. root unless the pod says otherwise)
# Deterministic: same folder, same archive (sorted, mtime 0, owner 0:0).
set -euo pipefail

[[ $# -ge 3 ]] || { sed -n '2,10p' "${BASH_SOURCE[0]}" | sed 's/^# \{0,1\}//' >&2; exit 2; }
dir="$1" ref="$2" out="$3" entrypoint="${4:-null}" user="${5:-}"
[[ -d "$dir" ]] || { echo "image-tar.sh: $dir is not a folder" >&2; exit 2; }
[[ "$ref" == *:* ]] || { echo "image-tar.sh: $ref has no tag (NAME:TAG)" >&2; exit 2; }

work="$(mktemp -d)"
trap 'rm -rf "$work"' EXIT
tar --sort=name --mtime=@0 --owner=0 --group=0 --numeric-owner --format=posix \
  --pax-option=exthdr.name=%d/PaxHeaders/%f,delete=atime,delete=ctime \
  -C "$dir" -cf "$work/layer.tar" .
diff_id="sha256:$(sha256sum "$work/layer.tar" | cut -d' ' -f1)"
printf '{"architecture":"amd64","os":"linux","config":{"Env":["PATH=/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin"],"Entrypoint":%s,"User":"%s","WorkingDir":"/"},"rootfs":{"type":"layers","diff_ids":["%s"]},"history":[{"created":"1970-01-01T00:00:00Z","created_by":"test/cluster/image-tar.sh"}]}' \
  "$entrypoint" "$user" "$diff_id" >"$work/config.json"
config_name="$(sha256sum "$work/config.json" | cut -d' ' -f1).json"
mv "$work/config.json" "$work/$config_name"
printf '[{"Config":"%s","RepoTags":["%s"],"Layers":["layer.tar"]}]' "$config_name" "$ref" >"$work/manifest.json"
tar --sort=name --mtime=@0 --owner=0 --group=0 --numeric-owner -C "$work" -cf "$out.tmp" manifest.json "$config_name" layer.tar
mv "$out.tmp" "$out"
