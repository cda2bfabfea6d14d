"""Sandbox tests."""
