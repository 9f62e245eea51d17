import type { Metadata } from "next";
import { headers } from "next/headers";
import { notFound } from "next/navigation";
import { Breadcrumbs } from "@/components/catalog/breadcrumbs";
import { PortableTextBody } from "@/components/content/portable-text";
import { Gallery } from "@/components/product/gallery";
import { ProductGalleryProvider } from "@/components/product/product-gallery-state";
import { ProductGrid } from "@/components/product/product-grid";
import { VariantPicker } from "@/components/product/variant-picker";
import { RecordView } from "@/components/wishlist/record-view";
import { WishlistButton } from "@/components/wishlist/wishlist-button";
import { getProduct } from "@/lib/catalog/api";
import { imageForChange, imageOptionValues } from "@/lib/catalog/gallery";
import { productJsonLd, serializeJsonLd, stripHtml } from "@/lib/catalog/json-ld";
import { storefrontUrl } from "@/lib/config";
import { initialSelection, VARIANT_PARAM, variantFromParam } from "@/lib/catalog/variants";
import { notFoundMetadata } from "@/lib/metadata/not-found";

interface Props {
  params: Promise<{ slug: string }>;
  searchParams: Promise<Record<string, string | string[] | undefined>>;
}

export async function generateMetadata({ params }: Props): Promise<Metadata> {
  const { slug } = await params;
  const result = await getProduct(slug);
  if (!result.ok) return result.status === 404 ? notFoundMetadata : { title: "Product", robots: { index: false } };
  const p = result.data;
  const title = p.seo_title || p.title;
  const description = (p.seo_description || stripHtml(p.description)).slice(0, 300) || `${p.title} at Mercato.`;
  const image = p.images[0];
  return {
    title,
    description,
    alternates: { canonical: `/p/${p.slug}` },
    openGraph: {
      type: "website",
      title,
      description,
      url: `/p/${p.slug}`,
      images: image ? [{ url: image.url, alt: image.alt || p.title, width: image.width ?? undefined, height: image.height ?? undefined }] : undefined,
    },
  };
}

/** Product detail: gallery, variant picker with availability, price, breadcrumbs, related, JSON-LD. */
export default async function ProductPage({ params, searchParams }: Props) {
  const { slug } = await params;
  const result = await getProduct(slug);
  if (!result.ok) {
    if (result.status === 404) notFound();
    return <p role="alert">The shop is not reachable right now. Please try again in a moment.</p>;
  }
  const product = result.data;
  const nonce = (await headers()).get("x-nonce") ?? undefined;
  // `?variant={sku}` (kept by the variant picker) chooses the variant the page first paints with;
  // a stale or unknown one falls back to the default. Reading it costs no caching: the page is
  // already rendered per request (the CSP nonce above), its product data is in the data cache.
  const initialSku = variantFromParam(product.variants, (await searchParams)[VARIANT_PARAM]);
  const imageValues = imageOptionValues(product.images, product.options);
  const initialShown = initialSku ? (imageForChange(imageValues, {}, initialSelection(product.variants, initialSku), 0) ?? 0) : 0;
  const crumbs = [...product.breadcrumbs.map((c) => ({ name: c.name, href: `/c/${c.slug}` })), { name: product.title }];
  return (
    <div className="space-y-12">
      <script type="application/ld+json" nonce={nonce} dangerouslySetInnerHTML={{ __html: serializeJsonLd(productJsonLd(product, storefrontUrl())) }} />
      <RecordView slug={product.slug} />
      <div className="space-y-4">
        <Breadcrumbs items={crumbs} />
        {/* the gallery and the variant picker share the image shown: choosing a colour shows it */}
        <ProductGalleryProvider imageValues={imageValues} initialShown={initialShown}>
          <div className="grid gap-8 lg:grid-cols-2 lg:gap-12">
            <Gallery images={product.images} title={product.title} />
            <div className="space-y-6">
              <div className="space-y-1">
                {product.brand ? <p className="text-sm font-medium text-muted">{product.brand}</p> : null}
                <h1 className="text-2xl font-bold tracking-tight sm:text-3xl">{product.title}</h1>
              </div>
              <VariantPicker productName={product.title} options={product.options} variants={product.variants} initialSku={initialSku} />
              <WishlistButton productId={product.id} productSlug={product.slug} productName={product.title} />
              {product.description ? (
                <section aria-labelledby="description-heading" className="space-y-2">
                  <h2 id="description-heading" className="text-lg font-semibold">
                    Description
                  </h2>
                  {/* sanitised by the API (catalog/text.py sanitize_html) */}
                  <div className="prose max-w-none text-muted" dangerouslySetInnerHTML={{ __html: product.description }} />
                </section>
              ) : null}
            </div>
          </div>
        </ProductGalleryProvider>
      </div>
      {product.editorial ? (
        <section aria-labelledby="editorial-heading" className="space-y-4 rounded-2xl bg-gray-50 p-6">
          <h2 id="editorial-heading" className="text-xl font-bold tracking-tight">
            The story
          </h2>
          {product.editorial.highlights && product.editorial.highlights.length > 0 ? (
            <ul aria-label="Highlights" className="list-disc space-y-1 pl-6">
              {product.editorial.highlights.map((h) => (
                <li key={h}>{h}</li>
              ))}
            </ul>
          ) : null}
          <PortableTextBody value={product.editorial.body} />
          {product.editorial.images && product.editorial.images.length > 0 ? (
            <div className="grid gap-4 sm:grid-cols-3">
              {product.editorial.images.map((image) => (
                // eslint-disable-next-line @next/next/no-img-element -- CMS images come with their own sizes
                <img key={image.asset_ref} src={image.url} alt={image.alt} width={image.width ?? undefined} height={image.height ?? undefined} loading="lazy" className="h-auto w-full rounded-lg" />
              ))}
            </div>
          ) : null}
        </section>
      ) : null}
      {(product.related ?? []).length > 0 ? (
        <section aria-labelledby="related-heading" className="space-y-4">
          <h2 id="related-heading" className="text-xl font-bold tracking-tight">
            You may also like
          </h2>
          <ProductGrid products={(product.related ?? []).slice(0, 8)} label="Related products" priorityCount={0} />
        </section>
      ) : null}
    </div>
  );
}
