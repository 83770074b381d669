"""Dimension values of records (KPIS.md, Dimensions) and summing per dimension value."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, field

import numpy as np

from kpiapp.kpis import sql

TOTAL = ("", "")  # (dimension, value) of the totals
# Imports normalise countries to ISO 3166-1 alpha-2; rows written otherwise still group right.
COUNTRY_ALIASES = {"UK": "GB"}


@dataclass
class GroupIndex:
    """Which group (dimension value) each entity belongs to, and sums per group."""

    labels: list[str]
    group: np.ndarray
    _order: tuple[np.ndarray, np.ndarray, np.ndarray] | None = field(
        default=None, init=False, repr=False, compare=False
    )

    @property
    def count(self) -> int:
        return len(self.labels)

    @classmethod
    def of(cls, values: Sequence[str]) -> GroupIndex:
        index: dict[str, int] = {}
        group = np.array([index.setdefault(v, len(index)) for v in values], dtype=np.int64)
        return cls(list(index), group)

    @classmethod
    def total(cls, count: int) -> GroupIndex:
        return cls([""], np.zeros(count, dtype=np.int64))

    def subset(self, entities: np.ndarray) -> GroupIndex:
        return GroupIndex(self.labels, self.group[entities])

    def sum(self, values: np.ndarray) -> np.ndarray:
        """Sum rows of `values` (entities × ...) per group: exact for integers and objects."""
        out = np.zeros((self.count, *values.shape[1:]), dtype=values.dtype)
        if not len(self.group):
            return out
        if self.count == 1:  # the total: no order to find
            out[0] = values.sum(axis=0)
            return out
        if self._order is None:  # sorted once per index: sum() runs for every measure
            order = np.argsort(self.group, kind="stable")
            ordered = self.group[order]
            starts = np.flatnonzero(np.r_[True, ordered[1:] != ordered[:-1]])
            self._order = (order, starts, ordered[starts])
        order, starts, targets = self._order
        out[targets] = np.add.reduceat(values[order], starts, axis=0)
        return out


@dataclass
class Cells:
    """The finest partition of entities that several groupings share: entities in one cell
    belong to the same group of every grouping. Summing a measure once per cell, then the few
    cells per group, costs one pass over the entities instead of one per grouping."""

    cell: np.ndarray  # entity -> cell
    groupings: list[GroupIndex]  # per grouping: the group of each cell (`group` indexed by cell)

    @classmethod
    def of(cls, groupings: Sequence[GroupIndex], count: int) -> Cells:
        if not groupings or not count:
            return cls(
                np.zeros(count, dtype=np.int64),
                [GroupIndex(g.labels, g.group[:0]) for g in groupings],
            )
        key = np.zeros(count, dtype=np.int64)  # the groups of all groupings as one number
        for g in groupings:
            key = key * max(g.count, 1) + g.group
        unique, cell = np.unique(key, return_inverse=True)
        groups = []
        for g in reversed(groupings):
            unique, group = np.divmod(unique, max(g.count, 1))
            groups.append(GroupIndex(g.labels, group))
        return cls(cell.reshape(-1), groups[::-1])

    def sorted(self, entities: np.ndarray) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
        """`entities` ordered by cell, where each cell's run starts, and the cells present."""
        ordered = entities[np.argsort(self.cell[entities], kind="stable")]
        cells = self.cell[ordered]
        starts = np.flatnonzero(np.r_[True, cells[1:] != cells[:-1]]) if len(cells) else cells
        return ordered, starts, cells[starts]


@dataclass
class AccountAttributes:
    """Channel, campaign and country of every account: its own channel and campaign, else
    those of its earliest converted lead; channel and campaign as names."""

    by_account: dict[int, tuple[str, str, str]]

    def labels(self, dimension: str, account_ids: Sequence[int]) -> list[str]:
        position = {"channel": 0, "campaign": 1, "country": 2}[dimension]
        blank = ("", "", "")
        return [self.by_account.get(a, blank)[position] for a in account_ids]

    def groups(self, dimension: str, account_ids: Sequence[int]) -> GroupIndex:
        if not dimension:
            return GroupIndex.total(len(account_ids))
        return GroupIndex.of(self.labels(dimension, account_ids))


def load_names(*, workspace_id: int) -> tuple[dict[int, str], dict[int, str]]:
    channels = dict(
        sql.fetch(
            "SELECT id, name FROM kpiapp_channel WHERE workspace_id = %(workspace_id)s",
            workspace_id=workspace_id,
        )
    )
    campaigns = dict(
        sql.fetch(
            "SELECT id, name FROM kpiapp_campaign WHERE workspace_id = %(workspace_id)s",
            workspace_id=workspace_id,
        )
    )
    return channels, campaigns


def load_account_attributes(
    *, workspace_id: int, channels: dict[int, str], campaigns: dict[int, str]
) -> AccountAttributes:
    accounts = sql.fetch(
        "SELECT id, channel_id, campaign_id, country FROM kpiapp_account "
        "WHERE workspace_id = %(workspace_id)s",
        workspace_id=workspace_id,
    )
    # The earliest converted lead of each account that lacks a channel or campaign of its own.
    leads = sql.fetch(
        "SELECT l.account_id, l.channel_id, l.campaign_id FROM kpiapp_lead l "
        "JOIN kpiapp_account a ON a.id = l.account_id AND a.workspace_id = %(workspace_id)s "
        "WHERE l.workspace_id = %(workspace_id)s AND l.converted_at IS NOT NULL "
        "AND (a.channel_id IS NULL OR a.campaign_id IS NULL) "
        "ORDER BY l.account_id, l.converted_at DESC, l.id DESC",
        workspace_id=workspace_id,
    )
    first_lead = {account: (channel, campaign) for account, channel, campaign in leads}
    by_account = {}
    for account, channel, campaign, country in accounts:
        lead_channel, lead_campaign = first_lead.get(account, (None, None))
        channel = channel or lead_channel
        campaign = campaign or lead_campaign
        by_account[account] = (
            channels.get(channel, "") if channel else "",
            campaigns.get(campaign, "") if campaign else "",
            COUNTRY_ALIASES.get(country, country or ""),
        )
    return AccountAttributes(by_account)
