"""The page cache, in one place: the version counters a cached page is keyed by
(`versions`), the view decorator that serves and stores pages (`decorator`), what bumps the
versions when accounts change (`invalidation`, called through `accounts.hooks`), and the
Redis client that Django's cache uses in production (`redis_client`).

Writes elsewhere bump a workspace's pages with `versions.pages_changed`, after commit."""
