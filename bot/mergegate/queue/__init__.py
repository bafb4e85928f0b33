"""Running jobs: the in-process runner; scale-out's PostgreSQL queue, dispatcher and workers."""
