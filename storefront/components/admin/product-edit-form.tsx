"use client";
import { useActionState } from "react";
import { FormMessage, SubmitButton } from "@/components/account/form-parts";
import { updateProduct } from "@/lib/admin/actions";
import { useKeepValuesOnError } from "./keep-values";
import { initialAdminState } from "@/lib/admin/state";
import { CatalogFields, type CatalogValues, type CategoryOption, type CollectionOption } from "./catalog-fields";

/** Edit a product's details; sends If-Match with the version it was read at. */
export function ProductEditForm({ id, version, values, categories, collections }: { id: string; version: number; values: CatalogValues; categories: CategoryOption[]; collections: CollectionOption[] }) {
  const [state, action] = useActionState(updateProduct, initialAdminState);
  const keep = useKeepValuesOnError(state);
  return (
    <form action={action} {...keep} className="flex flex-col gap-4" aria-label="Product details">
      <input type="hidden" name="id" value={id} />
      <input type="hidden" name="version" value={version} />
      <CatalogFields values={values} errors={state.fieldErrors ?? {}} categories={categories} collections={collections} />
      <FormMessage state={state} />
      <div>
        <SubmitButton pendingLabel="Saving…">Save product</SubmitButton>
      </div>
    </form>
  );
}
