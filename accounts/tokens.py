"""Random secrets for links and API keys, stored only as SHA-256.

The secrets carry 256 bits of entropy, so a fast hash is enough: there is nothing to
brute-force that a slow password hash would protect.
"""

import hashlib
import secrets


def new_secret(prefix: str) -> str:
    return f"{prefix}_{secrets.token_urlsafe(32)}"


def hash_secret(raw: str) -> str:
    return hashlib.sha256(raw.encode()).hexdigest()
