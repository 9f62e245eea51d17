import type { Metadata } from "next";
import Link from "@/components/ui/page-link";
import { notFound } from "next/navigation";
import { AddressForm } from "@/components/account/address-form";
import { addressFormCountries } from "@/lib/checkout/countries";
import { requireUser } from "@/lib/account/session";
import { sessionApi } from "@/lib/session/api";

export const metadata: Metadata = { title: "Edit address", robots: { index: false } };

export default async function EditAddressPage({ params }: PageProps<"/account/addresses/[id]">) {
  const { id } = await params;
  await requireUser(`/account/addresses/${id}`);
  const api = await sessionApi();
  const { data } = await api.GET("/api/v1/me/addresses");
  const address = data?.items.find((a) => a.id === id);
  if (!address) notFound();
  return (
    <div className="max-w-xl space-y-6">
      <p className="text-sm">
        <Link href="/account/addresses" className="text-brand-700 underline">
          ← Addresses
        </Link>
      </p>
      <h1 className="text-2xl font-bold">Edit address</h1>
      <AddressForm address={address} {...await addressFormCountries(address.country)} />
    </div>
  );
}
