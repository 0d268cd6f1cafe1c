"""The archive database: models, migrations, the write API (archive) and the read API (query).

Imports nothing else of kabar.
"""
