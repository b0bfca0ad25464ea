"""Demo data on top of every app: a replayed history through the real services (`seed_demo`), a fast bulk load of
certificates, the public site's demo content, and the scenario builders the tests share."""
