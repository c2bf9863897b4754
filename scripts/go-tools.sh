#!/usr/bin/env bash
# Builds (once) and caches the Go CLI tools used to check the Kubernetes deployment offline.
#
#   scripts/go-tools.sh [tool...]   build what is missing, print the path of each binary
#                                   (no tool named = all: helm helmfile kn kubeconform)
#   scripts/go-tools.sh --path      build all, print a PATH-ready dir of symlinks ($CACHE/tools-bin)
#                                   e.g.  PATH="$(scripts/go-tools.sh --path):$PATH"
#   scripts/go-tools.sh --list      print tool, version and whether it is cached; builds nothing
#
# Binaries: ${MICRORIDE_CACHE:-~/.cache/microride}/bin/<tool>-<version>. Versions are pinned below
# (override with HELM_VERSION, HELMFILE_VERSION, KN_VERSION, KN_PKG_VERSION, KUBECONFORM_VERSION)
# so CI builds the same thing every time and a cached binary never needs the network.
#
# Method, same for every tool: take the module source from the Go module proxy
# (`go mod download -json` -> Dir), copy it to a temp dir, `go build` the command there with
# CGO_ENABLED=0, `-p 1` (the machine has 2 shared cores; override with MICRORIDE_GO_P) and the
# version ldflags the project's own Makefile would set. Building inside the module (rather than
# `go install pkg@version`) is required for helmfile and kn, whose go.mod files carry `replace`
# directives that `go install pkg@version` refuses.
#
# kn: releases of knative.dev/client from v0.41 on keep their library in a nested module
# (`replace knative.dev/client/pkg => ./pkg`); a nested module is not part of the parent's module
# zip, so the replace must point at a published knative.dev/client/pkg version instead. The module
# proxy here serves no tagged knative.dev/client/pkg and no pseudo-version for v0.46+ release
# commits, but does serve the main-branch commit of 2025-04-24 (the day after v0.45.0, Knative 1.18),
# so kn is v0.45.0 built against that knative.dev/client/pkg.
set -euo pipefail

HELM_VERSION=${HELM_VERSION:-v3.22.0}
HELMFILE_VERSION=${HELMFILE_VERSION:-v1.8.0}
KN_VERSION=${KN_VERSION:-v0.45.0}
KN_PKG_VERSION=${KN_PKG_VERSION:-v0.0.0-20250424014425-1e24794f765f}
KUBECONFORM_VERSION=${KUBECONFORM_VERSION:-v0.8.0}
ALL_TOOLS=(helm helmfile kn kubeconform)

CACHE=${MICRORIDE_CACHE:-$HOME/.cache/microride}
BIN_DIR=$CACHE/bin
LINK_DIR=$CACHE/tools-bin
GO_P=${MICRORIDE_GO_P:-1}
BUILD_TMP=

log() { printf '[go-tools] %s\n' "$*" >&2; }
die() { printf '[go-tools] ERROR: %s\n' "$*" >&2; exit 1; }
cleanup() { [[ -n $BUILD_TMP ]] && { chmod -R u+w "$BUILD_TMP" 2>/dev/null; rm -rf "$BUILD_TMP"; }; return 0; }

find_go() {
  if command -v go >/dev/null 2>&1; then command -v go
  elif [[ -x /usr/local/go/bin/go ]]; then echo /usr/local/go/bin/go
  else die "Go toolchain not found (need go on PATH or at /usr/local/go/bin/go)"
  fi
}

tool_version() {
  case $1 in
    helm) echo "$HELM_VERSION" ;;
    helmfile) echo "$HELMFILE_VERSION" ;;
    kn) echo "$KN_VERSION" ;;
    kubeconform) echo "$KUBECONFORM_VERSION" ;;
    *) die "unknown tool '$1' (known: ${ALL_TOOLS[*]})" ;;
  esac
}

tool_path() { echo "$BIN_DIR/$1-$(tool_version "$1")"; }

# Command that proves a built binary runs; its output is logged.
tool_smoke() {
  case $1 in
    helm) "$2" version --short ;;
    helmfile) "$2" --version ;;
    kn) "$2" version ;;
    kubeconform) "$2" -v ;;
  esac
}

# Downloads module@version, copies its source to $BUILD_TMP/src, echoes the commit hash.
fetch_source() {
  local go=$1 mv=$2 json src
  json=$(cd "$BUILD_TMP" && "$go" mod download -json "$mv") || die "go mod download $mv failed: $json"
  src=$(printf '%s\n' "$json" | sed -n 's/^[[:space:]]*"Dir": "\(.*\)",\{0,1\}$/\1/p' | head -n1)
  [[ -n $src && -d $src ]] || die "no module source dir for $mv in: $json"
  cp -R "$src" "$BUILD_TMP/src"
  chmod -R u+w "$BUILD_TMP/src"
  printf '%s\n' "$json" | sed -n 's/^[[:space:]]*"Hash": "\([0-9a-f]*\)",\{0,1\}$/\1/p' | head -n1
}

build_tool() {
  local tool=$1 version bin go commit pkg ldflags t0 out
  version=$(tool_version "$tool")
  bin=$(tool_path "$tool")
  if [[ -x $bin ]]; then echo "$bin"; return; fi
  go=$(find_go)
  mkdir -p "$BIN_DIR"
  if command -v flock >/dev/null 2>&1; then
    exec 9>"$BIN_DIR/.$tool-$version.lock"
    flock 9
    if [[ -x $bin ]]; then echo "$bin"; exec 9>&-; return; fi
  fi
  t0=$SECONDS
  BUILD_TMP=$(mktemp -d "${TMPDIR:-/tmp}/go-tools-$tool.XXXXXX")
  trap cleanup EXIT # build_tool runs in a $(...) subshell: the trap must be set here
  log "building $tool $version with $("$go" version | cut -d' ' -f3), -p $GO_P (can take several minutes)..."
  case $tool in
    helm)
      commit=$(fetch_source "$go" "helm.sh/helm/v3@$version")
      pkg=./cmd/helm
      # As helm's Makefile: version, commit, and the default Kubernetes version for
      # `helm template`/lint (.Capabilities.KubeVersion) derived from the client-go it is built with.
      local kv kmaj kmin
      kv=$(sed -n 's/^[[:space:]]*k8s.io\/client-go v0\.\([0-9]*\)\..*/\1/p' "$BUILD_TMP/src/go.mod" | head -n1)
      kmaj=1 kmin=${kv:-20}
      ldflags="-X helm.sh/helm/v3/internal/version.version=$version -X helm.sh/helm/v3/internal/version.metadata="
      ldflags+=" -X helm.sh/helm/v3/internal/version.gitCommit=$commit -X helm.sh/helm/v3/internal/version.gitTreeState=clean"
      ldflags+=" -X helm.sh/helm/v3/pkg/lint/rules.k8sVersionMajor=$kmaj -X helm.sh/helm/v3/pkg/lint/rules.k8sVersionMinor=$kmin"
      ldflags+=" -X helm.sh/helm/v3/pkg/chartutil.k8sVersionMajor=$kmaj -X helm.sh/helm/v3/pkg/chartutil.k8sVersionMinor=$kmin"
      ;;
    helmfile)
      commit=$(fetch_source "$go" "github.com/helmfile/helmfile@$version")
      pkg=.
      ldflags="-X go.szostok.io/version.version=$version -X go.szostok.io/version.commit=${commit:0:7} -X go.szostok.io/version.dirtyBuild=false"
      ;;
    kn)
      commit=$(fetch_source "$go" "knative.dev/client@$version")
      pkg=./cmd/kn
      if grep -q '^replace knative.dev/client/pkg => ./pkg' "$BUILD_TMP/src/go.mod" && [[ ! -f $BUILD_TMP/src/pkg/go.mod ]]; then
        log "kn: nested module knative.dev/client/pkg is not in the module zip; using knative.dev/client/pkg@$KN_PKG_VERSION"
        (cd "$BUILD_TMP/src" && GOWORK=off "$go" mod edit -dropreplace=knative.dev/client/pkg \
          -require="knative.dev/client/pkg@$KN_PKG_VERSION")
      fi
      ldflags="-X knative.dev/client/pkg/commands/version.Version=$version -X knative.dev/client/pkg/commands/version.GitRevision=${commit:0:12}"
      ldflags+=" -X knative.dev/client/pkg/commands/version.BuildDate=$(date -u +%Y-%m-%dT%H:%M:%SZ)"
      ;;
    kubeconform)
      commit=$(fetch_source "$go" "github.com/yannh/kubeconform@$version")
      pkg=./cmd/kubeconform
      ldflags="-X main.version=$version"
      ;;
  esac
  log "compiling $tool ($pkg)..."
  # GOTOOLCHAIN=local: never download another toolchain. -mod=mod: lets kn's edited go.mod
  # resolve and record its new requirements (a no-op for the other tools).
  # GOWORK=off: knative.dev/client ships a go.work (for its nested modules) that would otherwise apply.
  (cd "$BUILD_TMP/src" && CGO_ENABLED=0 GOTOOLCHAIN=local GOWORK=off GOFLAGS=-mod=mod \
    "$go" build -p "$GO_P" -buildvcs=false -trimpath -ldflags="-s -w $ldflags" -o "$BUILD_TMP/$tool" "$pkg") \
    || die "go build of $tool $version failed (see the compiler output above)"
  out=$(tool_smoke "$tool" "$BUILD_TMP/$tool" 2>&1) || die "built $tool does not run: $out"
  log "$tool says: $(printf '%s' "$out" | tr '\n' ' ' | cut -c1-160)"
  mv -f "$BUILD_TMP/$tool" "$bin"
  cleanup
  BUILD_TMP=
  log "built $bin in $((SECONDS - t0)) s ($(du -h "$bin" | cut -f1))"
  echo "$bin"
}

link_tool() {
  mkdir -p "$LINK_DIR"
  ln -sfn "$1" "$LINK_DIR/$2"
}

case ${1:-} in
  -h | --help)
    sed -n '2,12p' "$0" | sed 's/^# \{0,1\}//' >&2
    ;;
  --list)
    for t in "${ALL_TOOLS[@]}"; do
      p=$(tool_path "$t")
      if [[ -x $p ]]; then echo "$t $(tool_version "$t") $p"; else echo "$t $(tool_version "$t") (not built)"; fi
    done
    ;;
  --path)
    for t in "${ALL_TOOLS[@]}"; do link_tool "$(build_tool "$t")" "$t"; done
    echo "$LINK_DIR"
    ;;
  *)
    tools=("$@")
    [[ ${#tools[@]} -gt 0 ]] || tools=("${ALL_TOOLS[@]}")
    for t in "${tools[@]}"; do tool_version "$t" >/dev/null; done # validate names before building
    for t in "${tools[@]}"; do
      p=$(build_tool "$t")
      link_tool "$p" "$t"
      echo "$p"
    done
    ;;
esac
