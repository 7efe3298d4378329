"""HTTP views of the items API."""

import logging

from app.api.service import ItemService
from app.http import json_response, route

log = logging.getLogger("web.api")
service = ItemService()


@route("/api/v1/items")
def list_items(request):
    """Items of one page, newest first."""
    page = int(request.args.get("page", 1))
    items = service.page(page)
    return json_response([item.to_dict() for item in items])




















@route("/api/v1/items/<item_id>")
def get_item(request, item_id):
    """One item by id; 404 when it does not exist."""
    log.debug("loading item %s", item_id)
    item = service.load(item_id)
    if item is None:
        return json_response({"error": "not found"}, status=404)
    return json_response(item.to_dict())
