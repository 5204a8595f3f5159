"""Tests of the contrib distributions."""
