# Sourced by scripts/install and scripts/test.
# ensure_packages PKG...: installs with apt-get whichever of PKG are not installed yet, running
# apt-get update only when a first attempt fails (a fresh machine's package lists may be stale).
ensure_packages() {
  local p missing=()
  for p in "$@"; do
    dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q "install ok installed" || missing+=("$p")
  done
  if [ ${#missing[@]} -eq 0 ]; then
    echo "ok: all $# packages present"
    return 0
  fi
  if [ "$(id -u)" != 0 ]; then
    echo "missing packages ${missing[*]}; run as root or install them" >&2
    return 1
  fi
  echo "installing: ${missing[*]}"
  DEBIAN_FRONTEND=noninteractive apt-get install -y -q "${missing[@]}" </dev/null && return 0
  DEBIAN_FRONTEND=noninteractive apt-get update -q </dev/null &&
    DEBIAN_FRONTEND=noninteractive apt-get install -y -q "${missing[@]}" </dev/null && return 0
  echo "apt-get could not install ${missing[*]}" >&2
  return 1
}

# ensure_agent_clis: Node.js and npm (Debian's, unless a node and npm are already installed), then
# the agent CLIs labd's default kinds run, installed globally from the npm registry. For each,
# the newest version whose engines.node the installed node satisfies: @anthropic-ai/claude-code
# needs node >=22 from 2.1.198 on, so Debian 12's node 18 (and node 20) get 2.1.197.
# LABD_CLAUDE_CODE_VERSION / LABD_CODEX_VERSION pin a version instead. Idempotent: a CLI
# already at that version is left alone. Fails when npm cannot install or a CLI does not run.
agent_cli_packages=("@anthropic-ai/claude-code:claude:${LABD_CLAUDE_CODE_VERSION:-}" "@openai/codex:codex:${LABD_CODEX_VERSION:-}")

ensure_agent_clis() {
  if ! command -v node >/dev/null || ! command -v npm >/dev/null; then
    ensure_packages nodejs npm || return 1
  fi
  local npm=(npm --loglevel=error --no-fund --no-audit --no-update-notifier)
  local entry pkg bin want have
  for entry in "${agent_cli_packages[@]}"; do
    IFS=: read -r pkg bin want <<<"$entry"
    have=$(npm_global_version "$pkg")
    if [ -z "$want" ]; then
      if ! want=$("${npm[@]}" view "$pkg@>=0" version engines --json </dev/null | npm_newest_for_node); then
        if [ -n "$have" ]; then
          echo "warning: cannot ask the npm registry for $pkg; keeping the installed $pkg@$have" >&2
          want=$have
        else
          echo "npm cannot resolve $pkg (registry $("${npm[@]}" config get registry)) for node $(node --version)" >&2
          return 1
        fi
      fi
    fi
    if [ "$have" != "$want" ]; then
      echo "installing: $pkg@$want (node $(node --version))"
      "${npm[@]}" install -g "$pkg@$want" </dev/null >/dev/null || { echo "npm could not install $pkg@$want" >&2; return 1; }
    fi
    have=$("$bin" --version </dev/null 2>&1) || { echo "$bin --version failed after installing $pkg@$want: $have" >&2; return 1; }
    echo "ok: $pkg@$want ($bin --version: $have)"
  done
}

# npm_global_version PKG: the globally installed version of PKG, or nothing.
npm_global_version() {
  npm --loglevel=error ls -g --depth=0 --json "$1" </dev/null 2>/dev/null |
    node -e 'let s="";process.stdin.on("data",d=>s+=d).on("end",()=>{try{const d=JSON.parse(s).dependencies||{};const p=d[process.argv[1]];if(p&&p.version)console.log(p.version)}catch{}})' "$1"
}

# npm_newest_for_node: reads `npm view PKG version engines --json` on stdin, prints the newest
# version whose engines.node the running node satisfies (npm's own semver when it can be found).
npm_newest_for_node() {
  node -e '
const path = require("path"), { execSync } = require("child_process");
let semver;
// npm'"'"'s own copy (nodesource, npm from npm), Debian'"'"'s node-semver (which Debian'"'"'s npm uses), any other.
for (const where of [path.join(execSync("npm root -g --loglevel=error").toString().trim(), "npm", "node_modules", "semver"), "/usr/share/nodejs/semver", "semver"]) {
  try { semver = require(where); break; } catch {}
}
// Without npm semver: ranges made of >=, >, <=, <, = comparators and ||; anything else does not match.
const cmp = (a, b) => { for (let i = 0; i < 3; i++) if (a[i] !== b[i]) return a[i] - b[i]; return 0; };
const parse = v => { const m = /^v?(\d+)(?:\.(\d+))?(?:\.(\d+))?$/.exec(v); return m && [+m[1], +(m[2] || 0), +(m[3] || 0)]; };
const ok = (v, range) => semver ? semver.satisfies(v, range) : range.split("||").some(set => set.trim().split(/\s+/).every(c => {
  const m = /^(>=|<=|>|<|=)?(.+)$/.exec(c), w = parse(m[2]), x = parse(v); if (!w || !x) return false;
  const d = cmp(x, w); return { ">=": d >= 0, "<=": d <= 0, ">": d > 0, "<": d < 0, "=": d === 0, undefined: d === 0 }[m[1]];
}));
const newer = (a, b) => semver ? semver.gt(a, b) : cmp(parse(a) || [0, 0, 0], parse(b) || [0, 0, 0]) > 0;
let s = "";
process.stdin.on("data", d => s += d).on("end", () => {
  let list = JSON.parse(s); if (!Array.isArray(list)) list = [list];
  let best = null;
  for (const e of list) {
    const range = e.engines && e.engines.node;
    if (typeof e.version !== "string" || (range && !ok(process.versions.node, range))) continue;
    if (!best || newer(e.version, best)) best = e.version;
  }
  if (!best) process.exit(1);
  console.log(best);
});'
}
