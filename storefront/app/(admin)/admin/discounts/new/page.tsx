import type { Metadata } from "next";
import { DiscountForm } from "@/components/admin/discount-form";
import { PageHeading } from "@/components/admin/fields";
import { shopCurrency } from "@/lib/admin/catalog";
import { requireStaff } from "@/lib/admin/session";

export const metadata: Metadata = { title: "New discount", alternates: { canonical: "/admin/discounts/new" } };

export default async function NewDiscountPage() {
  await requireStaff("/admin/discounts/new");
  return (
    <>
      <PageHeading title="New discount" />
      <DiscountForm currency={await shopCurrency()} />
    </>
  );
}
