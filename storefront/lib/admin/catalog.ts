import "server-only";
import type { CategoryOption, CollectionOption } from "@/components/admin/catalog-fields";
import type { CategoryNode } from "@/lib/api/types";
import { sessionApi } from "@/lib/session/api";

function flatten(nodes: CategoryNode[], prefix = ""): CategoryOption[] {
  return nodes.flatMap((n) => [{ id: n.id, label: `${prefix}${n.name}` }, ...flatten(n.children ?? [], `${prefix}${n.name} › `)]);
}

/** Categories (as "Parent › Child" labels) and collections for the product forms. */
export async function catalogChoices(): Promise<{ categories: CategoryOption[]; collections: CollectionOption[] }> {
  const api = await sessionApi();
  const [cats, cols] = await Promise.all([api.GET("/api/v1/categories"), api.GET("/api/v1/admin/collections", { params: { query: { limit: 100 } } })]);
  return {
    categories: flatten(cats.data?.items ?? []),
    collections: (cols.data?.items ?? []).map((c) => ({ slug: c.slug, title: c.title })),
  };
}

/** The shop currency (from the overview, which is cached briefly by the API). */
export async function shopCurrency(): Promise<string> {
  const api = await sessionApi();
  const { data } = await api.GET("/api/v1/admin/overview");
  return data?.currency ?? "EUR";
}
