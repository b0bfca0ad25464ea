"""Demo data: a replayed history through the real services, and a fast bulk load of certificates."""
