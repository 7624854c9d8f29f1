"""``make bench``: the SPEC §10 budgets measured against their floors in one run."""
