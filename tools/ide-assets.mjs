// Copies the GraphiQL explorer's browser bundles from node_modules into Django's static tree.
// Run by `npm ci` (postinstall); the copies are build output, kept out of git.
// The UMD builds need no bundler: React and ReactDOM become globals that GraphiQL's bundle uses.
// package.json's "overrides" lets graphiql-explorer (inside the explorer plugin, which declares
// graphql <= 15) share graphql 16: the plugin's bundle uses the graphql that GraphiQL's bundle carries.
import { copyFileSync, mkdirSync, rmSync } from "node:fs";
import { dirname, join } from "node:path";
import { fileURLToPath } from "node:url";

const root = join(dirname(fileURLToPath(import.meta.url)), "..");
const target = join(root, "gqlauth", "static", "gqlauth", "vendor");

const assets = {
  "react.production.min.js": "react/umd/react.production.min.js",
  "react-dom.production.min.js": "react-dom/umd/react-dom.production.min.js",
  "graphiql.min.js": "graphiql/graphiql.min.js",
  "graphiql.min.css": "graphiql/graphiql.min.css",
  "plugin-explorer.umd.js": "@graphiql/plugin-explorer/dist/index.umd.js",
  "plugin-explorer.css": "@graphiql/plugin-explorer/dist/style.css",
};

rmSync(target, { recursive: true, force: true });
mkdirSync(target, { recursive: true });
for (const [name, source] of Object.entries(assets)) {
  copyFileSync(join(root, "node_modules", source), join(target, name));
}
console.log(`ide-assets: copied ${Object.keys(assets).length} files to ${target}`);
