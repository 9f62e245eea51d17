"""The response-cache tag names, shared by the modules that cache public responses and the modules
whose writes invalidate them (catalog, inventory, content): a vocabulary, like event types."""

PRODUCTS_TAG = "products"  # everything a catalog write may change
LISTINGS_TAG = "listings"  # what shows a product's summary (price, title, image, in stock)
CATEGORIES_TAG = "categories"  # the category tree with its active-product counts
COLLECTIONS_TAG = "collections"  # every collection page (an import); one page: `collection_tag`


def product_tag(slug: str) -> str:
    """One product's own page (bumped when its stock moves or its editorial changes)."""
    return f"product:{slug}"


def collection_tag(slug: str) -> str:
    """One collection's own page."""
    return f"collection:{slug}"
