"""Shared primitives every part uses: errors, text, storage, clock, ids, privacy, child processes."""
