"""An optional daily time window (e.g. 19:00-07:00) outside which uploads wait."""

from __future__ import annotations

import re
from dataclasses import dataclass
from datetime import datetime, time, timedelta

from downloadmanager.core.errors import InputError


@dataclass(frozen=True)
class TimeWindow:
    """Uploads may run from START to END every day (END <= START crosses midnight).

    START == END means the whole day.
    """

    start: time
    end: time

    @classmethod
    def parse(cls, text: str) -> "TimeWindow":
        """Parse ``HH:MM-HH:MM``."""
        match = re.fullmatch(r"\s*(\d{1,2}):(\d{2})\s*-\s*(\d{1,2}):(\d{2})\s*", text or "")
        if not match:
            raise InputError("time_window_invalid", text=text or "")
        h1, m1, h2, m2 = (int(g) for g in match.groups())
        if h1 > 23 or h2 > 23 or m1 > 59 or m2 > 59:
            raise InputError("time_window_out_of_range", text=text)
        return cls(time(h1, m1), time(h2, m2))

    def __str__(self) -> str:
        return f"{self.start:%H:%M}-{self.end:%H:%M}"

    def contains(self, moment: datetime) -> bool:
        """True if uploads may run at MOMENT (local time)."""
        now = moment.time().replace(tzinfo=None)
        if self.start == self.end:
            return True
        if self.start < self.end:
            return self.start <= now < self.end
        return now >= self.start or now < self.end

    def seconds_until_open(self, moment: datetime) -> float:
        """Seconds from MOMENT until the window opens (0 if it is open)."""
        if self.contains(moment):
            return 0.0
        opening = moment.replace(hour=self.start.hour, minute=self.start.minute, second=0,
                                 microsecond=0)
        if opening <= moment:
            opening += timedelta(days=1)
        return (opening - moment).total_seconds()

    def seconds_until_close(self, moment: datetime) -> float:
        """Seconds from MOMENT until the window closes (0 if it is closed)."""
        if not self.contains(moment):
            return 0.0
        if self.start == self.end:
            return float("inf")
        closing = moment.replace(hour=self.end.hour, minute=self.end.minute, second=0,
                                 microsecond=0)
        if closing <= moment:
            closing += timedelta(days=1)
        return (closing - moment).total_seconds()
