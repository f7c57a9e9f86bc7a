"""Who a partition's news wakes (broker/fetch_waiters.py): a consumer's long poll wakes on an
append and on a high-watermark move (it reads up to the high watermark); a follower's only on an
append (it reads up to the log end, and a high-watermark move adds no bytes for it, as Kafka's
DelayedFetch.tryComplete finds). Waking followers for high-watermark moves made the leader walk
their whole session again for nothing, several times per write. The live side, a consumer woken
by the followers' fetches, is tests/broker/test_fetch_wakeup.py."""

from __future__ import annotations

import asyncio

from broker.fetch_waiters import FetchWaiters

TP = ("t", 0)
OTHER = ("t", 1)
LONG_S = 5.0


async def _woken(waiters: FetchWaiters, *, follower: bool, news) -> bool:
    """Does a fetch waiting on TP return once `news(waiters)` happened (well before LONG_S)?"""
    task = asyncio.ensure_future(waiters.wait([TP], LONG_S, follower=follower))
    await asyncio.sleep(0)  # registered
    news(waiters)
    done, _ = await asyncio.wait({task}, timeout=0.5)
    if not done:
        waiters.wake_all()
        await task
    return bool(done)


def test_an_append_wakes_consumers_and_followers():
    async def run():
        w = FetchWaiters()
        return [await _woken(w, follower=f, news=lambda w: w.wake(TP, appended=True)) for f in (False, True)]

    assert asyncio.run(run()) == [True, True]


def test_a_high_watermark_move_wakes_consumers_only():
    async def run():
        w = FetchWaiters()
        return [await _woken(w, follower=f, news=lambda w: w.wake(TP, appended=False)) for f in (False, True)]

    assert asyncio.run(run()) == [True, False]


def test_news_of_another_partition_wakes_nobody_and_wake_all_wakes_everybody():
    async def run():
        w = FetchWaiters()
        other = [
            await _woken(w, follower=f, news=lambda w: w.wake(OTHER, appended=True)) for f in (False, True)
        ]
        every = [await _woken(w, follower=f, news=lambda w: w.wake_all()) for f in (False, True)]
        return other, every

    assert asyncio.run(run()) == ([False, False], [True, True])


def test_a_fetch_that_returned_leaves_no_registration_behind():
    async def run():
        w = FetchWaiters()
        for follower in (False, True):
            await _woken(w, follower=follower, news=lambda w: w.wake(TP, appended=True))
        await w.wait([TP, OTHER], 0.01, follower=True)  # by its timeout
        return w._consumers, w._followers, w._every

    assert asyncio.run(run()) == ({}, {}, set())
