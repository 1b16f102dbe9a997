"""Leases (SPEC §12): exclusive use of a name or of the files a path pattern covers.

`patterns` (resources, and whether two can meet) over `wildmatch` (git's matcher, ported),
`model` (the lease file), `ops` (acquire, release, extend, list, show: compare-and-swap commits,
through a remote as claims), `merge` (joining two stores' leases), `events` (the activity
stream), `guard` (the pre-commit check) and `held` (`with store.lease(...)`).
"""
