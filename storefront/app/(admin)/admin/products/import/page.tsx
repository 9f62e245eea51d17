import type { Metadata } from "next";
import Link from "@/components/ui/page-link";
import { PageHeading, Section, secondaryLink } from "@/components/admin/fields";
import { ImportForm } from "@/components/admin/import-form";
import { requireStaff } from "@/lib/admin/session";
import { outcomeState } from "@/lib/admin/import";

export const metadata: Metadata = { title: "Import and export products", alternates: { canonical: "/admin/products/import" } };

type Search = Promise<Record<string, string | string[] | undefined>>;

export default async function ImportExportPage({ searchParams }: { searchParams: Search }) {
  await requireStaff("/admin/products/import");
  const initial = outcomeState(await searchParams); // a post without script comes back here
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
