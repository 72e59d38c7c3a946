"""Importers of the official procedure formats into the knowledge base.

Each format module turns its files into ``SourceItem`` records in the curated schema
(knowledge/SCHEMA.md) or ``Problem`` reports; ``loader`` writes them into the database.
Run ``python -m knowledge.importers PATH...`` to import files or folders.
"""
