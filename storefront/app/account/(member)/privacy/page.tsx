import type { Metadata } from "next";
import { DeleteAccountForm } from "@/components/account/delete-account-form";
import { requireUser } from "@/lib/account/session";

export const metadata: Metadata = { title: "Privacy & data", robots: { index: false }, alternates: { canonical: "/account/privacy" } };

export default async function PrivacyPage() {
  await requireUser("/account/privacy");
  return (
    <div className="max-w-xl space-y-10">
      <h1 className="text-2xl font-bold">Privacy &amp; data</h1>
      <section aria-labelledby="export-heading" className="space-y-3">
        <h2 id="export-heading" className="text-lg font-semibold">
          Download your data
        </h2>
        <p className="text-sm">A JSON file with everything we hold about you: profile, addresses, wishlist and orders.</p>
        {/* a plain link: the route handler answers with Content-Disposition: attachment */}
        <a href="/account/export" download className="inline-block rounded-md border border-gray-300 px-4 py-2 font-medium hover:bg-gray-50">
          Download my data (JSON)
        </a>
      </section>
      <section aria-labelledby="delete-heading" className="space-y-3">
        <h2 id="delete-heading" className="text-lg font-semibold">
          Delete your account
        </h2>
        <DeleteAccountForm />
      </section>
    </div>
  );
}
