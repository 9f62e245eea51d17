import type { ProductSummary } from "@/lib/api/types";
import { ProductCard } from "./product-card";

/** A responsive product grid; the first `priorityCount` images load eagerly (above the fold). */
export function ProductGrid({ products, label, priorityCount = 4 }: { products: ProductSummary[]; label: string; priorityCount?: number }) {
  return (
    <ul aria-label={label} className="grid grid-cols-2 gap-x-4 gap-y-8 sm:grid-cols-3 lg:grid-cols-4">
      {products.map((p, i) => (
        <li key={p.id}>
          <ProductCard product={p} priority={i < priorityCount} />
        </li>
      ))}
    </ul>
  );
}
