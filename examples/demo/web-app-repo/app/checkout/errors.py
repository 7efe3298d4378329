"""Errors of the checkout."""


class CheckoutError(Exception):
    """A checkout that cannot go on."""
