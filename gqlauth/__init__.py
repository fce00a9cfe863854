"""gqlauth: an OAuth2 authorization server on oauthlib and scope-guarded GraphQL for Django."""
