/**
 * schema.org `Product` JSON-LD for a product page (pure), and safe serialisation for an inline
 * `<script type="application/ld+json">` (no `</script>` break-out).
 */
import { toMajorUnits } from "@/lib/format/money";

interface MoneyIn {
  amount: number;
  currency: string;
}

export interface ProductForLd {
  title: string;
  slug: string;
  description: string;
  brand: string;
  images: { url: string }[];
  variants: { sku: string; title: string; price: MoneyIn; in_stock: boolean; is_active: boolean }[];
}

function absolute(base: string, url: string): string {
  return /^https?:\/\//.test(url) ? url : `${base}${url.startsWith("/") ? "" : "/"}${url}`;
}

export function stripHtml(html: string): string {
  return html.replace(/<[^>]*>/g, " ").replace(/&nbsp;/g, " ").replace(/&amp;/g, "&").replace(/&lt;/g, "<").replace(/&gt;/g, ">").replace(/&quot;/g, '"').replace(/&#39;/g, "'").replace(/\s+/g, " ").trim();
}

export function productJsonLd(product: ProductForLd, base: string): Record<string, unknown> {
  const url = `${base}/p/${product.slug}`;
  const active = product.variants.filter((v) => v.is_active);
  return {
    "@context": "https://schema.org",
    "@type": "Product",
    name: product.title,
    description: stripHtml(product.description).slice(0, 5000) || undefined,
    url,
    image: product.images.map((i) => absolute(base, i.url)),
    sku: active[0]?.sku,
    brand: product.brand ? { "@type": "Brand", name: product.brand } : undefined,
    offers: active.map((v) => ({
      "@type": "Offer",
      sku: v.sku,
      name: v.title || product.title,
      url,
      price: toMajorUnits(v.price).toFixed(2),
      priceCurrency: v.price.currency,
      availability: v.in_stock ? "https://schema.org/InStock" : "https://schema.org/OutOfStock",
      itemCondition: "https://schema.org/NewCondition",
    })),
  };
}

/** JSON for an inline script element: `<`, `>`, `&` and line separators escaped. */
export function serializeJsonLd(data: unknown): string {
  return JSON.stringify(data)
    .replace(/</g, "\\u003c")
    .replace(/>/g, "\\u003e")
    .replace(/&/g, "\\u0026")
    .replace(/\u2028/g, "\\u2028")
    .replace(/\u2029/g, "\\u2029");
}
