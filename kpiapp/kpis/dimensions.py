"""Dimension values of records (KPIS.md, Dimensions) and summing per dimension value."""

from __future__ import annotations

from collections.abc import Collection, Sequence
from dataclasses import dataclass, field
from functools import cached_property

import numpy as np

from kpiapp.kpis import sql
from kpiapp.kpis.registry import ACCOUNT_ATTRIBUTES

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
    those of its earliest converted lead; channel and campaign as names.

    Kept as arrays (a workspace has tens of thousands of accounts and every family asks for
    them): `codes` holds, per account of `ids` (ascending) and dimension, the index of its
    label in `names` of that dimension, whose first label is the blank one."""

    ids: np.ndarray
    codes: np.ndarray  # accounts × ACCOUNT_ATTRIBUTES
    names: tuple[list[str], ...]

    @cached_property
    def by_account(self) -> dict[int, tuple[str, str, str]]:
        channel, campaign, country = self.names
        return {
            a: (channel[c0], campaign[c1], country[c2])
            for a, (c0, c1, c2) in zip(self.ids.tolist(), self.codes.tolist(), strict=True)
        }

    def codes_of(self, dimension: str, account_ids: Sequence[int] | np.ndarray) -> np.ndarray:
        """The label index of each of `account_ids` (0, the blank, for an unknown id)."""
        wanted = np.asarray(account_ids, dtype=np.int64)
        if not len(self.ids):
            return np.zeros(len(wanted), dtype=np.int64)
        at = np.minimum(np.searchsorted(self.ids, wanted), len(self.ids) - 1)
        column = self.codes[at, ACCOUNT_ATTRIBUTES.index(dimension)]
        return np.where(self.ids[at] == wanted, column, 0)

    def labels(self, dimension: str, account_ids: Sequence[int] | np.ndarray) -> list[str]:
        names = self.names[ACCOUNT_ATTRIBUTES.index(dimension)]
        return [names[c] for c in self.codes_of(dimension, account_ids).tolist()]

    def groups(self, dimension: str, account_ids: Sequence[int]) -> GroupIndex:
        """The groups of `account_ids` by `dimension`, labels in the order they first occur
        (as `GroupIndex.of` the labels)."""
        if not dimension:
            return GroupIndex.total(len(account_ids))
        codes = self.codes_of(dimension, account_ids)
        present, first, inverse = np.unique(codes, return_index=True, return_inverse=True)
        order = np.argsort(first, kind="stable")
        rank = np.empty(len(order), dtype=np.int64)
        rank[order] = np.arange(len(order))
        names = self.names[ACCOUNT_ATTRIBUTES.index(dimension)]
        return GroupIndex([names[c] for c in present[order].tolist()], rank[inverse.reshape(-1)])


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
    *,
    workspace_id: int,
    channels: dict[int, str],
    campaigns: dict[int, str],
    accounts: Collection[int] | None = None,
    buckets: tuple[Collection[int], int] | None = None,
) -> AccountAttributes:
    """Of every account, or of `accounts` only, or of the accounts in `buckets` (as
    `mrr_states.load_subscriptions`)."""
    only, params = "", dict[str, int]()
    if accounts is not None:
        wanted, params = sql.id_list("account", accounts)
        only = f" AND a.id IN {wanted}"
    if buckets is not None:
        only += sql.in_buckets("a.id", *buckets)
    table, (countries,) = sql.fetch_ints_and_texts(
        "SELECT id, COALESCE(channel_id, 0), COALESCE(campaign_id, 0), COALESCE(country, '') "
        f"FROM kpiapp_account a WHERE a.workspace_id = %(workspace_id)s{only}",
        width=3,
        texts=1,
        workspace_id=workspace_id,
        params=params,
    )
    order = np.argsort(table[:, 0], kind="stable")
    ids, channel, campaign = (column.copy() for column in table[order].T)
    # The earliest converted lead of each account that lacks a channel or campaign of its own.
    leads = sql.fetch(
        "SELECT l.account_id, l.channel_id, l.campaign_id FROM kpiapp_lead l "
        "JOIN kpiapp_account a ON a.id = l.account_id AND a.workspace_id = %(workspace_id)s "
        "WHERE l.workspace_id = %(workspace_id)s AND l.converted_at IS NOT NULL "
        f"AND (a.channel_id IS NULL OR a.campaign_id IS NULL){only} "
        "ORDER BY l.account_id, l.converted_at DESC, l.id DESC",
        workspace_id=workspace_id,
        params=params,
    )
    first_lead = {account: (channel or 0, campaign or 0) for account, channel, campaign in leads}
    if first_lead:
        at = np.searchsorted(ids, np.array(list(first_lead), dtype=np.int64))
        lead_channel, lead_campaign = np.array(list(first_lead.values()), dtype=np.int64).T
        channel[at] = np.where(channel[at] == 0, lead_channel, channel[at])
        campaign[at] = np.where(campaign[at] == 0, lead_campaign, campaign[at])
    # Each distinct country once (an account's is one of a few dozen), blank first.
    distinct, country_at = np.unique(np.array(countries, dtype=object), return_inverse=True)
    country_index = {"": 0}
    code_of = [country_index.setdefault(COUNTRY_ALIASES.get(c, c), len(country_index))
               for c in distinct.tolist()]  # fmt: skip
    country = np.array(code_of, dtype=np.int64)[country_at.reshape(-1)[order]]
    channel_codes, channel_names = named_codes(channel, channels)
    campaign_codes, campaign_names = named_codes(campaign, campaigns)
    codes = np.column_stack([channel_codes, campaign_codes, country])
    return AccountAttributes(ids, codes, (channel_names, campaign_names, list(country_index)))


def named_codes(ids: np.ndarray, names: dict[int, str]) -> tuple[np.ndarray, list[str]]:
    """Per row, the index of its name among the returned names (blank first: id 0 or an id
    without a name); equal names share an index."""
    index = {"": 0}
    present = np.unique(ids)
    code_of = np.array(
        [index.setdefault(names.get(i, "") if i else "", len(index)) for i in present.tolist()],
        dtype=np.int64,
    )
    codes = code_of[np.searchsorted(present, ids)] if len(ids) else ids
    return codes, list(index)
