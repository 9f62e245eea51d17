import Image from "next/image";
import Link from "@/components/ui/page-link";
import type { ProductSummary } from "@/lib/api/types";
import { formatMoney, formatPriceRange } from "@/lib/format/money";

/** A product tile for grids (home, listings, related products). */
export function ProductCard({ product, priority = false }: { product: ProductSummary; priority?: boolean }) {
  const onSale = product.compare_at_price && product.compare_at_price.amount > product.price.amount;
  return (
    <article className="group relative flex flex-col">
      <div className="aspect-square overflow-hidden rounded-lg bg-gray-100">
        {product.image ? (
          <Image
            src={product.image.url}
            alt={product.image.alt || product.title}
            width={product.image.width ?? 600}
            height={product.image.height ?? 600}
            sizes="(min-width: 1024px) 25vw, (min-width: 640px) 33vw, 50vw"
            priority={priority}
            unoptimized
            className="h-full w-full object-cover transition group-hover:scale-105"
          />
        ) : null}
      </div>
      <h3 className="mt-2 text-sm font-medium">
        <Link href={`/p/${product.slug}`} prefetch={false} className="after:absolute after:inset-0">
          {product.title}
        </Link>
      </h3>
      <p className="text-sm text-muted">{product.brand}</p>
      <p className="mt-1 text-sm font-semibold">
        {formatPriceRange(product.price, product.price_max)}
        {onSale && product.compare_at_price ? (
          <>
            {" "}
            <s className="font-normal text-muted">
              <span className="sr-only">was </span>
              {formatMoney(product.compare_at_price)}
            </s>
          </>
        ) : null}
      </p>
      {!product.in_stock ? <p className="text-xs text-red-700">Sold out</p> : null}
    </article>
  );
}
