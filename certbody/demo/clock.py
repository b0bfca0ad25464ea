"""A demo clock: replay a dated history through the real services.

A certification body's interesting records need time: a certificate expires three
years after its grant, a surveillance is overdue a year after it, a suspension runs
out after months. The services refuse dates in the future and stamp everything with
`timezone.now()`, so the only way to build such records through them, with dates,
deadlines and audit timestamps that agree with each other, is to let the clock run
from the past to today. While the clock is active, `django.utils.timezone.now()`
(and so `localdate()`, `auto_now` fields and audit timestamps) returns the demo
time; it only moves forward, so the audit chain stays in time order, and it ends on
the real clock.
"""

from __future__ import annotations

from datetime import date, datetime, time, timedelta
from unittest import mock

from django.utils import timezone


class DemoClock:
    """Shifted wall clock; `travel()` moves it forward to a day, `__exit__` restores the real clock."""

    def __init__(self) -> None:
        self._real_now = timezone.now
        self._offset = timedelta(0)
        self._patch: mock._patch | None = None
        self._travelled = False

    def now(self) -> datetime:
        return self._real_now() + self._offset

    def today(self) -> date:
        return timezone.localtime(self.now()).date()

    def real_today(self) -> date:
        return timezone.localtime(self._real_now()).date()

    def travel(self, day: date, hour: int = 9) -> None:
        """Move to `hour` o'clock (local) of `day`; after the first move, never backwards. Today is the real time."""
        if day >= self.real_today():
            self._offset = timedelta(0)
            self._travelled = True
            return
        target = timezone.make_aware(datetime.combine(day, time(hour)))
        if not self._travelled or target > self.now():
            self._offset = target - self._real_now()
            self._travelled = True

    def __enter__(self) -> DemoClock:
        self._patch = mock.patch.object(timezone, "now", self.now)
        self._patch.start()
        return self

    def __exit__(self, *exc) -> None:
        assert self._patch is not None
        self._patch.stop()
        self._patch = None
