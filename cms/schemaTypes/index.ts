/**
 * Mercato's content model for Sanity Studio: `import { schemaTypes } from "./schemaTypes"` in a
 * Studio's sanity.config.ts (`schema: { types: schemaTypes }`). The API reads exactly these
 * fields (backend/src/mercato/content/documents.py).
 */
import { author, page, post, productEditorial, siteSettings } from "./documents";
import { accessibleImage, link, richText, seo } from "./objects";

export const schemaTypes = [accessibleImage, link, seo, richText, author, post, page, siteSettings, productEditorial];

/** Document types the shop reads; the API's SHOP_TYPES. */
export const documentTypeNames = ["post", "page", "author", "siteSettings", "productEditorial"] as const;
