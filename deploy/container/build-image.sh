#!/bin/bash
# SPDX-License-Identifier: GPL-2.0-only OR BSD-2-Clause
# Builds the portsense image from this tree with podman, offline: FROM
# scratch, so no base image is pulled; everything comes from the build and
# the host's Debian packages (rootfs.sh).
#   deploy/container/build-image.sh [TAG]     (default localhost/portsense:VERSION)
# PODMAN_OPTS: podman's global options (e.g. --root DIR --storage-driver vfs).
# Afterwards: podman save TAG | ctr -n k8s.io images import - (docs/deploy.md).
set -eu
ROOT=$(cd "$(dirname "$0")/../.." && pwd)
cd "$ROOT"
ctx=${IMAGE_DIR:-$ROOT/build/image}
rm -rf "$ctx"
mkdir -p "$ctx"
linkage=$(deploy/container/rootfs.sh "$ctx/rootfs")
cp deploy/container/Containerfile "$ctx/"
version=$(build/portsense --version | awk '{print $2}')
tag=${1:-localhost/portsense:$version}
# shellcheck disable=SC2086 # PODMAN_OPTS is a list of options
podman ${PODMAN_OPTS:-} build --network none --build-arg VERSION="$version" \
	--label org.opencontainers.image.revision="$(git rev-parse --short HEAD 2>/dev/null || echo unknown)" \
	-t "$tag" "$ctx" >&2
echo "build-image: $tag ($linkage binary, $(du -sh "$ctx/rootfs" | cut -f1))"
