"""Procedure knowledge base: curated data, SQL models, search and importers."""
