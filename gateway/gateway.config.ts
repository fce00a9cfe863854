// Hive Gateway in front of gqlauth's federation subgraph (README, "Behind a federation gateway").
//
// Run from this folder (the CLI reads ./gateway.config.ts), after `make gateway-packages` and
// node compose.mjs, with the environment below:
//   cd gateway && GATEWAY_JWKS_URL=... GATEWAY_JWT_ISSUER=... GATEWAY_JWT_AUDIENCE=... \
//     node_modules/.bin/hive-gateway supergraph
//
// - GATEWAY_SUPERGRAPH    the composed supergraph SDL (compose.mjs --out), which names the
//                         subgraphs' URLs; default supergraph.graphql
// - GATEWAY_JWKS_URL      gqlauth's published keys, e.g. https://auth.example.com/o/jwks/
// - GATEWAY_JWT_ISSUER    gqlauth's issuer (its OAUTH2_PROVIDER["ISSUER"]), the tokens' `iss`
// - GATEWAY_JWT_AUDIENCE  the tokens' `aud`: gqlauth's JWT_AUDIENCE, by default the absolute
//                         URL of its /graphql/
// - GATEWAY_HOST, GATEWAY_PORT  where the gateway listens; default 127.0.0.1:4000
//
// The gateway verifies gqlauth's JWT access tokens itself (signature by a published key, `iss`,
// `aud`, `exp`) and enforces @authenticated and @requiresScopes from their `scope` claim. It
// also forwards the client's Authorization header, so gqlauth checks the same token again and
// adds what only it knows: the user's own Django permissions and account state.
import {
  createRemoteJwksSigningKeyProvider,
  defineConfig,
  extractFromHeader,
} from '@graphql-hive/gateway';

function required(name: string): string {
  const value = process.env[name];
  if (!value) {
    throw new Error(`gateway.config.ts: set ${name} (see the comment at the top of the file)`);
  }
  return value;
}

export const gatewayConfig = defineConfig({
  supergraph: process.env.GATEWAY_SUPERGRAPH || 'supergraph.graphql',
  host: process.env.GATEWAY_HOST || '127.0.0.1',
  port: Number(process.env.GATEWAY_PORT || 4000),
  jwt: {
    signingKeyProviders: [createRemoteJwksSigningKeyProvider({ jwksUri: required('GATEWAY_JWKS_URL') })],
    tokenLookupLocations: [extractFromHeader({ name: 'authorization', prefix: 'Bearer' })],
    tokenVerification: {
      issuer: required('GATEWAY_JWT_ISSUER'),
      audience: required('GATEWAY_JWT_AUDIENCE'),
      // The two algorithms gqlauth signs with (its JWT_SIGNING_ALGORITHM); never HMAC or none.
      algorithms: ['ES256', 'RS256'],
    },
    // No token is fine (public fields stay public; @authenticated fields are denied one by
    // one); a token that fails verification is refused outright, as gqlauth refuses it.
    reject: { missingToken: false, invalidToken: true },
  },
  genericAuth: {
    mode: 'protect-granular',
    // The verified token's claims; their `scope` (space-separated) is what @requiresScopes reads.
    resolveUserFn: (context) => context.jwt?.payload,
    // Deny field by field (null and an error), as gqlauth does, instead of the whole request.
    rejectUnauthenticated: false,
  },
  propagateHeaders: {
    // Defence in depth: the subgraph enforces the same rules with the same token.
    fromClientToSubgraphs: ({ request }) => ({
      authorization: request.headers.get('authorization'),
    }),
  },
});
