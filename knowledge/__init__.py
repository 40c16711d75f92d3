"""The vetted knowledge base: content files, schema, loader and search."""
