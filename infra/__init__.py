"""Deployment templates and the least-privilege permission table (not packaged)."""
