"""The public read API: published data only, JSON, described by an OpenAPI 3.1 document."""
