"""Records that share an id: both are checked, and each repeat is reported, in bounded memory."""

from __future__ import annotations

import mmap
from array import array
from dataclasses import dataclass, field
from typing import Any

from pydantic import BaseModel, ConfigDict

# Ids are remembered as Python's 64-bit hashes of (record_type, id), in a table of 8-byte slots kept at
# most half full: a short run's ids fit a small first table; past it, the table doubles as ids come, in
# anonymous memory given back to the operating system when the table moves on, up to TABLE_SLOTS (32 MiB)
# for MAX_IDS_TRACKED ids. So the memory for ids is 16 to 32 bytes an id (about 2 MiB for 100,000 ids and
# 16 MiB for 1,000,000), never more than 32 MiB however long the input. Past MAX_IDS_TRACKED ids, new ids
# are no longer remembered (repeats of ids already seen are still found) and `tracking_stopped_at` says
# after which record. Two different ids share a hash with probability about n^2 / 2^65: one in ten million
# for two million ids.
MAX_IDS_TRACKED = 2_000_000
TABLE_SLOTS = 1 << 22  # twice MAX_IDS_TRACKED, so a look-up reads about two slots
FIRST_SLOTS = 1 << 10  # 8 KiB, for runs of up to 512 ids, such as audit() of one record
_STRETCH = 1 << 13  # slots of the old table moved and given back at a time (64 KiB)
LISTED = 1000  # repeats listed with their place; past this they are only counted


class HashTable:
    """A set of 64-bit integers in a table of bounded final size (open addressing, linear probing).

    A short run's ids sit in a small table on the heap; past FIRST_SLOTS / 2 of them they move to a table
    of twice the size in anonymous memory, and again each time the table would be more than half full,
    until it has its final size. 0 marks a free slot.
    """

    __slots__ = ("_memory", "_slots", "_mask", "_final", "size")

    def __init__(self, slots: int = TABLE_SLOTS, first: int = FIRST_SLOTS) -> None:
        if slots < 2 or slots & (slots - 1) or first < 2 or first & (first - 1):
            raise ValueError(f"the numbers of slots must be powers of two, not {first} and {slots}")
        self._final = slots
        self._memory: mmap.mmap | None = None
        self._slots: Any = array("q", bytes(8 * min(first, slots)))
        self._mask = len(self._slots) - 1
        self.size = 0

    def find_or_add(self, key: int, room: bool = True) -> bool:
        """Whether key is in the table; when it is not and there is room, it is added."""
        key = key or 1  # 0 marks a free slot, so it is kept as 1: one more way for two ids to share a hash
        slots, mask = self._slots, self._mask
        slot = key & mask
        while True:
            held = slots[slot]
            if held == key:
                return True
            if not held:
                break
            slot = (slot + 1) & mask
        if not room or self.size >= self._final - 1:  # a slot is always left free, so a search always ends
            return False
        if 2 * (self.size + 1) > mask + 1 and mask + 1 < self._final:
            self._grow()
            return self.find_or_add(key, room)
        slots[slot] = key
        self.size += 1
        return False

    def _grow(self) -> None:
        """Move what the table holds to one of twice its size.

        The old table is read in order, a stretch at a time, and each stretch read is given back to the
        operating system at once: a key's place in the new table is its place in the old one or that place
        plus the old size, so the new table is written in step, and the two together never hold much more
        than the new one.
        """
        old, old_memory = self._slots, self._memory
        size = min(2 * len(old), self._final)
        memory = mmap.mmap(-1, size * 8)  # anonymous memory: zeros, committed only where written
        slots: Any = memoryview(memory).cast("q")
        mask = size - 1
        for start in range(0, len(old), _STRETCH):
            for key in old[start:start + _STRETCH]:
                if key:
                    slot = key & mask
                    while slots[slot]:
                        slot = (slot + 1) & mask
                    slots[slot] = key
            if old_memory is not None:
                old_memory.madvise(mmap.MADV_DONTNEED, start * 8, min(_STRETCH, len(old) - start) * 8)
        self._memory, self._slots, self._mask = memory, slots, mask
        if old_memory is not None:  # the old table's memory goes back to the operating system
            old.release()
            old_memory.close()


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
    # A worker process keeps the ids of its chunk in order, so the parent can replay them exactly; as
    # plain tuples, because pickling a model per record would cost more than checking the record. The
    # parent hashes them again (string hashes differ from one process to another), so a worker keeps
    # no table of its own.
    order: list[tuple[str, str, str, str]] | None = field(default=None, repr=False)
    seen: HashTable | None = field(default=None, repr=False, compare=False)  # made at the first id

    def note(self, record_type: str, record_id: str, source: str, location: str, number: int = 0) -> None:
        """Remember one checked record's id, reporting it when it was seen before."""
        if self.order is not None:
            self.order.append((record_type, record_id, source, location))
            return
        self._remember(record_type, record_id, source, location, number)

    def _remember(self, record_type: str, record_id: str, source: str, location: str, number: int) -> None:
        if self._repeated(hash((record_type, record_id)), number) and len(self.listed) < LISTED:
            self.listed.append(Duplicate(record_type=record_type, record_id=record_id, source=source,
                                         location=location))

    @property
    def tracked(self) -> int:
        """How many distinct ids are remembered."""
        return self.seen.size if self.seen is not None else 0

    def _repeated(self, key: int, number: int) -> bool:
        """Whether the key was seen before; remembers it if not, while there is room."""
        if self.seen is None:
            self.seen = HashTable()
        room = self.seen.size < MAX_IDS_TRACKED
        if self.seen.find_or_add(key, room):
            self.count += 1
            return True
        if not room and self.tracking_stopped_at is None:
            self.tracking_stopped_at = number
        return False

    def replay(self, other: "DuplicateIds", records_before: int) -> None:
        """Note, in order, the ids a worker saw in a later part of the same input."""
        for offset, (record_type, record_id, source, location) in enumerate(other.order or (), 1):
            self._remember(record_type, record_id, source, location, records_before + offset)

    def __getstate__(self) -> dict[str, Any]:
        # The table stays in its process: hashes of strings mean nothing in another one.
        return {**self.__dict__, "seen": None}
