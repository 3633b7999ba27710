"""The front desk: staff enter a letter or a visit for a resident (one more door)."""
