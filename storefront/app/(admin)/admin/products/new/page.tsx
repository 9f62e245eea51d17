import type { Metadata } from "next";
import { PageHeading } from "@/components/admin/fields";
import { ProductCreateForm } from "@/components/admin/product-create-form";
import { catalogChoices, shopCurrency } from "@/lib/admin/catalog";
import { requireStaff } from "@/lib/admin/session";

export const metadata: Metadata = { title: "New product", alternates: { canonical: "/admin/products/new" } };

export default async function NewProductPage() {
  await requireStaff("/admin/products/new");
  const [{ categories, collections }, currency] = await Promise.all([catalogChoices(), shopCurrency()]);
  return (
    <>
      <PageHeading title="New product" />
      <ProductCreateForm currency={currency} categories={categories} collections={collections} />
    </>
  );
}
