"""``make bench``: the performance budgets measured against their floors in one run."""
