import type { Metadata } from "next";
import Link from "@/components/ui/page-link";
import { ContentEditor } from "@/components/admin/content-editor";
import { PageHeading, secondaryLink } from "@/components/admin/fields";
import { one, type Params } from "@/lib/admin/query";
import { requireStaff } from "@/lib/admin/session";

export const metadata: Metadata = { title: "New content" };

export default async function NewContentPage({ searchParams }: PageProps<"/admin/content/new">) {
  await requireStaff("/admin/content/new");
  const type = one((await searchParams) as Params, "type") === "page" ? "page" : "post";
  return (
    <>
      <PageHeading title={type === "post" ? "New post" : "New page"}>
        <Link href="/admin/content" className={secondaryLink}>
          All content
        </Link>
      </PageHeading>
      <div className="max-w-3xl">
        <ContentEditor draft={{ id: "", rev: "", type, title: "", slug: "", excerpt: "", markdown: "", skipped: 0 }} />
      </div>
    </>
  );
}
