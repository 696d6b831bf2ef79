"""Download studies by access code: redeem, list, fetch resumably, verify, move into place.

Modules: ``messages`` (German/English texts), ``client`` (portal HTTP calls),
``safe_paths`` (names from the server never become paths), ``partial``
(the hidden area where unverified data wait), ``fetcher`` (resumable,
verified transfer), ``receiver`` (body read into reusable buffers),
``tarstream`` (push-style tar parser), ``verifier`` (SHA-256 and commit on a
second thread), ``catalog`` (catalog from the headers seen while streaming),
``publish`` (layout moved into place), ``job`` (the whole flow used by CLI and GUI).
"""
