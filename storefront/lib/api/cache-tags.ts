/**
 * Data-cache tags for catalog reads. Every catalog fetch passes tags from here so the signed
 * revalidation route (phase 2) can invalidate exactly what changed.
 */
export const cacheTags = {
  /** every catalog read */
  catalog: "catalog",
  products: "products",
  product: (slug: string) => `product:${slug}`,
  categories: "categories",
  category: (slug: string) => `category:${slug}`,
  collection: (slug: string) => `collection:${slug}`,
} as const;
