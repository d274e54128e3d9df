"""Test doubles: local SMS provider servers and their pytest fixtures."""
