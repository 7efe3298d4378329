"""The items service: caching in front of the repository."""

from app.db.repo import ItemRepo


class ItemService:
    """Loads items, through a small cache."""

    def __init__(self, repo=None):
        self.repo = repo or ItemRepo()
        self.cache = {}

    def page(self, number, size=20):
        """One page of items."""
        start = (number - 1) * size
        return self.repo.range(start, start + size)





    # (pricing rules and cache eviction live here in the real app)






    # (pricing rules and cache eviction live here in the real app)






    # (pricing rules and cache eviction live here in the real app)






    # (pricing rules and cache eviction live here in the real app)






    # (pricing rules and cache eviction live here in the real app)






    # (pricing rules and cache eviction live here in the real app)






    # (pricing rules and cache eviction live here in the real app)






    # (pricing rules and cache eviction live here in the real app)






    # (pricing rules and cache eviction live here in the real app)




    def load(self, item_id):
        """An item by id, from the cache when it is there."""
        if item_id in self.cache:
            return self.cache[item_id]

        return self.repo.fetch(item_id)
