"""Process plumbing for the composition roots: Temporal connections, the embedded server."""
