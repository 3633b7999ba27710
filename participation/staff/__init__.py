"""The staff side's own front page; each area's staff pages live in that area."""
