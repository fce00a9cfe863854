#!/usr/bin/env node
// Compose federation subgraphs into the supergraph that Hive Gateway serves, with the gateway's
// own composer (@theguild/federation-composition), so a subgraph the gateway would refuse fails
// here first.
//
// Usage:
//   node gateway/compose.mjs [--out FILE] NAME=URL[@SDL_FILE] ...
//
// Each argument names one subgraph and the URL the gateway sends its queries to. Its SDL is read
// from SDL_FILE ("-" for standard input) when given, otherwise asked of the running subgraph
// itself: `{ _service { sdl } }` POSTed to URL (the federation spec's way to publish it).
// Example, for gqlauth served by `make run`:
//   node gateway/compose.mjs --out gateway/supergraph.graphql gqlauth=http://127.0.0.1:8000/graphql/
//
// Exit status: 0 after writing the supergraph SDL to --out (default: standard output);
// 1 when composition fails, with every composition error on standard error; 2 for bad usage,
// an unreadable file or a subgraph that does not answer with its SDL.
import { readFile, writeFile } from 'node:fs/promises';
import { parse } from 'graphql';
import { composeServices } from '@theguild/federation-composition';

const USAGE = 'usage: node compose.mjs [--out FILE] NAME=URL[@SDL_FILE] ...';
// A subgraph that does not answer within this many milliseconds is reported, not waited for.
const FETCH_TIMEOUT_MS = 20_000;

function fail(message, status = 2) {
  process.stderr.write(`${message}\n`);
  process.exit(status);
}

function parseArguments(argv) {
  let out = null;
  const subgraphs = [];
  for (let i = 0; i < argv.length; i += 1) {
    const argument = argv[i];
    if (argument === '--out') {
      out = argv[(i += 1)];
      if (!out) fail(USAGE);
      continue;
    }
    const match = /^([A-Za-z][A-Za-z0-9_-]*)=([^@]+)(?:@(.+))?$/.exec(argument);
    if (!match) fail(`${USAGE}\nnot NAME=URL[@SDL_FILE]: ${argument}`);
    subgraphs.push({ name: match[1], url: match[2], sdlFile: match[3] ?? null });
  }
  if (subgraphs.length === 0) fail(USAGE);
  return { out, subgraphs };
}

async function readStdin() {
  const chunks = [];
  for await (const chunk of process.stdin) chunks.push(chunk);
  return Buffer.concat(chunks).toString('utf8');
}

// The subgraph's SDL as the federation spec publishes it: Query._service.sdl.
async function fetchSdl(url) {
  let response;
  try {
    response = await fetch(url, {
      method: 'POST',
      headers: { 'content-type': 'application/json', accept: 'application/json' },
      body: JSON.stringify({ query: '{ _service { sdl } }' }),
      signal: AbortSignal.timeout(FETCH_TIMEOUT_MS),
    });
  } catch (error) {
    fail(`${url}: no answer (${error.message})`);
  }
  const text = await response.text();
  let body;
  try {
    body = JSON.parse(text);
  } catch {
    fail(`${url}: HTTP ${response.status}, not JSON: ${text.slice(0, 200)}`);
  }
  const sdl = body?.data?._service?.sdl;
  if (typeof sdl !== 'string') {
    fail(`${url}: HTTP ${response.status}, no _service.sdl in ${text.slice(0, 500)}`);
  }
  return sdl;
}

async function sdlOf({ url, sdlFile }) {
  if (sdlFile === null) return fetchSdl(url);
  try {
    return sdlFile === '-' ? await readStdin() : await readFile(sdlFile, 'utf8');
  } catch (error) {
    return fail(`${sdlFile}: ${error.message}`);
  }
}

const { out, subgraphs } = parseArguments(process.argv.slice(2));
const services = [];
for (const subgraph of subgraphs) {
  const sdl = await sdlOf(subgraph);
  let typeDefs;
  try {
    typeDefs = parse(sdl);
  } catch (error) {
    fail(`${subgraph.name}: the SDL does not parse: ${error.message}`, 1);
  }
  services.push({ name: subgraph.name, url: subgraph.url, typeDefs });
}

const result = composeServices(services);
if (result.errors) {
  for (const error of result.errors) {
    const code = error.extensions?.code ? `[${error.extensions.code}] ` : '';
    process.stderr.write(`${code}${error.message}\n`);
  }
  fail(`composition failed: ${result.errors.length} error(s)`, 1);
}
if (out) {
  await writeFile(out, result.supergraphSdl);
} else {
  process.stdout.write(result.supergraphSdl);
}
