"""Why a payout line pays what it pays, in the words every front end uses (`multitude explain`,
`distribute --dry-run`, the web node's previews and distribution pages). Plain text: each front
end escapes it for its own medium. The reasons themselves (`basis`) are written by the split."""

from __future__ import annotations

__all__ = ["explanation", "source_of"]


def source_of(bucket: str) -> str:
    """Where a line's amount came from: a bucket of the equation, or what the buckets left."""
    return f"bucket {bucket!r}" if bucket else "what was left"


def explanation(bucket: str, claim: str, basis: str) -> str:
    """A line's reason as one sentence: "bucket 'makers', equity: 1 contribution valued 30 by …"."""
    return f"{source_of(bucket)}, {claim}: {basis}"
