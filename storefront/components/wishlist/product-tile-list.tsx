import Image from "next/image";
import Link from "@/components/ui/page-link";
import type { ProductTile } from "@/lib/wishlist/products";
import { WishlistButton } from "./wishlist-button";

/** A list of small product tiles with a wishlist toggle each (wishlist page, recently viewed). */
export function ProductTileList({ tiles, label }: { tiles: ProductTile[]; label: string }) {
  return (
    <ul aria-label={label} className="grid grid-cols-2 gap-4 sm:grid-cols-3 lg:grid-cols-4">
      {tiles.map((t) => (
        <li key={t.slug} className="flex flex-col gap-2">
          <div className="aspect-square overflow-hidden rounded-lg bg-gray-100">
            {t.image ? (
              <Image src={t.image.url} alt={t.image.alt} width={300} height={300} sizes="(min-width: 1024px) 20vw, (min-width: 640px) 30vw, 45vw" unoptimized className="h-full w-full object-cover" />
            ) : null}
          </div>
          <Link href={`/p/${t.slug}`} className="text-sm font-medium hover:text-brand-700">
            {t.title}
          </Link>
          <p className="text-sm font-semibold">{t.price}</p>
          {!t.in_stock ? <p className="text-xs text-red-700">Sold out</p> : null}
          <WishlistButton productId={t.id} productSlug={t.slug} productName={t.title} named />
        </li>
      ))}
    </ul>
  );
}
