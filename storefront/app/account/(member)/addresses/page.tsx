import type { Metadata } from "next";
import Link from "@/components/ui/page-link";
import { DeleteAddressButton } from "@/components/account/delete-address-button";
import { FlashMessage } from "@/components/ui/flash-message";
import { countryName } from "@/lib/account/address-form";
import { addressLines } from "@/lib/account/format";
import { param, requireUser } from "@/lib/account/session";
import { sessionApi } from "@/lib/session/api";

export const metadata: Metadata = { title: "Addresses", robots: { index: false }, alternates: { canonical: "/account/addresses" } };

const SAVED: Record<string, string> = {
  added: "The address has been added.",
  updated: "The address has been saved.",
  deleted: "The address has been deleted.",
};

export default async function AddressesPage({ searchParams }: PageProps<"/account/addresses">) {
  await requireUser("/account/addresses");
  const saved = SAVED[param((await searchParams).saved) ?? ""];
  const api = await sessionApi();
  const { data, error } = await api.GET("/api/v1/me/addresses");
  const addresses = data?.items ?? [];
  return (
    <div className="space-y-6">
      <div className="flex flex-wrap items-center justify-between gap-3">
        <h1 className="text-2xl font-bold">Addresses</h1>
        <Link href="/account/addresses/new" className="rounded-md bg-brand-600 px-4 py-2 text-sm font-medium text-white hover:bg-brand-700">
          Add an address
        </Link>
      </div>
      <FlashMessage message={saved} className="rounded-md border border-green-300 bg-green-50 px-3 py-2 text-sm text-green-900" />
      {error ? (
        <p role="alert" className="text-red-700">
          Your addresses could not be loaded. Please reload the page.
        </p>
      ) : addresses.length === 0 ? (
        <p className="text-muted">You have no saved addresses yet. Addresses you add here are offered at checkout.</p>
      ) : (
        <ul className="grid gap-4 sm:grid-cols-2" aria-label="Saved addresses">
          {addresses.map((a) => {
            const label = `${a.full_name}, ${a.line1}, ${a.city}`;
            return (
              <li key={a.id} className="flex flex-col gap-3 rounded-md border border-gray-200 p-4">
                {a.is_default ? <p className="w-fit rounded bg-brand-50 px-2 py-0.5 text-xs font-semibold text-brand-700">Default address</p> : null}
                <address className="text-sm not-italic">
                  {addressLines(a, countryName).map((line, i) => (
                    <span key={i} className="block">
                      {line}
                    </span>
                  ))}
                  {a.phone ? <span className="block text-muted">{a.phone}</span> : null}
                </address>
                <div className="mt-auto flex items-center gap-4">
                  <Link href={`/account/addresses/${a.id}`} aria-label={`Edit address: ${label}`} className="text-sm font-medium text-brand-700 underline">
                    Edit
                  </Link>
                  <DeleteAddressButton id={a.id} label={label} />
                </div>
              </li>
            );
          })}
        </ul>
      )}
    </div>
  );
}
