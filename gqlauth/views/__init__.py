"""HTTP views: thin adapters between Django requests and the oauthlib server."""
