import { AdminField } from "./fields";

export interface CategoryOption {
  id: string;
  label: string;
}

export interface CollectionOption {
  slug: string;
  title: string;
}

export interface CatalogValues {
  title?: string;
  slug?: string;
  brand?: string;
  description?: string;
  seo_title?: string;
  seo_description?: string;
  category_id?: string;
  collections?: string[];
}

/** Title, slug, brand, description, category, collections and SEO: shared by create and edit. */
export function CatalogFields({
  values,
  errors,
  categories,
  collections,
}: {
  values?: CatalogValues | Record<string, string>;
  errors: Record<string, string>;
  categories: CategoryOption[];
  collections: CollectionOption[];
}) {
  const v = (values ?? {}) as CatalogValues;
  const chosen = new Set(v.collections ?? []);
  return (
    <>
      <div className="grid gap-3 sm:grid-cols-2">
        <AdminField id="title" label="Title" error={errors.title}>
          {(p) => <input {...p} name="title" required maxLength={300} defaultValue={v.title} />}
        </AdminField>
        <AdminField id="slug" label="URL slug" hint="Leave empty to derive it from the title." error={errors.slug}>
          {(p) => <input {...p} name="slug" maxLength={200} pattern="[a-z0-9]+(-[a-z0-9]+)*" defaultValue={v.slug} />}
        </AdminField>
        <AdminField id="brand" label="Brand" error={errors.brand}>
          {(p) => <input {...p} name="brand" maxLength={200} defaultValue={v.brand} />}
        </AdminField>
        <AdminField id="category_id" label="Category" error={errors.category_id}>
          {(p) => (
            <select {...p} name="category_id" defaultValue={v.category_id ?? ""}>
              <option value="">No category</option>
              {categories.map((c) => (
                <option key={c.id} value={c.id}>
                  {c.label}
                </option>
              ))}
            </select>
          )}
        </AdminField>
      </div>
      <AdminField id="description" label="Description" error={errors.description}>
        {(p) => <textarea {...p} name="description" rows={5} maxLength={50000} defaultValue={v.description} />}
      </AdminField>
      <fieldset className="rounded-lg border border-gray-200 p-4">
        <legend className="px-1 font-semibold">Collections</legend>
        {collections.length === 0 ? (
          <p className="text-sm text-muted">No collections yet.</p>
        ) : (
          <div className="flex flex-wrap gap-4">
            {collections.map((c) => (
              <div key={c.slug} className="flex items-center gap-2">
                <input id={`collection-${c.slug}`} type="checkbox" name="collections" value={c.slug} defaultChecked={chosen.has(c.slug)} className="h-4 w-4" />
                <label htmlFor={`collection-${c.slug}`} className="text-sm">
                  {c.title}
                </label>
              </div>
            ))}
          </div>
        )}
      </fieldset>
      <fieldset className="grid gap-3 rounded-lg border border-gray-200 p-4">
        <legend className="px-1 font-semibold">Search engines (SEO)</legend>
        <AdminField id="seo_title" label="Headline in search results" hint="Shown by search engines; defaults to the product title." error={errors.seo_title}>
          {(p) => <input {...p} name="seo_title" maxLength={300} defaultValue={v.seo_title} />}
        </AdminField>
        <AdminField id="seo_description" label="Snippet in search results" error={errors.seo_description}>
          {(p) => <textarea {...p} name="seo_description" rows={2} maxLength={500} defaultValue={v.seo_description} />}
        </AdminField>
      </fieldset>
    </>
  );
}
