"use server";
/**
 * Server actions of the admin area (use with `useActionState(action, initialAdminState)`).
 * Each calls the API with the signed-in user's token; the API checks the role (403 otherwise).
 * proxy.ts CSRF-checks every call. Problems become form states; nothing here returns a token.
 */
import { revalidatePath } from "next/cache";
import { redirect, unstable_rethrow } from "next/navigation";
import { problemState } from "@/lib/account/problems";
import { asProblem } from "@/lib/api/client";
import type { Problem } from "@/lib/api/types";
import { apiUrl } from "@/lib/config";
import { accessToken, sessionApi } from "@/lib/session/api";
import { markdownToPortableText } from "./markdown";
import { parseAmount } from "./money";
import type { OrderOutcome } from "./order-flash";
import { shipmentsHref, shipmentsReturn, type ShipmentsOutcome } from "./shipments-list";
import { STALE_PRODUCT, type AdminFormState } from "./state";

function text(form: FormData, name: string): string {
  const value = form.get(name);
  return typeof value === "string" ? value.trim() : "";
}

/** The form state for a refused API call; `aliases` renames the API's fields to the form's. */
function failed(error: unknown, response: Response, values?: Record<string, string>, aliases?: Record<string, string>): AdminFormState {
  const problem: Problem = asProblem(error, response.status);
  if (response.status === 412 || problem.code === "version_mismatch" || problem.code === "precondition_failed") {
    return { status: "error", code: "stale", message: STALE_PRODUCT, values };
  }
  if (response.status === 401) return { status: "error", code: "not_authenticated", message: "Your session has ended. Please sign in again." };
  if (response.status === 403) return { status: "error", code: "forbidden", message: "Your role does not allow this." };
  return problemState(problem, response.headers.get("Retry-After"), values, aliases);
}

async function guarded(run: () => Promise<AdminFormState>): Promise<AdminFormState> {
  try {
    return await run();
  } catch (error) {
    unstable_rethrow(error);
    return { status: "error", code: "unreachable", message: "We could not reach the shop's API. Try again." };
  }
}

const ok = (message: string): AdminFormState => ({ status: "success", message });

function ifMatch(form: FormData): string {
  return `"${text(form, "version")}"`;
}

// --------------------------------------------------------------------------- products

interface VariantDraft {
  sku: string;
  option: string;
  price: number | null;
  stock: number;
}

function variantDrafts(form: FormData): VariantDraft[] {
  const skus = form.getAll("variant_sku").map(String);
  const options = form.getAll("variant_option").map(String);
  const prices = form.getAll("variant_price").map(String);
  const stocks = form.getAll("variant_stock").map(String);
  return skus
    .map((sku, i) => ({
      sku: sku.trim(),
      option: (options[i] ?? "").trim(),
      price: parseAmount(prices[i] ?? ""),
      stock: Number.parseInt(stocks[i] ?? "0", 10) || 0,
    }))
    .filter((v) => v.sku !== "");
}

function collectionsOf(form: FormData): string[] {
  return form.getAll("collections").map(String).filter(Boolean);
}

export async function createProduct(_prev: AdminFormState, form: FormData): Promise<AdminFormState> {
  const currency = text(form, "currency") || "EUR";
  const title = text(form, "title");
  const optionName = text(form, "option_name") || "Option";
  const variants = variantDrafts(form);
  const values = { title, slug: text(form, "slug"), brand: text(form, "brand"), description: text(form, "description") };
  const fieldErrors: Record<string, string> = {};
  if (!title) fieldErrors.title = "Enter a title.";
  if (variants.length === 0) fieldErrors.variants = "Add at least one variant with a SKU.";
  if (variants.some((v) => v.price === null)) fieldErrors.variants = "Give every variant a price such as 12.50.";
  if (Object.keys(fieldErrors).length) return { status: "error", message: "Please correct the highlighted fields.", fieldErrors, values };
  const withOptions = variants.length > 1 || variants.some((v) => v.option);
  let createdId: string | null = null;
  const result = await guarded(async () => {
    const api = await sessionApi();
    const { data, error, response } = await api.POST("/api/v1/admin/products", {
      body: {
        title,
        slug: values.slug || undefined,
        brand: values.brand,
        description: values.description,
        status: text(form, "status") === "active" ? "active" : "draft",
        seo_title: text(form, "seo_title"),
        seo_description: text(form, "seo_description"),
        category_id: text(form, "category_id") || undefined,
        collections: collectionsOf(form),
        options: withOptions ? [{ name: optionName, values: [...new Set(variants.map((v, i) => v.option || `Variant ${i + 1}`))] }] : [],
        variants: variants.map((v, i) => ({
          sku: v.sku,
          price: { amount: v.price ?? 0, currency },
          stock: v.stock,
          is_active: true,
          weight_grams: Number.parseInt(text(form, "weight_grams") || "0", 10) || 0,
          options: withOptions ? { [optionName]: v.option || `Variant ${i + 1}` } : {},
        })),
      },
    });
    if (!data) return failed(error, response, values);
    createdId = data.id;
    return ok("Product created.");
  });
  if (createdId) {
    revalidatePath("/admin/products");
    redirect(`/admin/products/${createdId}?created=1`);
  }
  return result;
}

export async function updateProduct(_prev: AdminFormState, form: FormData): Promise<AdminFormState> {
  const id = text(form, "id");
  const values = { title: text(form, "title") };
  return guarded(async () => {
    const api = await sessionApi();
    const { data, error, response } = await api.PATCH("/api/v1/admin/products/{product_id}", {
      params: { path: { product_id: id }, header: { "If-Match": ifMatch(form) } },
      body: {
        title: text(form, "title"),
        slug: text(form, "slug") || undefined,
        brand: text(form, "brand"),
        description: text(form, "description"),
        seo_title: text(form, "seo_title"),
        seo_description: text(form, "seo_description"),
        category_id: text(form, "category_id") || null,
        collections: collectionsOf(form),
      },
    });
    if (!data) return failed(error, response, values);
    revalidatePath(`/admin/products/${id}`);
    return ok("Product saved.");
  });
}

export async function setProductStatus(_prev: AdminFormState, form: FormData): Promise<AdminFormState> {
  const id = text(form, "id");
  const status = text(form, "status") as "draft" | "active" | "archived";
  return guarded(async () => {
    const api = await sessionApi();
    const { data, error, response } = await api.PATCH("/api/v1/admin/products/{product_id}", {
      params: { path: { product_id: id }, header: { "If-Match": ifMatch(form) } },
      body: { status },
    });
    if (!data) return failed(error, response);
    revalidatePath(`/admin/products/${id}`);
    return ok(status === "active" ? "Published: the product is in the shop." : "Unpublished: the product is hidden from the shop.");
  });
}

export async function addVariant(_prev: AdminFormState, form: FormData): Promise<AdminFormState> {
  const id = text(form, "id");
  const price = parseAmount(text(form, "price"));
  const sku = text(form, "sku");
  const optionName = text(form, "option_name");
  const option = text(form, "option");
  const values = { sku, price: text(form, "price"), option, stock: text(form, "stock") };
  const fieldErrors: Record<string, string> = {};
  if (!sku) fieldErrors.sku = "Enter a SKU.";
  if (price === null) fieldErrors.price = "Enter a price such as 12.50.";
  if (Object.keys(fieldErrors).length) return { status: "error", message: "Please correct the highlighted fields.", fieldErrors, values };
  return guarded(async () => {
    const api = await sessionApi();
    const { data, error, response } = await api.POST("/api/v1/admin/products/{product_id}/variants", {
      params: { path: { product_id: id }, header: { "If-Match": ifMatch(form) } },
      body: {
        sku,
        price: { amount: price ?? 0, currency: text(form, "currency") || "EUR" },
        stock: Number.parseInt(text(form, "stock") || "0", 10) || 0,
        is_active: true,
        weight_grams: Number.parseInt(text(form, "weight_grams") || "0", 10) || 0,
        options: optionName && option ? { [optionName]: option } : {},
      },
    });
    if (!data) return failed(error, response, values);
    revalidatePath(`/admin/products/${id}`);
    return ok(`Variant ${sku} added.`);
  });
}

export async function updateVariant(_prev: AdminFormState, form: FormData): Promise<AdminFormState> {
  const productId = text(form, "product_id");
  const price = parseAmount(text(form, "price"));
  if (price === null) return { status: "error", message: "Enter a price such as 12.50.", fieldErrors: { price: "Enter a price such as 12.50." } };
  return guarded(async () => {
    const api = await sessionApi();
    const { data, error, response } = await api.PATCH("/api/v1/admin/variants/{variant_id}", {
      params: { path: { variant_id: text(form, "variant_id") }, header: { "If-Match": ifMatch(form) } },
      body: { price: { amount: price, currency: text(form, "currency") || "EUR" }, is_active: form.get("is_active") === "on" },
    });
    if (!data) return failed(error, response);
    revalidatePath(`/admin/products/${productId}`);
    return ok("Variant saved.");
  });
}

export async function uploadImage(_prev: AdminFormState, form: FormData): Promise<AdminFormState> {
  const id = text(form, "id");
  const file = form.get("file");
  if (!(file instanceof File) || file.size === 0) return { status: "error", message: "Choose an image file.", fieldErrors: { file: "Choose an image file." } };
  return guarded(async () => {
    const body = new FormData();
    body.set("file", file, file.name);
    body.set("alt", text(form, "alt"));
    const token = await accessToken();
    const response = await fetch(`${apiUrl()}/api/v1/admin/products/${encodeURIComponent(id)}/images`, {
      method: "POST",
      headers: token ? { Authorization: `Bearer ${token}` } : {},
      body,
      cache: "no-store",
    });
    if (!response.ok) return failed(await response.json().catch(() => undefined), response);
    revalidatePath(`/admin/products/${id}`);
    return ok("Image uploaded.");
  });
}

export async function removeImage(_prev: AdminFormState, form: FormData): Promise<AdminFormState> {
  const id = text(form, "id");
  const keep = JSON.parse(text(form, "keep") || "[]") as Array<{ url: string; alt: string }>;
  return guarded(async () => {
    const api = await sessionApi();
    const { data, error, response } = await api.PATCH("/api/v1/admin/products/{product_id}", {
      params: { path: { product_id: id }, header: { "If-Match": ifMatch(form) } },
      body: { images: keep },
    });
    if (!data) return failed(error, response);
    revalidatePath(`/admin/products/${id}`);
    return ok("Image removed.");
  });
}

// The product import is a route handler (app/api/admin/products/import, ADR 0065): a server
// action's body is capped at 1 MB.

// --------------------------------------------------------------------------- inventory

export async function adjustStock(_prev: AdminFormState, form: FormData): Promise<AdminFormState> {
  const sku = text(form, "sku");
  const mode = text(form, "mode") === "set" ? "set" : "delta";
  const amount = Number(text(form, "quantity"));
  const reason = text(form, "reason");
  const values = { mode, quantity: text(form, "quantity"), reason };
  const fieldErrors: Record<string, string> = {};
  if (text(form, "quantity") === "" || !Number.isInteger(amount)) fieldErrors.quantity = "Enter a whole number.";
  else if (mode === "set" && amount < 0) fieldErrors.quantity = "The count on hand cannot be below 0.";
  else if (mode === "delta" && amount === 0) fieldErrors.quantity = "A change of 0 changes nothing: enter the number to add or remove.";
  if (!reason) fieldErrors.reason = "Give a reason (it goes into the movement history).";
  if (Object.keys(fieldErrors).length) return { status: "error", message: "Please correct the highlighted fields.", fieldErrors, values };
  return guarded(async () => {
    const api = await sessionApi();
    const { data, error, response } = await api.POST("/api/v1/admin/inventory/{sku}/adjustments", {
      params: { path: { sku } },
      body: mode === "set" ? { on_hand: amount, reason } : { delta: amount, reason },
    });
    if (!data) return quantityProblem(failed(error, response, values, { on_hand: "quantity", delta: "quantity" }));
    revalidatePath(`/admin/inventory/${encodeURIComponent(sku)}`);
    return ok(`Stock of ${sku}: ${data.on_hand} on hand, ${data.available} available.`);
  });
}

/** The API refuses some counts as a whole (a change of 0, below what is reserved): shown at Quantity. */
function quantityProblem(state: AdminFormState): AdminFormState {
  if (state.code !== "bad_adjustment" && state.code !== "stock_below_reserved") return state;
  return { ...state, message: "Please correct the highlighted fields.", fieldErrors: { ...state.fieldErrors, quantity: state.message ?? "" } };
}

// --------------------------------------------------------------------------- orders

function orderPath(form: FormData): { order_id: string } {
  return { order_id: text(form, "order_id") };
}

function orderDone(form: FormData, message: string): AdminFormState {
  revalidatePath(`/admin/orders/${text(form, "order_id")}`);
  return ok(message);
}

/**
 * For an action whose success removes its own form (the last lines shipped, the order cancelled,
 * a label voided or delivered): back to the order page with `?done=` (and the shipment), where a
 * FlashMessage says the outcome and takes the focus; a message inside the gone form would be lost
 * with the focus. From the Shipments list see `shipmentRedirect`; otherwise the in-form status stays.
 */
function orderRedirect(form: FormData, message: string, outcome: OrderOutcome, shipmentId?: string): AdminFormState {
  const state = orderDone(form, message);
  const orderId = text(form, "order_id");
  if (form.get("return_to") !== "order" || !orderId) return state;
  const query = new URLSearchParams({ done: outcome });
  if (shipmentId) query.set("shipment", shipmentId);
  redirect(`/admin/orders/${encodeURIComponent(orderId)}?${query.toString()}`);
}

/**
 * "Mark delivered" / "Void label": from the Shipments list (`return_to` is the list's href, checked
 * by `shipmentsReturn`: only that path and its known filters) back to the list as it was, with
 * `?done=&shipment=` for its focused FlashMessage; from the order page as `orderRedirect`.
 */
function shipmentRedirect(form: FormData, message: string, outcome: ShipmentsOutcome, shipmentId: string): AdminFormState {
  const filters = shipmentsReturn(form.get("return_to"));
  if (!filters) return orderRedirect(form, message, outcome, shipmentId);
  orderDone(form, message);
  redirect(shipmentsHref(filters, { done: outcome, shipment: shipmentId }));
}

export async function addOrderNote(_prev: AdminFormState, form: FormData): Promise<AdminFormState> {
  const note = text(form, "note");
  if (!note) return { status: "error", message: "Write a note first.", fieldErrors: { note: "Write a note first." } };
  return guarded(async () => {
    const api = await sessionApi();
    const { data, error, response } = await api.POST("/api/v1/admin/orders/{order_id}/notes", { params: { path: orderPath(form) }, body: { note } });
    if (!data) return failed(error, response, { note });
    return orderDone(form, "Note added.");
  });
}

export async function cancelOrder(_prev: AdminFormState, form: FormData): Promise<AdminFormState> {
  return guarded(async () => {
    const api = await sessionApi();
    const { data, error, response } = await api.POST("/api/v1/admin/orders/{order_id}/cancel", {
      params: { path: orderPath(form) },
      body: { reason: text(form, "reason") || "cancelled_by_admin" },
    });
    if (!data) return failed(error, response);
    return orderRedirect(form, "Order cancelled.", "cancelled");
  });
}

export async function refundOrder(_prev: AdminFormState, form: FormData): Promise<AdminFormState> {
  // an amount typed means a partial refund, whichever radio is shown
  const full = text(form, "mode") !== "partial" && text(form, "amount") === "";
  const amount = full ? null : parseAmount(text(form, "amount"));
  const max = Number.parseInt(text(form, "refundable"), 10);
  const values = { amount: text(form, "amount"), reason: text(form, "reason") };
  if (!full && (amount === null || amount <= 0)) return { status: "error", message: "Enter the amount to refund, such as 5.00.", fieldErrors: { amount: "Enter the amount to refund, such as 5.00." }, values };
  if (!full && amount !== null && Number.isFinite(max) && amount > max) return { status: "error", message: "That is more than what can still be refunded.", fieldErrors: { amount: "That is more than what can still be refunded." }, values };
  return guarded(async () => {
    const api = await sessionApi();
    const { data, error, response } = await api.POST("/api/v1/admin/orders/{order_id}/refund", {
      params: { path: orderPath(form) },
      body: { amount: amount ?? undefined, reason: text(form, "reason") || undefined },
    });
    if (!data) return failed(error, response, values);
    return orderDone(form, full ? "Refunded in full." : "Partial refund issued.");
  });
}

export async function resendConfirmation(_prev: AdminFormState, form: FormData): Promise<AdminFormState> {
  return guarded(async () => {
    const api = await sessionApi();
    const { data, error, response } = await api.POST("/api/v1/admin/orders/{order_id}/resend-confirmation", { params: { path: orderPath(form) } });
    if (!data) return failed(error, response);
    return orderDone(form, "The confirmation email is on its way.");
  });
}

/** "Create shipment": fulfil the chosen quantities, then mark the order shipped with tracking. */
export async function createShipment(_prev: AdminFormState, form: FormData): Promise<AdminFormState> {
  const items: Array<{ line_id: string; quantity: number }> = [];
  for (const [key, value] of form.entries()) {
    if (!key.startsWith("qty_")) continue;
    const quantity = Number.parseInt(String(value), 10);
    if (quantity > 0) items.push({ line_id: key.slice(4), quantity });
  }
  if (items.length === 0) return { status: "error", message: "Choose at least one item to ship." };
  return guarded(async () => {
    const api = await sessionApi();
    const { data, error, response } = await api.POST("/api/v1/admin/shipments", { body: { order_id: text(form, "order_id"), items } });
    if (!data) return failed(error, response);
    revalidatePath("/admin/shipments");
    return orderRedirect(form, `Label bought: ${data.carrier} tracking number ${data.tracking_number}.`, "shipped", data.id);
  });
}

function shipmentPath(form: FormData): { shipment_id: string } {
  return { shipment_id: text(form, "shipment_id") };
}

export async function deliverShipment(_prev: AdminFormState, form: FormData): Promise<AdminFormState> {
  return guarded(async () => {
    const api = await sessionApi();
    const { data, error, response } = await api.POST("/api/v1/admin/shipments/{shipment_id}/deliver", { params: { path: shipmentPath(form) } });
    if (!data) return failed(error, response);
    revalidatePath("/admin/shipments");
    return shipmentRedirect(form, `Shipment ${data.tracking_number} marked delivered.`, "delivered", data.id);
  });
}

export async function voidShipment(_prev: AdminFormState, form: FormData): Promise<AdminFormState> {
  return guarded(async () => {
    const api = await sessionApi();
    const { data, error, response } = await api.POST("/api/v1/admin/shipments/{shipment_id}/void", { params: { path: shipmentPath(form) } });
    if (!data) return failed(error, response);
    revalidatePath("/admin/shipments");
    return shipmentRedirect(form, `Label ${data.tracking_number} voided: its items can be shipped again.`, "voided", data.id);
  });
}

// --------------------------------------------------------------------------- customers

export async function setCustomerActive(_prev: AdminFormState, form: FormData): Promise<AdminFormState> {
  const id = text(form, "user_id");
  const active = text(form, "active") === "true";
  return guarded(async () => {
    const api = await sessionApi();
    const { data, error, response } = await api.PATCH("/api/v1/admin/customers/{user_id}", { params: { path: { user_id: id } }, body: { is_active: active } });
    if (!data) return failed(error, response);
    revalidatePath(`/admin/customers/${id}`);
    return ok(active ? "Account enabled." : "Account disabled: the customer is signed out and cannot sign in.");
  });
}

// --------------------------------------------------------------------------- discounts

function optionalInt(form: FormData, name: string): number | null {
  const value = text(form, name);
  if (!value) return null;
  const parsed = Number.parseInt(value, 10);
  return Number.isInteger(parsed) ? parsed : null;
}

function discountValue(kind: string, form: FormData): number | null {
  if (kind === "free_shipping") return 0;
  if (kind === "fixed") return parseAmount(text(form, "value"));
  return optionalInt(form, "value");
}

function dateTime(form: FormData, name: string): string | null {
  const value = text(form, name);
  if (!value) return null;
  const date = new Date(`${value}T00:00:00Z`);
  return Number.isNaN(date.getTime()) ? null : date.toISOString();
}

/** Field errors found before asking the API: the value, and the end of validity after its start. */
function discountErrors(value: number | null, form: FormData): Record<string, string> {
  const fieldErrors: Record<string, string> = {};
  if (value === null) fieldErrors.value = "Enter the discount's value.";
  const starts = dateTime(form, "starts_at");
  const ends = dateTime(form, "ends_at");
  if (starts && ends && ends <= starts) fieldErrors.ends_at = "Valid until must be after Valid from.";
  return fieldErrors;
}

/** What the discount form sends, echoed back after a refused attempt. */
function discountValues(form: FormData): Record<string, string> {
  const names = ["code", "kind", "value", "min_subtotal", "usage_limit", "per_customer_limit", "starts_at", "ends_at"];
  return Object.fromEntries(names.map((name) => [name, text(form, name)]));
}

export async function createDiscount(_prev: AdminFormState, form: FormData): Promise<AdminFormState> {
  const kind = text(form, "kind") as "percentage" | "fixed" | "free_shipping";
  const code = text(form, "code");
  const value = discountValue(kind, form);
  const values = discountValues(form);
  const fieldErrors = discountErrors(value, form);
  if (Object.keys(fieldErrors).length) return { status: "error", message: "Please correct the highlighted fields.", fieldErrors, values };
  let createdId: string | null = null;
  const result = await guarded(async () => {
    const api = await sessionApi();
    const { data, error, response } = await api.POST("/api/v1/admin/discounts", {
      body: {
        code,
        kind,
        value: value ?? 0,
        min_subtotal: parseAmount(text(form, "min_subtotal") || "0") ?? 0,
        usage_limit: optionalInt(form, "usage_limit"),
        per_customer_limit: optionalInt(form, "per_customer_limit"),
        starts_at: dateTime(form, "starts_at"),
        ends_at: dateTime(form, "ends_at"),
      },
    });
    if (!data) return failed(error, response, values);
    createdId = data.id;
    return ok("Discount created.");
  });
  if (createdId) {
    revalidatePath("/admin/discounts");
    redirect(`/admin/discounts/${createdId}?created=1`);
  }
  return result;
}

export async function updateDiscount(_prev: AdminFormState, form: FormData): Promise<AdminFormState> {
  const id = text(form, "discount_id");
  const kind = text(form, "kind");
  const value = discountValue(kind, form);
  const values = discountValues(form);
  const fieldErrors = discountErrors(value, form);
  if (Object.keys(fieldErrors).length) return { status: "error", message: "Please correct the highlighted fields.", fieldErrors, values };
  return guarded(async () => {
    const api = await sessionApi();
    const { data, error, response } = await api.PATCH("/api/v1/admin/discounts/{discount_id}", {
      params: { path: { discount_id: id } },
      body: {
        value: value ?? 0,
        min_subtotal: parseAmount(text(form, "min_subtotal") || "0") ?? 0,
        usage_limit: optionalInt(form, "usage_limit"),
        per_customer_limit: optionalInt(form, "per_customer_limit"),
        starts_at: dateTime(form, "starts_at"),
        ends_at: dateTime(form, "ends_at"),
      },
    });
    if (!data) return failed(error, response, values);
    revalidatePath(`/admin/discounts/${id}`);
    return ok("Discount saved.");
  });
}

export async function setDiscountActive(_prev: AdminFormState, form: FormData): Promise<AdminFormState> {
  const id = text(form, "discount_id");
  const active = text(form, "active") === "true";
  return guarded(async () => {
    const api = await sessionApi();
    const { data, error, response } = await api.PATCH("/api/v1/admin/discounts/{discount_id}", { params: { path: { discount_id: id } }, body: { active } });
    if (!data) return failed(error, response);
    revalidatePath(`/admin/discounts/${id}`);
    revalidatePath("/admin/discounts");
    return ok(active ? "Discount enabled." : "Discount disabled: shoppers can no longer apply it.");
  });
}

// --------------------------------------------------------------------------- operations

export async function replayDeadTask(_prev: AdminFormState, form: FormData): Promise<AdminFormState> {
  return guarded(async () => {
    const api = await sessionApi();
    const { data, error, response } = await api.POST("/api/v1/admin/tasks/dead/{dead_letter_id}/replay", {
      params: { path: { dead_letter_id: text(form, "dead_letter_id") } },
    });
    if (!data) return failed(error, response);
    revalidatePath("/admin/operations");
    return ok(`Task ${data.task_name} published again.`);
  });
}

const BACKUP_ID = /^mercato-[0-9A-Za-z-]{1,92}$/;

export async function verifyBackup(_prev: AdminFormState, form: FormData): Promise<AdminFormState> {
  const backupId = text(form, "backup_id");
  if (!BACKUP_ID.test(backupId)) return { status: "error", code: "invalid", message: "That is not a backup of this shop." };
  return guarded(async () => {
    const api = await sessionApi();
    const { data, error, response } = await api.POST("/api/v1/admin/backups/verifications", { body: { backup_id: backupId } });
    if (!data) return failed(error, response);
    revalidatePath("/admin/operations");
    return ok(`Verification of ${data.backup_id} queued: the worker restores it into a scratch database and compares every table. Reload to see the result.`);
  });
}

// --------------------------------------------------------------------------- content

const CONTENT_ID = /^[A-Za-z0-9_][A-Za-z0-9._-]{0,127}$/;
const CONTENT_SLUG = /^[a-z0-9]+(?:-[a-z0-9]+)*$/;
const STALE_CONTENT = "Someone else changed this document since you opened it. Reload the page to see their changes, then make yours again.";
const READ_ONLY_CONTENT = "Content is managed in Sanity: edit it in the Sanity Studio.";

function contentFailed(error: unknown, response: Response, values?: Record<string, string>): AdminFormState {
  const problem: Problem = asProblem(error, response.status);
  if (response.status === 412) return { status: "error", code: "stale", message: STALE_CONTENT, values };
  if (problem.code === "content_source_read_only") return { status: "error", code: problem.code, message: READ_ONLY_CONTENT, values };
  if (problem.code === "slug_taken") return { status: "error", code: problem.code, message: problem.detail ?? "That slug is taken.", fieldErrors: { slug: "Another document already uses this slug." }, values };
  return failed(error, response, values);
}

function revalidateContent(type: string, ...slugs: string[]): void {
  revalidatePath("/admin/content");
  if (type === "post") {
    revalidatePath("/blog");
    for (const slug of slugs) if (slug) revalidatePath(`/blog/${slug}`);
  } else {
    for (const slug of slugs) if (slug) revalidatePath(`/pages/${slug}`);
  }
}

/** Create or replace a post or page; the body arrives as the editor's Markdown. */
export async function saveContentDocument(_prev: AdminFormState, form: FormData): Promise<AdminFormState> {
  const existingId = text(form, "id");
  const type = text(form, "type") === "page" ? "page" : "post";
  const title = text(form, "title");
  const slug = text(form, "slug").toLowerCase();
  const excerpt = text(form, "excerpt");
  const bodyText = typeof form.get("body") === "string" ? String(form.get("body")) : "";
  const values = { title, slug, excerpt, body: bodyText };
  const fieldErrors: Record<string, string> = {};
  if (!title) fieldErrors.title = "Enter a title.";
  if (!CONTENT_SLUG.test(slug) || slug.length > 200) fieldErrors.slug = "Use lowercase words joined by hyphens, e.g. spring-news.";
  if (existingId && !CONTENT_ID.test(existingId)) return { status: "error", message: "This document cannot be found." };
  if (Object.keys(fieldErrors).length) return { status: "error", message: "Please correct the highlighted fields.", fieldErrors, values };
  const id = existingId || crypto.randomUUID();
  let savedId: string | null = null;
  const result = await guarded(async () => {
    const api = await sessionApi();
    let base: Record<string, unknown> = {};
    let oldSlug = "";
    if (existingId) {
      const current = await api.GET("/api/v1/admin/content/documents/{document_id}", { params: { path: { document_id: id } } });
      if (!current.data) return contentFailed(current.error, current.response, values);
      base = current.data;
      oldSlug = (base.slug as { current?: unknown } | undefined)?.current === undefined ? "" : String((base.slug as { current?: unknown }).current);
    }
    // blocks the Markdown editor cannot show (images…) are kept, after the text
    const kept = Array.isArray(base.body) ? (base.body as Array<{ _type?: unknown }>).filter((b) => b && b._type !== "block") : [];
    const doc: Record<string, unknown> = {
      ...base,
      _type: type,
      title,
      slug: { _type: "slug", current: slug },
      body: [...markdownToPortableText(bodyText), ...kept],
    };
    delete doc._rev;
    delete doc._id;
    delete doc._createdAt;
    delete doc._updatedAt;
    if (type === "post") {
      doc.excerpt = excerpt;
      if (typeof doc.publishedAt !== "string") doc.publishedAt = new Date().toISOString().replace(/\.\d+Z$/, "Z");
    }
    const rev = text(form, "rev");
    const { data, error, response } = await api.PUT("/api/v1/admin/content/documents/{document_id}", {
      params: { path: { document_id: id }, header: existingId ? { "If-Match": `"${rev}"` } : undefined },
      body: doc,
    });
    if (!data) return contentFailed(error, response, values);
    revalidateContent(type, slug, oldSlug);
    savedId = id;
    return ok(type === "post" ? "Post saved." : "Page saved.");
  });
  if (savedId && !existingId) redirect(`/admin/content/${encodeURIComponent(savedId)}?created=1`);
  if (savedId) revalidatePath(`/admin/content/${savedId}`);
  return result;
}

/** Delete a post or page after the confirmation box was ticked; If-Match guards concurrent edits. */
export async function deleteContentDocument(_prev: AdminFormState, form: FormData): Promise<AdminFormState> {
  const id = text(form, "id");
  if (!CONTENT_ID.test(id)) return { status: "error", message: "This document cannot be found." };
  if (form.get("confirm") !== "yes") return { status: "error", message: "Tick the box to confirm the deletion.", fieldErrors: { confirm: "Tick to confirm." } };
  let deleted = false;
  const result = await guarded(async () => {
    const api = await sessionApi();
    const { error, response } = await api.DELETE("/api/v1/admin/content/documents/{document_id}", {
      params: { path: { document_id: id }, header: { "If-Match": `"${text(form, "rev")}"` } },
    });
    if (response.status !== 204) return contentFailed(error, response);
    revalidateContent(text(form, "type"), text(form, "slug"));
    deleted = true;
    return ok("Deleted.");
  });
  if (deleted) redirect("/admin/content?deleted=1");
  return result;
}
