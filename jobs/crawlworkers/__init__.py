"""Long-lived crawl workers: a fixed amount of crawl capacity for any number of sources.

A worker (:mod:`.worker`) is one Scrapy process that stays up and crawls the sources it is
given concurrently, one crawler each (each with its own politeness: robots.txt, per-domain
delay and concurrency), sharing one extraction pool. The daemon's :class:`.pool.WorkerPool`
starts ``[daemon] workers`` of them, hands each due source to the least busy, follows every
run to its end, and replaces a worker that dies, hangs or has grown (see :mod:`.pool`).
:mod:`.protocol` is what they say to each other.
"""
