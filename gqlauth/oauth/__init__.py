"""The oauthlib bridge: the only package that imports oauthlib."""
