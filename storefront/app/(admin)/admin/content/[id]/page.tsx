import type { Metadata } from "next";
import Link from "@/components/ui/page-link";
import { notFound } from "next/navigation";
import { ContentEditor, DeleteContent } from "@/components/admin/content-editor";
import { ErrorNote, PageHeading, Section, secondaryLink } from "@/components/admin/fields";
import { draftOf } from "@/lib/admin/content";
import { one, type Params } from "@/lib/admin/query";
import { requireStaff } from "@/lib/admin/session";
import { asProblem, problemMessage } from "@/lib/api/client";
import { sessionApi } from "@/lib/session/api";
import { FlashMessage } from "@/components/ui/flash-message";

export const metadata: Metadata = { title: "Edit content" };

const CONTENT_ID = /^[A-Za-z0-9_][A-Za-z0-9._-]{0,127}$/;

export default async function EditContentPage({ params, searchParams }: PageProps<"/admin/content/[id]">) {
  const { id } = await params;
  if (!CONTENT_ID.test(id)) notFound();
  await requireStaff(`/admin/content/${id}`);
  const api = await sessionApi();
  const { data, error, response } = await api.GET("/api/v1/admin/content/documents/{document_id}", { params: { path: { document_id: id } } });
  if (response.status === 404) notFound();
  if (!data) return <ErrorNote message={problemMessage(asProblem(error, response.status))} />;
  if (data._type !== "post" && data._type !== "page") {
    return <ErrorNote message={`This ${String(data._type)} document is not edited here.`} />;
  }
  const draft = draftOf(data);
  const created = one((await searchParams) as Params, "created");
  const href = `${draft.type === "post" ? "/blog/" : "/pages/"}${draft.slug}`;
  return (
    <>
      <PageHeading title={draft.title || "(untitled)"}>
        <Link href="/admin/content" className={secondaryLink}>
          All content
        </Link>
        {draft.slug && !draft.id.startsWith("drafts.") ? (
          <Link href={href} className={secondaryLink}>
            View on the shop
          </Link>
        ) : null}
      </PageHeading>
      {created ? <FlashMessage message={(draft.type === "post" ? "Post created." : "Page created.")} className="mb-4 rounded-md border border-green-300 bg-green-50 px-3 py-2 text-sm text-green-900" /> : null}
      <div className="grid max-w-3xl gap-6">
        {/* after a save the page is revalidated: the hidden _rev (If-Match) is the stored one */}
        <ContentEditor draft={draft} />
        <Section title="Delete">
          <DeleteContent draft={draft} />
        </Section>
      </div>
    </>
  );
}
