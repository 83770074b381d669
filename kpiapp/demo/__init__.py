"""Fake companies for the demo and the benchmarks.

- `company`: the generator. It plans a made-up B2B SaaS company in memory from a seed, an
  as-of date and a size (`DEMO`, the demo's; `LARGE`, the benchmarks'), then hands the rows to
  the writer. Same seed, as-of and size: the same rows.
- `writer`: puts those rows into the database, in batches (`bulk_create`), or with PostgreSQL's
  COPY when there are many.
- `seed`: the demo workspace of `./dev start` and `manage.py seed_demo`: logins, a team, the
  company's data, saved reports.
"""
