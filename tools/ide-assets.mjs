// Copies the GraphiQL explorer's browser bundles from node_modules into Django's static tree.
// Run by `npm ci` (postinstall); the copies are build output, kept out of git.
// The UMD builds need no bundler: React and ReactDOM become globals that GraphiQL's bundle uses.
// package.json's "overrides" lets graphiql-explorer (inside the explorer plugin, which declares
// graphql <= 15) share graphql 16: the plugin's bundle uses the graphql that GraphiQL's bundle carries.
//
// Beside the bundles it writes assets.json: each file's npm package, version and license, and the
// SHA-256 of the package-lock.json they came from. setup.py compares that digest with the lock file
// to tell whether the copies are current before it packages them (a wheel or sdist needs no Node
// when they are).
import { createHash } from "node:crypto";
import { copyFileSync, mkdirSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { dirname, join } from "node:path";
import { fileURLToPath } from "node:url";

const root = join(dirname(fileURLToPath(import.meta.url)), "..");
const target = join(root, "gqlauth", "static", "gqlauth", "vendor");

// file name in vendor/ -> [npm package, path inside the package]
const assets = {
  "react.production.min.js": ["react", "umd/react.production.min.js"],
  "react-dom.production.min.js": ["react-dom", "umd/react-dom.production.min.js"],
  "graphiql.min.js": ["graphiql", "graphiql.min.js"],
  "graphiql.min.css": ["graphiql", "graphiql.min.css"],
  "plugin-explorer.umd.js": ["@graphiql/plugin-explorer", "dist/index.umd.js"],
  "plugin-explorer.css": ["@graphiql/plugin-explorer", "dist/style.css"],
};

const lock = readFileSync(join(root, "package-lock.json"));
const manifest = {
  lockfile_sha256: createHash("sha256").update(lock).digest("hex"),
  files: {},
};

rmSync(target, { recursive: true, force: true });
mkdirSync(target, { recursive: true });
for (const [name, [pkg, path]] of Object.entries(assets)) {
  const dir = join(root, "node_modules", pkg);
  const { version, license } = JSON.parse(readFileSync(join(dir, "package.json"), "utf8"));
  copyFileSync(join(dir, path), join(target, name));
  manifest.files[name] = { package: pkg, version, license };
}
writeFileSync(join(target, "assets.json"), JSON.stringify(manifest, null, 2) + "\n");
console.log(`ide-assets: copied ${Object.keys(assets).length} files to ${target}`);
