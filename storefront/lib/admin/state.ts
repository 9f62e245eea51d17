import type { FormState } from "@/lib/account/problems";
import type { Schema } from "@/lib/api/types";

/** What admin forms get back from their server action. */
export interface AdminFormState extends FormState {
  /** CSV import: the API's report (per-row errors) */
  report?: Schema<"ImportReport">;
}

export const initialAdminState: AdminFormState = { status: "idle" };

/** The message shown when a write was refused because the product changed since it was read. */
export const STALE_PRODUCT =
  "Someone else changed this product since you opened it. Reload the page to see their changes, then make yours again.";
