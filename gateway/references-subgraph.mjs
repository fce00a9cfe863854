#!/usr/bin/env node
// A second subgraph, for the gateway test only (tests/gateway/): it knows nothing of users and
// groups but their ids, and hands out references to them, `userRef(id)` and `groupRef(id)`.
// Every other field of such a reference lives in gqlauth's subgraph, so the gateway must fetch
// it with gqlauth's `_entities` (forwarding the client's Authorization header): the one way to
// make a real gateway call `_entities`, which no gateway exposes to its own clients.
//
// Usage:
//   node gateway/references-subgraph.mjs --print-sdl     its subgraph SDL, for compose.mjs
//   node gateway/references-subgraph.mjs PORT             serve POST /graphql on 127.0.0.1:PORT
//
// It prints "listening on http://127.0.0.1:PORT/graphql" once it accepts requests.
import { createServer } from 'node:http';
import { buildSchema, graphql } from 'graphql';

// The SDL the composer sees: both types are entities keyed by `id` that this subgraph cannot
// resolve (resolvable: false), so only gqlauth answers for their fields.
const SUBGRAPH_SDL = `extend schema
  @link(url: "https://specs.apollo.dev/federation/v2.6", import: ["@key"])

type Query {
  userRef(id: ID!): User
  groupRef(id: ID!): Group
}

type User @key(fields: "id", resolvable: false) {
  id: ID!
}

type Group @key(fields: "id", resolvable: false) {
  id: ID!
}
`;

// What the gateway queries: the same fields, without the federation directives.
const schema = buildSchema(`
type Query {
  userRef(id: ID!): User
  groupRef(id: ID!): Group
}
type User { id: ID! }
type Group { id: ID! }
`);

const rootValue = {
  userRef: ({ id }) => ({ id }),
  groupRef: ({ id }) => ({ id }),
};

async function answer(request, response) {
  const chunks = [];
  for await (const chunk of request) chunks.push(chunk);
  let status = 200;
  let result;
  try {
    const { query, variables, operationName } = JSON.parse(Buffer.concat(chunks).toString('utf8'));
    result = await graphql({ schema, source: query, rootValue, variableValues: variables, operationName });
  } catch (error) {
    status = 400;
    result = { errors: [{ message: String(error.message) }] };
  }
  response.writeHead(status, { 'content-type': 'application/json' });
  response.end(JSON.stringify(result));
}

const [argument] = process.argv.slice(2);
if (argument === '--print-sdl') {
  process.stdout.write(SUBGRAPH_SDL);
} else if (/^[0-9]+$/.test(argument ?? '')) {
  const port = Number(argument);
  createServer((request, response) => {
    if (request.method !== 'POST' || !request.url.startsWith('/graphql')) {
      response.writeHead(404).end();
      return;
    }
    answer(request, response);
  }).listen(port, '127.0.0.1', () => {
    process.stdout.write(`listening on http://127.0.0.1:${port}/graphql\n`);
  });
} else {
  process.stderr.write('usage: node references-subgraph.mjs --print-sdl | PORT\n');
  process.exit(2);
}
