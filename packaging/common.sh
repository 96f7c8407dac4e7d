# shellcheck shell=bash disable=SC2034
# Shared by packaging/deb/build and packaging/rpm/build (sourced, not run).
# Publishes labd (self-contained) and labctl (Native AOT) once into artifacts/publish/<rid>,
# and stages the file tree both packages install.
#
# Environment: ARCH=amd64|x86_64|arm64|aarch64 (default: this machine), SKIP_PUBLISH=1 to
# reuse artifacts/publish/<rid> from an earlier run.

set -euo pipefail

REPO=$(git -C "$(dirname "${BASH_SOURCE[0]}")" rev-parse --show-toplevel)
ARTIFACTS=$REPO/artifacts
VERSION=$(sed -n 's:.*<Version>\(.*\)</Version>.*:\1:p' "$REPO/Directory.Build.props" | head -1)
[[ -n $VERSION ]] || { echo "packaging: no <Version> in Directory.Build.props" >&2; exit 1; }

case ${ARCH:-$(uname -m)} in
    amd64 | x86_64) RID=linux-x64 DEB_ARCH=amd64 RPM_ARCH=x86_64 ;;
    arm64 | aarch64) RID=linux-arm64 DEB_ARCH=arm64 RPM_ARCH=aarch64 ;;
    *) echo "packaging: unsupported ARCH=${ARCH:-$(uname -m)} (amd64 or arm64)" >&2; exit 64 ;;
esac
PUBLISH=$ARTIFACTS/publish/$RID

log() { printf '%s: %s\n' "${0##*/}" "$*" >&2; }
warn() { printf '%s: WARNING: %s\n' "${0##*/}" "$*" >&2; }

publish() {
    if [[ ${SKIP_PUBLISH:-0} == 1 ]]; then
        [[ -x $PUBLISH/labd/labd && -x $PUBLISH/labctl/labctl ]] \
            || { echo "packaging: SKIP_PUBLISH=1 but $PUBLISH has no labd/labctl" >&2; exit 1; }
        log "reusing $PUBLISH (SKIP_PUBLISH=1)"
        return
    fi
    # A cross-arch Native AOT publish needs a cross toolchain and sysroot; say so instead
    # of failing deep inside the ILCompiler.
    local host_rid=linux-x64
    [[ $(uname -m) == aarch64 ]] && host_rid=linux-arm64
    [[ $RID == "$host_rid" ]] || warn "cross-publishing $RID: Native AOT labctl needs a $RID cross toolchain (clang + sysroot)"
    log "dotnet publish labd ($RID, self-contained)"
    rm -rf "$PUBLISH"
    dotnet publish "$REPO/src/labd/labd.csproj" -c Release -r "$RID" --self-contained \
        -p:DebugType=none -o "$PUBLISH/labd" >&2
    log "dotnet publish labctl ($RID, Native AOT)"
    dotnet publish "$REPO/src/labctl/labctl.csproj" -c Release -r "$RID" \
        -o "$PUBLISH/labctl" >&2
}

# roff page from a program's --help output (help2man wants --version and exit 0, which
# labd does not offer, so the page is written here).
manpage() { # NAME SECTION SUMMARY HELPTEXT
    local name=$1 sec=$2 summary=$3 help=$4 date
    date=$(date -u -d "@${SOURCE_DATE_EPOCH:-$(git -C "$REPO" log -1 --format=%ct)}" +%Y-%m-%d)
    printf '.TH %s %s "%s" "labd %s" "labd"\n' "${name^^}" "$sec" "$date" "$VERSION"
    printf '.SH NAME\n%s \\- %s\n' "$name" "$summary"
    printf '.SH SYNOPSIS\n.nf\n'
    printf '%s\n' "$help" | sed -e 's/\\/\\e/g' -e 's/^\./\\\&./' -e 's/^'"'"'/\\\&'"'"'/'
    printf '.fi\n.SH SEE ALSO\n'
    if [[ $name == labd ]]; then printf 'labctl(1), systemctl(1), journalctl(1)\n'; else printf 'labd(8)\n'; fi
    printf '.PP\n/usr/share/doc/labd/README.md\n'
}

# stage_tree ROOT UNITDIR: the installed file tree, shared by both formats.
stage_tree() {
    local root=$1 unitdir=$2 lib=$1/usr/lib/labd
    install -d "$lib" "$root/usr/sbin" "$root/usr/bin" "$root/$unitdir" \
        "$root/etc/labd/policies" "$root/usr/share/doc/labd" \
        "$root/usr/share/man/man1" "$root/usr/share/man/man8" \
        "$root/usr/share/bash-completion/completions"
    # labd: the self-contained publish, minus debug symbols, XML docs and the LTTng trace
    # provider (optional; it would pull in liblttng-ust).
    (cd "$PUBLISH/labd" && find . -type f ! -name '*.pdb' ! -name '*.xml' ! -name '*.dbg' \
        ! -name libcoreclrtraceptprovider.so -print0 | sort -z) \
        | while IFS= read -r -d '' f; do
            case $f in
                ./labd | ./createdump) install -m 0755 "$PUBLISH/labd/$f" "$lib/$f" ;;
                *.so) install -m 0644 "$PUBLISH/labd/$f" "$lib/$f" ;;
                *) install -m 0644 "$PUBLISH/labd/$f" "$lib/$f" ;;
            esac
        done
    install -m 0755 "$PUBLISH/labctl/labctl" "$lib/labctl"
    # NuGet's native SQLite ships with symbols; the runtime's own libraries are stripped.
    if [[ $RID == linux-x64 && $(uname -m) == x86_64 ]] || [[ $RID == linux-arm64 && $(uname -m) == aarch64 ]]; then
        find "$lib" -name '*.so' -exec strip --strip-unneeded {} +
    fi
    ln -s ../lib/labd/labd "$root/usr/sbin/labd"
    ln -s ../lib/labd/labctl "$root/usr/bin/labctl"

    install -m 0644 "$REPO"/packaging/systemd/labd.{service,socket,slice} "$root/$unitdir/"
    install -m 0644 "$REPO/packaging/etc/labd.yaml" "$root/etc/labd/labd.yaml"
    local n=0 p
    shopt -s nullglob
    for p in "$REPO"/policies/*.yaml; do install -m 0644 "$p" "$root/etc/labd/policies/"; n=$((n + 1)); done
    shopt -u nullglob
    [[ $n -gt 0 ]] || warn "policies/ has no *.yaml: shipping an empty /etc/labd/policies"
    log "policies shipped: $n"

    install -m 0644 "$REPO/README.md" "$root/usr/share/doc/labd/README.md"
    # The reference `labctl --help` points to (docs/cli.md and the rest).
    install -m 0644 "$REPO"/docs/*.md "$root/usr/share/doc/labd/"

    # Host-runnable only when building for this machine's architecture.
    local help_labd help_labctl completion
    help_labd=$("$PUBLISH/labd/labd" --help 2>&1 || true)
    [[ $help_labd == *usage:* ]] || help_labd="labd [--foreground] [--config PATH] [--state-dir DIR] [--socket PATH]"
    help_labd=$(printf '%s\n' "$help_labd" | grep -v "unknown argument")
    help_labctl=$("$PUBLISH/labctl/labctl" --help 2>&1 || true)
    if [[ -z $help_labctl ]]; then
        warn "labctl --help printed nothing (stub CLI?): man page says so"
        help_labctl="labctl COMMAND [OPTIONS]   (run labctl --help for the commands)"
    fi
    manpage labd 8 "sandboxed coding-agent research daemon" "$help_labd" | gzip -9n >"$root/usr/share/man/man8/labd.8.gz"
    manpage labctl 1 "command-line client for labd" "$help_labctl" | gzip -9n >"$root/usr/share/man/man1/labctl.1.gz"

    if completion=$("$PUBLISH/labctl/labctl" completion bash 2>/dev/null) && [[ $completion == *complete* ]]; then
        printf '%s\n' "$completion" >"$root/usr/share/bash-completion/completions/labctl"
        chmod 0644 "$root/usr/share/bash-completion/completions/labctl"
    else
        warn "labctl has no 'completion bash' command yet: shipping no bash completion"
        rmdir "$root/usr/share/bash-completion/completions" "$root/usr/share/bash-completion"
    fi
}

# The account snippet shared by the maintainer scripts (replaces #ACCOUNTS#).
accounts_snippet() { cat "$REPO/packaging/accounts.sh"; }
