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
  /** the countries checkout accepts (configuration, GET /shipping/countries) */
  shippingCountries: "shipping-countries",
} as const;

/** Data-cache tags for CMS reads (the API's `ContentChanged` events revalidate them). */
export const contentTags = {
  /** every content read */
  content: "content",
  posts: "posts",
  post: (slug: string) => `post:${slug}`,
  page: (slug: string) => `page:${slug}`,
  siteSettings: "site-settings",
} as const;
