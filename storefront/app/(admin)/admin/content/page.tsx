import type { Metadata } from "next";
import Link from "@/components/ui/page-link";
import { EmptyState, ErrorNote, FilterField, FilterForm, PageHeading, buttonLink, inputClass, secondaryLink, tableClass, tdClass, thClass } from "@/components/admin/fields";
import { EDITABLE_TYPES, draftOf, type EditableType } from "@/lib/admin/content";
import { hrefWith, one, type Params } from "@/lib/admin/query";
import { requireStaff } from "@/lib/admin/session";
import { asProblem, problemMessage } from "@/lib/api/client";
import { sanityStudioUrl } from "@/lib/config";
import { sessionApi } from "@/lib/session/api";

export const metadata: Metadata = { title: "Content", alternates: { canonical: "/admin/content" } };

/** Blog posts and pages of the local content source, or a link to the Sanity Studio. */
export default async function AdminContentPage({ searchParams }: PageProps<"/admin/content">) {
  await requireStaff("/admin/content");
  const studio = sanityStudioUrl();
  if (studio) {
    return (
      <>
        <PageHeading title="Content" />
        <div className="max-w-2xl rounded-lg border border-gray-200 p-6">
          <p className="font-medium">Blog posts and pages are managed in Sanity.</p>
          <p className="mt-2 text-muted">Edits published there reach the shop through the Sanity webhook.</p>
          <p className="mt-4">
            <a href={studio} className={buttonLink} rel="noopener noreferrer" target="_blank">
              Open the Sanity Studio
            </a>
          </p>
        </div>
      </>
    );
  }
  const params = (await searchParams) as Params;
  const typeParam = one(params, "type");
  const type = EDITABLE_TYPES.includes(typeParam as EditableType) ? (typeParam as EditableType) : undefined;
  const cursor = one(params, "cursor");
  const api = await sessionApi();
  const requests = type ? [type] : [...EDITABLE_TYPES];
  const pages = await Promise.all(requests.map((t) => api.GET("/api/v1/admin/content/documents", { params: { query: { type: t, cursor: type ? cursor : undefined, limit: 100 } } })));
  const failed = pages.find((p) => !p.data);
  const items = pages.flatMap((p) => p.data?.items ?? []).map(draftOf);
  const next = type ? pages[0]?.data?.next_cursor : null;
  return (
    <>
      <PageHeading title="Content">
        <Link href="/admin/content/new?type=post" className={buttonLink}>
          New post
        </Link>
        <Link href="/admin/content/new?type=page" className={secondaryLink}>
          New page
        </Link>
      </PageHeading>
      {one(params, "deleted") ? (
        <p role="status" className="mb-4 rounded-md border border-green-300 bg-green-50 px-3 py-2 text-sm text-green-900">
          Deleted.
        </p>
      ) : null}
      <FilterForm label="Filter content" submitLabel="Filter content">
        <FilterField id="filter-type" label="Type">
          <select id="filter-type" name="type" defaultValue={type ?? ""} className={inputClass}>
            <option value="">Posts and pages</option>
            <option value="post">Posts</option>
            <option value="page">Pages</option>
          </select>
        </FilterField>
      </FilterForm>
      <p className="mb-4 text-sm text-muted">
        These are the documents of the shop&apos;s own content source. If the API is set to Sanity (MERCATO_CONTENT__SOURCE=sanity), edit
        content in the Studio instead: saving here is refused.
      </p>
      {failed ? (
        <ErrorNote message={problemMessage(asProblem(failed.error, failed.response.status))} />
      ) : items.length === 0 ? (
        <EmptyState>{type ? `No ${type}s yet.` : "No posts or pages yet."} Create one with the buttons above.</EmptyState>
      ) : (
        <div className="overflow-x-auto" tabIndex={0}>
          <table className={tableClass}>
            <caption className="sr-only">Posts and pages</caption>
            <thead>
              <tr>
                <th scope="col" className={thClass}>Title</th>
                <th scope="col" className={thClass}>Type</th>
                <th scope="col" className={thClass}>Address</th>
              </tr>
            </thead>
            <tbody>
              {items.map((d) => (
                <tr key={d.id}>
                  <td className={tdClass}>
                    <Link href={`/admin/content/${encodeURIComponent(d.id)}`} className="font-medium text-brand-700 underline">
                      {d.title || "(untitled)"}
                    </Link>
                    {d.id.startsWith("drafts.") ? <span className="ml-2 text-xs text-muted">draft</span> : null}
                  </td>
                  <td className={tdClass}>{d.type}</td>
                  <td className={tdClass}>{d.slug ? `${d.type === "post" ? "/blog/" : "/pages/"}${d.slug}` : "—"}</td>
                </tr>
              ))}
            </tbody>
          </table>
        </div>
      )}
      {next ? (
        <p className="mt-4">
          <Link href={hrefWith("/admin/content", { type, cursor: next })} className={secondaryLink}>
            Next page
          </Link>
        </p>
      ) : null}
    </>
  );
}
