/** Home page selections (pure). */
import type { ProductSummary } from "@/lib/api/types";

/** Products on sale: a compare-at price above the price, best discount first. */
export function saleItems(products: ProductSummary[], limit: number): ProductSummary[] {
  const discount = (p: ProductSummary) => (p.compare_at_price ? (p.compare_at_price.amount - p.price.amount) / p.compare_at_price.amount : 0);
  return products
    .filter((p) => p.compare_at_price && p.compare_at_price.amount > p.price.amount && p.in_stock)
    .sort((a, b) => discount(b) - discount(a))
    .slice(0, limit);
}
