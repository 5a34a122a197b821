"""Helpers of the reliability suite (tests/reliability): database snapshots, secret scans,
fault plans and process orchestration shared by its proofs."""
