import type { Metadata } from "next";
import Link from "@/components/ui/page-link";
import { PageHeading, Section, secondaryLink } from "@/components/admin/fields";
import { ImportForm } from "@/components/admin/import-form";
import { requireStaff } from "@/lib/admin/session";
import { initialAdminState, type AdminFormState } from "@/lib/admin/state";

export const metadata: Metadata = { title: "Import and export products", alternates: { canonical: "/admin/products/import" } };

type Search = Promise<Record<string, string | string[] | undefined>>;

function one(value: string | string[] | undefined): string {
  return typeof value === "string" ? value : "";
}

/** The outcome of an import posted without script (the route redirects back here with it). */
function postedState(search: Record<string, string | string[] | undefined>): AdminFormState {
  const status = one(search.status);
  const message = one(search.message).slice(0, 500);
  if ((status !== "success" && status !== "error") || !message) return initialAdminState;
  const fileError = one(search.file_error).slice(0, 500);
  return { status, message, fieldErrors: fileError ? { file: fileError } : undefined };
}

export default async function ImportExportPage({ searchParams }: { searchParams: Search }) {
  await requireStaff("/admin/products/import");
  const initial = postedState(await searchParams);
  return (
    <>
      <PageHeading title="Import and export products">
        <Link href="/admin/products" className={secondaryLink}>
          All products
        </Link>
      </PageHeading>
      <div className="flex max-w-3xl flex-col gap-6">
        <Section title="Export">
          <p className="mb-3 text-muted">Every product and variant as CSV, in the format the import reads, with their categories and collections: it imports into another shop, even an empty one.</p>
          <a href="/admin/products/export" download className={secondaryLink}>
            Download products CSV
          </a>
        </Section>
        <Section title="Import">
          <ImportForm initial={initial} />
        </Section>
      </div>
    </>
  );
}
