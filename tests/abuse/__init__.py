"""Hostile clients against a real `earshot serve`, each check asserting a bound; run them with
scripts/abuse. The limits they prove are described in docs/security.md."""
