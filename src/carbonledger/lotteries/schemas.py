"""Request and response bodies of the lottery routes. The public record's shape is that of
`points.lottery.LotteryRecord` plus what the lottery is and where its three leaves are."""

from __future__ import annotations

from datetime import datetime
from typing import Literal

from pydantic import BaseModel, ConfigDict, Field

from carbonledger.bounds import Amount, Moment
from carbonledger.lotteries.purchases import MAX_ENTRIES_PER_PURCHASE, MAX_KEY_LENGTH
from carbonledger.lotteries.terms import LotteryTerms, PrizeTerms

Status = Literal["open", "closed", "drawn"]


class PrizeIn(BaseModel):
    """`count` identical prizes given by the merchant partner `merchant`."""

    model_config = ConfigDict(extra="forbid")
    merchant: str = Field(min_length=1, max_length=64)
    name: str = Field(min_length=1, max_length=200)
    count: int = Field(ge=1, le=100_000)


class LotteryIn(BaseModel):
    """A new lottery. Entries are earned by credits of `scenario` inside the window (at most
    `daily_entries` a citizen a local day), bought at `entry_price` points, or both."""

    model_config = ConfigDict(extra="forbid")
    name_zh: str = Field(min_length=1, max_length=200)
    name_en: str = Field(min_length=1, max_length=200)
    scenario: str | None = None
    daily_entries: int = Field(1, ge=1, le=100)
    entry_price: Amount | None = Field(None, ge=1, description="Points per entry; null: not sold.")
    opens_at: Moment | None = Field(None, description="Now when left out; never earlier.")
    closes_at: Moment
    one_per_account: bool = True
    prizes: list[PrizeIn] = Field(min_length=1, max_length=50)

    def terms(self, now: datetime) -> LotteryTerms:
        return LotteryTerms(
            name_zh=self.name_zh,
            name_en=self.name_en,
            scenario=self.scenario,
            daily_entries=self.daily_entries,
            entry_price=self.entry_price,
            opens_at=self.opens_at or now,
            closes_at=self.closes_at,
            one_per_account=self.one_per_account,
            prizes=tuple(PrizeTerms(p.merchant, p.name, p.count) for p in self.prizes),
        )


class PurchaseIn(BaseModel):
    """Entries to buy; `key` makes a retry safe: the same key answers the first purchase."""

    model_config = ConfigDict(extra="forbid")
    count: int = Field(ge=1, le=MAX_ENTRIES_PER_PURCHASE)
    key: str = Field(min_length=1, max_length=MAX_KEY_LENGTH)


class PurchaseOut(BaseModel):
    lottery: str
    entries: list[str]
    points: int
    replayed: bool


class NameOut(BaseModel):
    zh: str
    en: str


class PrizeOut(BaseModel):
    id: str
    name: str
    count: int
    merchant: str


class LotterySummary(BaseModel):
    lottery: str
    name: NameOut
    status: Status
    scenario: str | None
    daily_entries: int | None
    entry_price: int | None
    opens_at: datetime
    closes_at: datetime
    one_per_account: bool
    prizes: list[PrizeOut]


class EntryOut(BaseModel):
    account: str = Field(
        description="The holder's name in this lottery (another in every lottery, none in the log)."
    )
    entry: str = Field(description="credit:<tag> when earned, bought:<random id> when bought.")


class WinnerOut(BaseModel):
    account: str
    entry: str
    prize: str


class LeavesOut(BaseModel):
    commit: int
    close: int | None
    reveal: int | None


class LotteryRecordOut(LotterySummary):
    """Everything needed to check the draw; `carbonledger lottery verify` reads it."""

    v: int
    commitment: str
    terms_digest: str
    entries_digest: str | None
    seed: str | None
    entries: list[EntryOut]
    winners: list[WinnerOut]
    leaves: LeavesOut


class MyLotteryItem(LotterySummary):
    my_entries: int


class MyLotteries(BaseModel):
    lotteries: list[MyLotteryItem]


class MyEntryOut(BaseModel):
    entry: str
    source: Literal["earned", "bought"]
    record: str | None


class MyWinOut(BaseModel):
    entry: str
    prize: str
    name: str
    merchant: str


class MyLotteryOut(LotterySummary):
    account: str | None
    entries: list[MyEntryOut]
    won: list[MyWinOut]
