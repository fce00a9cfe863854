"""The tutorial's users and groups API, served through gqlauth's GraphQL layer."""
