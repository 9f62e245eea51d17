/**
 * PLACEHOLDER from the cart & checkout branch (phase 2b) so its browser tests can start at /p/{slug}.
 * Developer (a) owns this route: on merge, keep (a)'s page and drop this file.
 */
import type { Metadata } from "next";
import { notFound } from "next/navigation";
import { AddToCart } from "@/components/cart/add-to-cart";
import { bearerApi } from "@/lib/api/client";
import { formatMoney } from "@/lib/format/money";

export async function generateMetadata({ params }: PageProps<"/p/[slug]">): Promise<Metadata> {
  const { slug } = await params;
  return { title: slug, alternates: { canonical: `/p/${slug}` } };
}

export default async function ProductPlaceholderPage({ params }: PageProps<"/p/[slug]">) {
  const { slug } = await params;
  const { data: product } = await bearerApi(null).GET("/api/v1/products/{slug}", { params: { path: { slug } } });
  if (!product) notFound();
  return (
    <div>
      <h1 className="text-2xl font-bold">{product.title}</h1>
      <ul aria-label="Variants" className="mt-4 space-y-4">
        {product.variants.map((variant) => (
          <li key={variant.sku} className="rounded-md border border-gray-200 p-3">
            <h2 className="font-medium">{variant.title}</h2>
            <p className="text-sm">{formatMoney(variant.price)}</p>
            <AddToCart sku={variant.sku} productName={`${product.title} ${variant.title}`} disabled={!variant.in_stock} />
          </li>
        ))}
      </ul>
    </div>
  );
}
