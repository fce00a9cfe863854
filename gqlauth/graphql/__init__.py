"""Strawberry integration: the only package that imports strawberry."""
