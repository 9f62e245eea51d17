import type { Metadata } from "next";
import Link from "@/components/ui/page-link";

export const metadata: Metadata = { title: "Staff only", alternates: { canonical: "/admin/forbidden" } };

/** Where a signed-in customer lands when they open an admin page (ADR 0044). */
export default function AdminForbiddenPage() {
  return (
    <div className="mx-auto max-w-xl py-16 text-center">
      <h1 className="text-3xl font-bold">Staff only</h1>
      <p className="mt-3 text-muted">
        Error 403: the shop admin is for staff accounts. You are signed in with a customer account.
      </p>
      <p className="mt-6 flex justify-center gap-4">
        <Link href="/account" className="font-medium text-brand-700 underline">
          Your account
        </Link>
        <Link href="/" className="font-medium text-brand-700 underline">
          Back to the shop
        </Link>
      </p>
    </div>
  );
}
