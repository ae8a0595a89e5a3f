# Sourced by .ci/run and .ci/start: puts a Node.js Porch supports first on PATH.
#
# Porch supports Node.js 22 (>= 22.12) and 24 (package.json `engines`). When the node on PATH is
# not one (Debian's is 20), Node 24 comes from the npm registry's node-linux-<arch> package (the
# binary the `node` package installs) into .ci/node, inside the clone, and goes first on PATH.
# Debian's npm runs on it; npm_config_nodedir points node-gyp at its headers, should any package
# build from source (none does: better-sqlite3 ships Node-API binaries, and allowScripts leaves
# its implicit node-gyp build unrun). About 40 s on this machine from a Node-20-only clone to
# installed packages (2026-12-07), 5–12 s of it the download.
#
# PORCH_NODE_MAJOR=24 (what CI sets) asks for exactly that major, not any supported one. The
# fetched version is pinned, so a CI run tests what the last one did; raise it on purpose (24.22
# changed how fetch reports a connection cut together with its last bytes: see the fake provider).
PORCH_FETCHED_NODE_MAJOR=24
PORCH_FETCHED_NODE_VERSION=24.22.3
porch_node_fits() {
  node -e '
    const [major, minor] = process.versions.node.split(".").map(Number)
    const wanted = process.env.PORCH_NODE_MAJOR
    const fits = wanted ? major === Number(wanted) : (major === 22 && minor >= 12) || major >= 24
    process.exit(fits ? 0 : 1)
  ' 2>/dev/null
}
if ! porch_node_fits; then
  case "$(uname -m)" in
    x86_64) porch_arch=x64 ;;
    aarch64) porch_arch=arm64 ;;
    *) echo "no Node.js $PORCH_FETCHED_NODE_MAJOR package for $(uname -m): install Node.js 22 or 24" >&2; exit 1 ;;
  esac
  porch_node_dir=.ci/node/node_modules/node-linux-$porch_arch
  if [ "$("$porch_node_dir/bin/node" --version 2>/dev/null)" != "v$PORCH_FETCHED_NODE_VERSION" ]; then
    echo "Fetching Node.js $PORCH_FETCHED_NODE_VERSION from the npm registry into .ci/node (the node on PATH is not 22 or 24)" >&2
    npm install --prefix .ci/node --no-save --no-package-lock --no-audit --no-fund "node-linux-$porch_arch@$PORCH_FETCHED_NODE_VERSION"
  fi
  PATH="$PWD/$porch_node_dir/bin:$PATH"
  export npm_config_nodedir="$PWD/$porch_node_dir"
fi
