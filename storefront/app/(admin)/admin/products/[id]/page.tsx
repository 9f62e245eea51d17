import type { Metadata } from "next";
import Link from "@/components/ui/page-link";
import { notFound } from "next/navigation";
import { ActionForm } from "@/components/admin/action-form";
import { AdminField, ErrorNote, PageHeading, Section, secondaryLink, tableClass, tdClass, thClass } from "@/components/admin/fields";
import { ImageUpload } from "@/components/admin/image-upload";
import { ProductEditForm } from "@/components/admin/product-edit-form";
import { addVariant, removeImage, setProductStatus, updateVariant } from "@/lib/admin/actions";
import { catalogChoices } from "@/lib/admin/catalog";
import { amountInput } from "@/lib/admin/money";
import { requireStaff } from "@/lib/admin/session";
import { asProblem, problemMessage } from "@/lib/api/client";
import { sessionApi } from "@/lib/session/api";
import { FlashMessage } from "@/components/ui/flash-message";

export const metadata: Metadata = { title: "Edit product" };

const UUID = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/i;

export default async function EditProductPage({ params, searchParams }: PageProps<"/admin/products/[id]">) {
  const { id } = await params;
  await requireStaff(`/admin/products/${id}`);
  if (!UUID.test(id)) notFound();
  const created = (await searchParams).created === "1";
  const api = await sessionApi();
  const [{ data: product, error, response }, choices] = await Promise.all([
    api.GET("/api/v1/admin/products/{product_id}", { params: { path: { product_id: id } } }),
    catalogChoices(),
  ]);
  if (response.status === 404) notFound();
  if (!product) return <ErrorNote message={problemMessage(asProblem(error, response.status))} />;
  const currency = product.price.currency;
  const optionName = product.options[0]?.name ?? "";
  const published = product.status === "active";
  return (
    <>
      <PageHeading title={product.title}>
        <Link href="/admin/products" className={secondaryLink}>
          All products
        </Link>
        {published ? (
          <Link href={`/p/${product.slug}`} className={secondaryLink}>
            View in shop
          </Link>
        ) : null}
      </PageHeading>
      {created ? <FlashMessage message={"Product created."} className="mb-4 rounded-md border border-green-300 bg-green-50 px-3 py-2 text-sm text-green-900" /> : null}
      <div className="flex flex-col gap-6">
        <Section title="Visibility">
          <p className="mb-3">
            Status: <strong>{published ? "Published" : product.status === "draft" ? "Draft" : "Archived"}</strong> · version {product.version}
          </p>
          <ActionForm
            action={setProductStatus}
            hidden={{ id, version: product.version, status: published ? "draft" : "active" }}
            submit={published ? "Unpublish" : "Publish"}
            pending={published ? "Unpublishing…" : "Publishing…"}
            variant={published ? "secondary" : "primary"}
          />
        </Section>
        <Section title="Details">
          <ProductEditForm
            id={id}
            version={product.version}
            categories={choices.categories}
            collections={choices.collections}
            values={{
              title: product.title,
              slug: product.slug,
              brand: product.brand,
              description: product.description,
              seo_title: product.custom_seo_title ?? "",
              seo_description: product.seo_description,
              category_id: product.category?.id,
              collections: product.collections,
            }}
          />
        </Section>
        <Section title="Variants">
          <div className="overflow-x-auto" tabIndex={0}>
            <table className={tableClass}>
              <caption className="sr-only">Variants with price, availability and stock</caption>
              <thead>
                <tr>
                  <th scope="col" className={thClass}>SKU</th>
                  <th scope="col" className={thClass}>Variant</th>
                  <th scope="col" className={thClass}>Available</th>
                  <th scope="col" className={thClass}>Price and status</th>
                </tr>
              </thead>
              <tbody>
                {product.variants.map((v) => (
                  <tr key={v.id}>
                    <td className={tdClass}>
                      <Link href={`/admin/inventory/${encodeURIComponent(v.sku)}`} className="text-brand-700 underline">
                        {v.sku}
                      </Link>
                    </td>
                    <td className={tdClass}>{v.title || "—"}</td>
                    <td className={tdClass}>{v.available}</td>
                    <td className={tdClass}>
                      <ActionForm
                        action={updateVariant}
                        hidden={{ product_id: id, variant_id: v.id, version: product.version, currency }}
                        submit="Save variant"
                        pending="Saving…"
                        variant="secondary"
                        className="flex flex-wrap items-end gap-2"
                        label={`Variant ${v.sku}`}
                      >
                        <AdminField id={`price-${v.id}`} label={`Price of ${v.sku} (${currency})`}>
                          {(p) => <input {...p} name="price" inputMode="decimal" defaultValue={amountInput(v.price.amount)} required />}
                        </AdminField>
                        <div className="flex items-center gap-2 pb-2">
                          <input id={`active-${v.id}`} name="is_active" type="checkbox" defaultChecked={v.is_active} className="h-4 w-4" />
                          <label htmlFor={`active-${v.id}`} className="text-sm">
                            {`${v.sku} for sale`}
                          </label>
                        </div>
                      </ActionForm>
                    </td>
                  </tr>
                ))}
              </tbody>
            </table>
          </div>
          <h3 className="mb-2 mt-4 font-semibold">Add a variant</h3>
          <ActionForm action={addVariant} hidden={{ id, version: product.version, currency, option_name: optionName }} submit="Add variant" pending="Adding…" variant="secondary" className="grid gap-3 sm:grid-cols-2" label="Add a variant">
            <AdminField id="new-variant-sku" label="New variant SKU">
              {(p) => <input {...p} name="sku" required maxLength={64} />}
            </AdminField>
            <AdminField id="new-variant-option" label={optionName ? `New variant ${optionName}` : "New variant option value"}>
              {(p) => <input {...p} name="option" maxLength={100} />}
            </AdminField>
            <AdminField id="new-variant-price" label={`New variant price (${currency})`}>
              {(p) => <input {...p} name="price" inputMode="decimal" required placeholder="12.50" />}
            </AdminField>
            <AdminField id="new-variant-stock" label="New variant stock">
              {(p) => <input {...p} name="stock" type="number" min={0} defaultValue="0" />}
            </AdminField>
          </ActionForm>
        </Section>
        <Section title="Images">
          {product.images.length === 0 ? (
            <p className="mb-3 text-muted">No images yet.</p>
          ) : (
            <ul className="mb-4 flex flex-wrap gap-4">
              {product.images.map((image, index) => (
                <li key={`${image.url}-${index}`} className="flex w-40 flex-col gap-2">
                  {/* eslint-disable-next-line @next/next/no-img-element -- admin thumbnail of a /media image */}
                  <img src={image.url} alt={image.alt || `Image ${index + 1} of ${product.title}`} className="h-32 w-40 rounded-md border border-gray-200 object-cover" />
                  <ActionForm
                    action={removeImage}
                    hidden={{ id, version: product.version, keep: JSON.stringify(product.images.filter((_, i) => i !== index).map((i) => ({ url: i.url, alt: i.alt }))) }}
                    submit={`Remove image ${index + 1}`}
                    pending="Removing…"
                    variant="danger"
                  />
                </li>
              ))}
            </ul>
          )}
          <ImageUpload productId={id} />
        </Section>
      </div>
    </>
  );
}
