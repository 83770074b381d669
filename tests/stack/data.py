"""Generated CSV files for the stack tests: accounts over channels, subscriptions over three
years (some ended), so a recompute has work for a few seconds."""

from __future__ import annotations

import random


def accounts_csv(n: int, seed: int = 1) -> str:
    rng = random.Random(seed)
    channels = ["Paid ads", "Organic", "Referral", "Events", "Outbound"]
    rows = ["external_id,name,channel,created_at"]
    rows += [
        f"A{i:05d},Kunde {i},{rng.choice(channels)},{year}-0{rng.randint(1, 9)}-01"
        for i, year in ((i, rng.randint(2023, 2026)) for i in range(n))
    ]
    return "\n".join(rows) + "\n"


def subscriptions_csv(n: int, seed: int = 1) -> str:
    rng = random.Random(seed)
    rows = ["external_id,account,amount,interval,started_at,ended_at"]
    for i in range(n):
        year, month = rng.randint(2023, 2026), rng.randint(1, 9)
        ended = f"{year + 1}-0{month}-01" if rng.random() < 0.3 and year < 2026 else ""
        rows.append(f"S{i:05d},A{i:05d},{rng.randint(20, 900)},month,{year}-0{month}-01,{ended}")
    return "\n".join(rows) + "\n"
