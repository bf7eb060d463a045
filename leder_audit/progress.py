"""A progress bar on standard error for long runs at a terminal; nothing at all otherwise.

When every input is a file of known size the bar shows the share of its bytes read, with the time left;
otherwise it shows how many records have been read and how fast. tqdm draws it.
"""

from __future__ import annotations

import os
import shutil
from pathlib import Path
from typing import IO, Any, Iterable, Iterator, Sequence, TypeVar

T = TypeVar("T")

# A run that ends sooner than this never shows a progress line.
SHOW_AFTER_SECONDS = 1.0
REFRESH_SECONDS = 0.25
# Records between two looks at how far the input has got: the bar moves smoothly and costs nothing per record.
STEP = 16
# How much of a file is sampled to learn how many bytes a row or record takes, where records are not lines.
SAMPLE_BYTES = 1 << 16
SAMPLED_MARKS = {"row": b"\n", "record": b'"record_type"'}

# tqdm puts ", " before the postfix: here, the count of records read.
BAR = "{percentage:3.0f}%|{bar}| {n_fmt}B of {total_fmt}B [{elapsed} so far, {remaining} left{postfix}]"
COUNT = "{n:,} records read [{elapsed}, {rate_fmt}]"


def progress(items: Iterable[T], stream: IO[str], paths: Sequence[str | Path] = (), *, force: bool = False,
             quiet: bool = False, delay: float = SHOW_AFTER_SECONDS, refresh: float = REFRESH_SECONDS) -> Iterable[T]:
    """The items unchanged; while they pass, a progress bar on `stream` (only at a terminal, or with `force`).

    `paths` are the files the items are read from: when all are files, the bar shows the share of their bytes
    read, measured by where each item was read (an NDJSON line's own length, a CSV row's or a JSON record's
    number), and the time left. Nothing is drawn before `delay` seconds, then at most every `refresh` seconds.
    """
    is_terminal = getattr(stream, "isatty", lambda: False)
    if quiet or not (force or is_terminal()):
        return items
    meter = ByteMeter.of(paths)
    return _drawn(items, stream, meter, {"delay": delay, "mininterval": refresh})


class ByteMeter:
    """How many bytes of the input files the records read so far took, from each record's source and place."""

    def __init__(self, sizes: dict[str, int]) -> None:
        self.sizes = sizes
        self.total = sum(sizes.values())
        self.finished = 0  # bytes of the files already read to the end
        self.current: str | None = None
        self.within = 0
        self.per_mark: dict[str, float | None] = {}

    @classmethod
    def of(cls, paths: Sequence[str | Path]) -> ByteMeter | None:
        """A meter over these files, or None when the input's size is not known (a pipe, a folder, none given)."""
        sizes: dict[str, int] = {}
        for path in paths:
            if not Path(path).is_file():
                return None
            sizes[str(path)] = os.path.getsize(path)
        return cls(sizes) if sizes else None

    def read(self, item: Any) -> int:
        """The bytes read once this item has been: exact for lines, estimated from a sample for rows and records."""
        source = getattr(item, "source", None)
        if source != self.current:
            if self.current in self.sizes:
                self.finished += self.sizes[self.current]
            self.current, self.within = source, 0
        size = self.sizes.get(source or "", 0)
        data = getattr(item, "data", None)
        if isinstance(data, (bytes, bytearray)):
            self.within += len(data)
        else:
            self.within = max(self.within, self._estimate(source or "", getattr(item, "location", "")))
        return self.finished + min(self.within, size)

    def _estimate(self, source: str, location: str) -> int:
        kind, _, number = location.partition(" ")
        if kind not in SAMPLED_MARKS or not number.isdigit():
            return 0
        if source not in self.per_mark:
            self.per_mark[source] = _bytes_per_mark(source, SAMPLED_MARKS[kind])
        per = self.per_mark[source]
        return int(int(number) * per) if per else 0


def _bytes_per_mark(path: str, mark: bytes) -> float | None:
    try:
        with open(path, "rb") as handle:
            sample = handle.read(SAMPLE_BYTES)
    except OSError:
        return None
    count = sample.count(mark)
    return len(sample) / count if count else None


def _drawn(items: Iterable[T], stream: IO[str], meter: ByteMeter | None, timing: dict[str, float]) -> Iterator[T]:
    from tqdm import tqdm

    # A terminal that reports no size (some pseudo-terminals do) would get a bar of no width, or none at all
    # (tqdm hides bars below the last row): 80 by 24 then.
    size = shutil.get_terminal_size((80, 24))
    timing = {**timing, "ncols": size.columns, "nrows": size.lines}
    if meter:
        bar = tqdm(total=meter.total, file=stream, leave=False, unit="B", unit_scale=True, unit_divisor=1024,
                   bar_format=BAR, **timing)
    else:
        bar = tqdm(file=stream, leave=False, unit=" records", bar_format=COUNT, **timing)
    count = done = 0
    try:
        for item in items:
            count += 1
            if meter:
                reached = meter.read(item)
                if count % STEP == 0:
                    bar.set_postfix_str(f"{count:,} records", refresh=False)
                    bar.update(reached - done)
                    done = reached
            elif count % STEP == 0:
                bar.update(STEP)
            yield item
    finally:
        bar.close()
