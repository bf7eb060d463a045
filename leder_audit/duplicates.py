"""Records that share an id: both are checked, and each repeat is reported, in bounded memory."""

from __future__ import annotations

from dataclasses import dataclass, field

from pydantic import BaseModel, ConfigDict

# Ids are remembered as Python's 64-bit hashes of (record_type, id), about 70 bytes each in a set, so
# MAX_IDS_TRACKED distinct ids take about 140 MB. Past it, new ids are no longer remembered (repeats of
# ids already seen are still found) and `tracking_stopped_at` says after which record. Two different ids
# share a hash with probability about n^2 / 2^65: one in ten million for two million ids.
MAX_IDS_TRACKED = 2_000_000
LISTED = 1000  # repeats listed with their place; past this they are only counted


class Duplicate(BaseModel):
    """A record whose type and id were already seen earlier in the run; it was checked all the same."""

    model_config = ConfigDict(frozen=True)
    record_type: str
    record_id: str
    source: str
    location: str


@dataclass
class DuplicateIds:
    """The ids seen so far, and the records that repeated one."""

    count: int = 0
    listed: list[Duplicate] = field(default_factory=list)
    tracking_stopped_at: int | None = None
    seen: set[int] = field(default_factory=set, repr=False)
    # A worker process keeps the ids of its chunk in order, so the parent can replay them exactly; as
    # plain tuples, because pickling a model per record would cost more than checking the record. The
    # parent hashes them again: string hashes differ from one process to another.
    order: list[tuple[str, str, str, str]] | None = field(default=None, repr=False)

    def note(self, record_type: str, record_id: str, source: str, location: str, number: int = 0) -> None:
        """Remember one checked record's id, reporting it when it was seen before."""
        key = hash((record_type, record_id))
        if self.order is not None:
            self.order.append((record_type, record_id, source, location))
        if self._repeated(key, number) and len(self.listed) < LISTED:
            self.listed.append(Duplicate(record_type=record_type, record_id=record_id, source=source,
                                         location=location))

    def _repeated(self, key: int, number: int) -> bool:
        """Whether the key was seen before; remembers it if not, while there is room."""
        if key in self.seen:
            self.count += 1
            return True
        if len(self.seen) < MAX_IDS_TRACKED:
            self.seen.add(key)
        elif self.tracking_stopped_at is None:
            self.tracking_stopped_at = number
        return False

    def replay(self, other: "DuplicateIds", records_before: int) -> None:
        """Note, in order, the ids a worker saw in a later part of the same input."""
        for offset, (record_type, record_id, source, location) in enumerate(other.order or (), 1):
            if self._repeated(hash((record_type, record_id)), records_before + offset) and len(self.listed) < LISTED:
                self.listed.append(Duplicate(record_type=record_type, record_id=record_id, source=source,
                                             location=location))
