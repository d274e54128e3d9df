"""Outbox, queue, jobs and SMS providers."""
