"""Everything the program keeps to answer faster, and when each thing kept is let go.

This package holds the caches; this text is their contract. Each entry says what is
kept, under which key, what makes it go (invalidation), how long it lives, and the
figure that earns it its place. All of them are per process and in memory: nothing is
shared between the processes of a server, nothing survives a restart, and a test gets
the current state because Settings built in code switch the timed ones off
(``PAGE_CACHE_SECONDS`` and ``STAFF_PAGE_CACHE_SECONDS`` are 0 there). Bench figures
are ``make bench`` ratios to the plain-text hello of the same run (SQLite, one worker).

Public pages (pages.py, ``PageCacheMiddleware`` in app.py)
    Holds: the answer to a cookieless ``GET`` of the home page, a consultation's page
    and its results page, stored plain and served with fresh form keys.
    Key: (council, the whole path with any ``/c/<slug>`` prefix, query: none or
    ``before``/``after=<id>``, htmx fragment or whole page).
    Invalidated by: time only. A change reaches anonymous visitors at most the lifetime
    later; visitors with any cookie (staff) never get a kept page.
    Lifetime: ``PAGE_CACHE_SECONDS`` (2 s in a server), at most 256 pages.
    Figure: consultation page as served 1.24-1.66x hello, built every time
    0.019-0.036x (four runs).

Staff pages (staff_pages.py, ``@kept_briefly`` on the moderation queue and the results page)
    Holds: the finished answer (gzip'd once) of a staff ``GET``.
    Key: (path, query, language, staff id, session version, the session's CSRF
    binding, htmx or not, gzip or not): a kept page goes only to its own session.
    Invalidated by: the session's own writes (``mark_write`` from requires_role()
    stamps the session; a page begun before the stamp is not served), a hard reload
    (``Cache-Control: no-cache``), time.
    Lifetime: ``STAFF_PAGE_CACHE_SECONDS`` (1 s in a server), at most 64 answers.
    Figure: moderation queue (100k) as served 0.25-0.50x hello, built every time
    0.012-0.017x (four runs).

Both page caches keep their answers in one kind of store (kept.py, ``Kept``): at most
the number given, the least recently used leaving first, one past its lifetime dropped
when next asked for; while one request builds a missing answer, the others asking for
it wait and take the one it kept.

Template fragments (fragments.py, ``{% cache key %}…{% endcache %}``)
    Holds: the HTML of one listed comment (consultations/_contributions.html,
    results/_contributions.html) or one queue item (moderation/_region.html).
    Key: (template name, template version, the key's values). Name and version are
    added by themselves; the version hashes the template's source and every template
    the fragment includes, so an edited template never meets its old fragments. The
    values must hold everything the fragment reads that can differ (a row compares by
    value); anything richer than a row is best made into one key by one function beside
    the context it reads (``item_key`` in moderation/routes.py for a queue item, whose
    fragment in moderation/_region.html includes moderation/_item.html).
    Invalidated by: a changed value or template is a new key; the oldest go first.
    Lifetime: the process, at most 2,048 fragments; off where templates reload (DEBUG).
    Figure: built in one process (min of 150), the consultation page takes 3.6 ms
    with it and 4.0 ms without; the moderation queue (25 items, four forms each)
    7.1 ms with it and 19.2 ms without.

Large counts (figures.py, ``large_figure``)
    Holds: counts of published contributions (consultation page, results page,
    moderation queue) once they reach ``THRESHOLD`` (1,000).
    Key: (what is counted, engine, consultation or queue filter).
    Invalidated by: time only; small counts are never kept, so every ordinary
    consultation and every test counts afresh.
    Lifetime: ``TTL_SECONDS`` (30 s), at most 512 figures.
    Figure: a GROUP BY over 80,000 contributions takes 4-30 ms on SQLite.

Result versions (figures.py, ``kept_for``, used by results/export_files.py)
    Holds: the version hash of a published result that names its download files.
    Key: (engine, consultation id, its ``updated_at``, its ``results_published_at``):
    publishing, withdrawing, answering and editing change the row, so the key.
    Invalidated by: the row's change at once; a moderation decision after the lifetime.
    Lifetime: ``PAGE_CACHE_SECONDS``.
    Figure: its counts take 10-25 ms on 100,000 contributions, most of a built
    download's time to the first byte.

Pre-built statements (``functools.cache``/``lru_cache`` beside each query)
    Holds: SQLAlchemy statements with bound parameters, built once per shape
    (moderation/queue.py, consultations/service.py, results/service.py, the upserts in
    db.py, contributions/votes.py and channels/sms/service.py).
    Key: the shape (which filters, page size, dialect); the values are bound per call.
    Invalidated by: nothing: a statement is a pure function of the code.
    Lifetime: the process.
    Figure: building a select costs 80-300 us, more than SQLite takes to answer it;
    building an INSERT's ``.values()`` cost three times the INSERT.

Not caches, but kept per process for the same reason and listed so that all shared
state is named here:

SQLite writers' queue (db.py, ``SqliteWriters``)
    The writing transactions of all threads and processes on one SQLite file take
    turns at a lock (a thread lock and an ``flock`` on ``<database>-writers``).
    Figure: with 32 comments at once p99 was 2 s (SQLite's own busy polling), 1.3 s
    with two processes.

SQLite readers' limit (web/transactions.py, ``SQLITE_READERS``)
    At most two SQLite reads run at once in a process.
    Figure: a consultation page cost 6 ms of CPU at 32 connections with 40 threads,
    3.5 ms with two; p99 fell from 330 to 200 ms.

Council directory (web/councils.py, ``CouncilDirectory``)
    Holds: every council by host, number and slug; a council's settings, made when a
    request of it first needs them.
    Invalidated by: time (``REFRESH_SECONDS``, 10 s): read again by one request while
    the others are served what was read before; a council whose row, hosts or numbers
    changed has its settings made anew, the others keep theirs.
    Figure: a read of 1,000 councils costs ~50 ms of CPU; read by each of 32 requests
    at once it took a sixth of a web process's CPU and 15-30 MiB of its memory.

Council scoping options (tenancy.py, ``_criteria``)
    Holds: the option that keeps an ORM statement to one council, per council (at most
    1,024). Invalidated by: nothing: a pure function of the council's id.
    Figure: making it cost ~40 us a statement.

Small memos (``functools.cache``): rendered Markdown of consultation texts
(markdown.py, ~1 ms each), CLDR date and number formats (i18n/formatting.py), static
file hashes (web/static.py), the SMS and voice template environments and opening
hours: pure functions of their arguments, nothing to invalidate.
"""
