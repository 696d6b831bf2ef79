"""The upload engine: a persistent queue of study uploads to portal communities.

Flow of one job: queued -> staging (copy from the medium, SHA-256 per file)
-> uploading (a virtual tar bundle over tus, resumable) -> verifying (the
portal's receipt) -> done. See ``docs/protocol.md`` for the bundle format.
"""
