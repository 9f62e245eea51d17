import Link from "@/components/ui/page-link";
import { catalogApi } from "@/lib/api/client";
import { cacheTags } from "@/lib/api/cache-tags";

/** Top-level categories from GET /api/v1/categories (cached under the `categories` tag). */
export async function CategoryNav() {
  let categories: { name: string; slug: string }[] = [];
  try {
    const { data } = await catalogApi({ tags: [cacheTags.catalog, cacheTags.categories] }).GET("/api/v1/categories");
    categories = data?.items ?? [];
  } catch {
    categories = []; // API down: the header still renders
  }
  if (categories.length === 0) return null;
  return (
    <nav aria-label="Categories" className="border-t border-gray-100">
      <ul className="mx-auto flex max-w-7xl gap-5 overflow-x-auto px-4 py-2 text-sm whitespace-nowrap sm:px-6 lg:px-8">
        {categories.map((c) => (
          <li key={c.slug}>
            <Link href={`/c/${c.slug}`} className="text-muted hover:text-brand-700">
              {c.name}
            </Link>
          </li>
        ))}
      </ul>
    </nav>
  );
}
