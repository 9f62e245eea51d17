import type { Metadata } from "next";
import Link from "@/components/ui/page-link";
import { AddressForm } from "@/components/account/address-form";
import { addressFormCountries } from "@/lib/checkout/countries";
import { requireUser } from "@/lib/account/session";

export const metadata: Metadata = { title: "Add an address", robots: { index: false } };

export default async function NewAddressPage() {
  await requireUser("/account/addresses/new");
  return (
    <div className="max-w-xl space-y-6">
      <p className="text-sm">
        <Link href="/account/addresses" className="text-brand-700 underline">
          ← Addresses
        </Link>
      </p>
      <h1 className="text-2xl font-bold">Add an address</h1>
      <AddressForm {...await addressFormCountries()} />
    </div>
  );
}
