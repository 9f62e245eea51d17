/**
 * Catalog (phase 2a): browse a category, filter by size, open a product, pick a variant with its
 * availability; instant search suggestions; an admin price edit shows on the next page load
 * (API outbox → worker → signed POST /api/revalidate). Screenshots of home, listing and product.
 */
import { spawnSync } from "node:child_process";
import { mkdirSync } from "node:fs";
import path from "node:path";
import type { Page } from "@playwright/test";
import type { ProductPage, ProductRead } from "../lib/api/types";
import { findVariant, initialSelection, valueState } from "../lib/catalog/variants";
import { expect, test, type Shop } from "./fixtures";

const SHOTS = path.join(__dirname, "..", "test-results", "screenshots");
const REPO_DIR = path.resolve(__dirname, "..", "..");

async function api<T>(shop: Shop, pathAndQuery: string, init?: RequestInit): Promise<T> {
  const url = `${shop.apiUrl}${pathAndQuery}`;
  // one retry on a network error: a pooled keep-alive socket may be closed by the server just then
  const res = await fetch(url, init).catch(() => fetch(url, init));
  if (!res.ok) throw new Error(`${pathAndQuery}: ${res.status} ${await res.text()}`);
  return (await res.json()) as T;
}

async function screenshot(page: Page, name: string) {
  mkdirSync(SHOTS, { recursive: true });
  for (const width of [1280, 390]) {
    await page.setViewportSize({ width, height: 900 });
    await page.screenshot({ path: path.join(SHOTS, `${name}-${width}.png`), fullPage: true });
  }
  await page.setViewportSize({ width: 1280, height: 900 });
}

/** Choose an option value the way a shopper's test does: check the radio its label names. */
async function pick(page: Page, option: string, value: string) {
  const group = page.getByRole("group", { name: new RegExp(`^${option}`, "i") });
  await group.getByLabel(value, { exact: true }).check();
  await expect(group.getByRole("radio", { name: value, exact: true })).toBeChecked();
}

/** A product (from the demo data) whose page starts with a sold-out option value, if there is one. */
async function productWithSoldOutValue(shop: Shop): Promise<ProductRead | null> {
  const list = await api<ProductPage>(shop, "/api/v1/products?limit=100&sort=name");
  for (const summary of list.items) {
    const p = await api<ProductRead>(shop, `/api/v1/products/${summary.slug}`);
    const selection = initialSelection(p.variants);
    if (p.options.some((o) => o.values.some((v) => valueState(p.variants, selection, o.name, v) === "sold_out"))) return p;
  }
  return null;
}

test("browse a category, filter by size, open a product and pick a variant", async ({ page }) => {
  await page.goto("/");
  await expect(page.getByRole("heading", { level: 1 })).toBeVisible();
  await expect(page.getByRole("heading", { name: "New arrivals" })).toBeVisible();
  await screenshot(page, "catalog-home");

  await page.getByRole("navigation", { name: "Categories" }).getByRole("link", { name: "Clothing" }).click();
  await expect(page.getByRole("heading", { level: 1, name: "Clothing" })).toBeVisible();
  await expect(page.getByRole("navigation", { name: "Breadcrumb" })).toContainText("Clothing");

  const size = page.getByRole("group", { name: "Size" });
  await size.getByRole("checkbox", { name: /^M\b/ }).check();
  await expect(page).toHaveURL(/[?&]option=size%3AM\b/);
  expect(new URL(page.url()).search).not.toMatch(/=(&|$)/); // no empty fields (`sort=`) in the URL
  await expect(page.getByRole("list", { name: "Active filters" }).getByRole("link", { name: /Size: M/ })).toBeVisible();
  await expect(page.getByRole("group", { name: "Size" }).getByRole("checkbox", { name: /^M\b/ })).toBeChecked();
  // the link reproduces the view
  const filtered = page.url();
  await page.goto(filtered);
  await expect(page.getByRole("group", { name: "Size" }).getByRole("checkbox", { name: /^M\b/ })).toBeChecked();
  await screenshot(page, "catalog-listing");

  const products = page.getByRole("list", { name: "Products" }).getByRole("link");
  await expect(products.first()).toBeVisible();
  const title = (await products.first().textContent())?.trim() ?? "";
  await products.first().click();
  await expect(page.getByRole("heading", { level: 1, name: title })).toBeVisible();
  await expect(page).toHaveURL(/\/p\//);

  // the filtered size is offered on the product; choose it (or any value still in stock)
  await pick(page, "Size", "M");
  await expect(page.getByRole("group", { name: /^Size/ })).toContainText("Size: M");
  await expect(page.getByRole("status").filter({ hasText: /In stock|Only \d+ left|Sold out/ })).toBeVisible();
  await expect(page.getByRole("button", { name: "Add to cart" })).toBeVisible();
  await screenshot(page, "catalog-product");
});

test("a sold-out variant is disabled and low stock says how many are left", async ({ page, shop }) => {
  const product = await productWithSoldOutValue(shop);
  test.skip(product === null, "the demo data has no product with a sold-out variant");
  const p = product!;
  await page.goto(`/p/${p.slug}`);
  await expect(page.getByRole("heading", { level: 1, name: p.title })).toBeVisible();
  // every value's state on the page is the API's availability (sold out → disabled, named so)
  const selection = initialSelection(p.variants);
  let disabled = 0;
  for (const option of p.options) {
    const group = page.getByRole("group", { name: new RegExp(`^${option.name}`, "i") });
    for (const value of option.values) {
      const soldOut = valueState(p.variants, selection, option.name, value) === "sold_out";
      const radio = group.getByRole("radio", { name: soldOut ? `${value} (sold out)` : value, exact: true });
      if (soldOut) {
        await expect(radio).toBeDisabled();
        disabled += 1;
      } else await expect(radio).toBeEnabled();
    }
  }
  expect(disabled).toBeGreaterThan(0);
  const variant = findVariant(p.variants, selection)!;
  const expected = variant.low_stock ? `Only ${variant.available} left` : "In stock";
  await expect(page.getByRole("status").filter({ hasText: expected })).toBeVisible();
  await expect(page.getByRole("button", { name: "Add to cart" })).toBeEnabled();
});

/** A product (demo data) with an option of at least three values in stock at its first selection. */
async function productWithThreeValues(shop: Shop): Promise<{ product: ProductRead; option: string; values: string[] } | null> {
  const list = await api<ProductPage>(shop, "/api/v1/products?limit=100&sort=name&in_stock=true");
  for (const summary of list.items) {
    const p = await api<ProductRead>(shop, `/api/v1/products/${summary.slug}`);
    const selection = initialSelection(p.variants);
    for (const option of p.options) {
      // the chosen value last: its text is also in the group's legend ("Colour: Charcoal")
      const values = option.values
        .filter((v) => valueState(p.variants, selection, option.name, v) === "available")
        .sort((a, b) => Number(a === selection[option.name]) - Number(b === selection[option.name]));
      if (values.length >= 3) return { product: p, option: option.name, values: values.slice(0, 3) };
    }
  }
  return null;
}

test("an option value is chosen by clicking its text, by its label or as a radio", async ({ page, shop }) => {
  const found = await productWithThreeValues(shop);
  test.skip(found === null, "the demo data has no product with three values of an option in stock");
  const { product, option, values } = found!;
  await page.goto(`/p/${product.slug}`);
  const group = page.getByRole("group", { name: new RegExp(`^${option}`, "i") });
  const [byText, byLabel, byRole] = values as [string, string, string];
  // what a person does: click the word on the swatch
  await group.getByText(byText, { exact: true }).click();
  await expect(group.getByRole("radio", { name: byText, exact: true })).toBeChecked();
  await group.getByLabel(byLabel, { exact: true }).check();
  await expect(group.getByRole("radio", { name: byLabel, exact: true })).toBeChecked();
  await expect(group.getByRole("radio", { name: byText, exact: true })).not.toBeChecked();
  await group.getByRole("radio", { name: byRole, exact: true }).check();
  await expect(group.getByRole("radio", { name: byRole, exact: true })).toBeChecked();
  await expect(group.locator("legend")).toContainText(`: ${byRole}`);
});

test("search suggestions appear while typing and selecting one opens the product", async ({ page, shop }) => {
  const list = await api<ProductPage>(shop, "/api/v1/products?limit=1&sort=newest");
  const target = list.items[0]!;
  const word = target.title.split(" ").slice(-1)[0]!; // e.g. "Jacket"
  await page.goto("/");
  const box = page.getByRole("combobox", { name: "Search products" });
  await box.pressSequentially(word.toLowerCase(), { delay: 60 });
  const listbox = page.getByRole("listbox", { name: "Search suggestions" });
  await expect(listbox).toBeVisible();
  await expect(box).toHaveAttribute("aria-expanded", "true");
  const options = listbox.getByRole("option");
  await expect(options.first()).toBeVisible();
  await box.press("ArrowDown");
  await expect(options.first()).toHaveAttribute("aria-selected", "true");
  await box.press("Escape");
  await expect(listbox).toBeHidden();
  await box.press("ArrowDown");
  await expect(listbox).toBeVisible();
  const chosen = (await options.first().locator("span.font-medium").textContent())?.trim() ?? "";
  await box.press("Enter");
  await expect(page).toHaveURL(/\/p\//);
  await expect(page.getByRole("heading", { level: 1, name: chosen })).toBeVisible();

  // without choosing a suggestion, Enter searches
  await page.getByRole("combobox", { name: "Search products" }).fill(word);
  await page.getByRole("combobox", { name: "Search products" }).press("Enter");
  await expect(page).toHaveURL(new RegExp(`/search\\?q=${word}`));
  await expect(page.getByRole("heading", { level: 1, name: `Results for “${word}”` })).toBeVisible();
  // the results page, opened from its address, shows what was searched for in the box
  await page.goto(`/search?q=${encodeURIComponent("linen shirt")}`);
  await expect(page.getByRole("combobox", { name: "Search products" })).toHaveValue("linen shirt");
  await expect(page.getByRole("listbox", { name: "Search suggestions" })).toBeHidden();
});

test("filters that match nothing show an empty state with a way back", async ({ page }) => {
  await page.goto("/c/clothing?price_min=99999000");
  await expect(page.getByRole("heading", { name: "No products match" })).toBeVisible();
  await page.getByRole("link", { name: "Clear filters" }).click();
  await expect(page).toHaveURL(/\/c\/clothing$/);
  await expect(page.getByRole("list", { name: "Products" })).toBeVisible();

  // a hand-edited URL the API refuses (a malformed cursor) is an empty state too, not an error page
  const response = await page.goto("/c/clothing?cursor=not-a-cursor&option=size:M");
  expect(response?.status()).toBe(200);
  await expect(page.getByRole("heading", { name: "No products match" })).toBeVisible();
  await page.getByRole("link", { name: "Clear filters" }).click();
  await expect(page).toHaveURL(/\/c\/clothing$/);
});

test("an admin price edit shows on the next page load", async ({ page, shop }) => {
  const email = `catalog-admin-${Date.now()}@example.com`;
  const password = "catalog admin password 1";
  const created = spawnSync(path.join(REPO_DIR, ".venv", "bin", "mercato"), ["users", "create-admin", email], {
    cwd: REPO_DIR,
    input: `${password}\n`,
    encoding: "utf8",
    env: { ...process.env, MERCATO_DATA_DIR: shop.dataDir, MERCATO_ENV: "development", MERCATO_LOG_JSON: "false" },
  });
  expect(created.status, created.stderr).toBe(0);
  const token = await api<{ access_token: string }>(shop, "/api/v1/auth/token", {
    method: "POST",
    headers: { "Content-Type": "application/x-www-form-urlencoded" },
    body: new URLSearchParams({ username: email, password, grant_type: "password" }),
  });
  const auth = { Authorization: `Bearer ${token.access_token}` };

  // the last product by name: one the other specs are unlikely to buy
  const all = await api<ProductPage>(shop, "/api/v1/products?limit=100&sort=name");
  const slug = all.items.at(-1)!.slug;
  const before = await api<ProductRead>(shop, `/api/v1/products/${slug}`);
  const variant = before.variants.find((v) => v.is_active)!;
  await page.goto(`/p/${slug}`);
  await expect(page.getByRole("heading", { level: 1, name: before.title })).toBeVisible();
  await page.goto(`/p/${slug}`); // served from the storefront's data cache now

  const newPrice = variant.price.amount + 1234;
  const product = await fetch(`${shop.apiUrl}/api/v1/admin/products/${before.id}`, { headers: auth }).catch(() =>
    fetch(`${shop.apiUrl}/api/v1/admin/products/${before.id}`, { headers: auth }),
  );
  const edit = await fetch(`${shop.apiUrl}/api/v1/admin/variants/${variant.id}`, {
    method: "PATCH",
    headers: { ...auth, "Content-Type": "application/json", "If-Match": product.headers.get("etag")! },
    body: JSON.stringify({ price: newPrice, compare_at_price: null }),
  });
  expect(edit.status).toBe(200);
  const shown = new Intl.NumberFormat("en-GB", { style: "currency", currency: variant.price.currency }).format(newPrice / 100);

  // the worker delivers the revalidation asynchronously: the next load after it shows the price
  await expect(async () => {
    await page.goto(`/p/${slug}`);
    await expect(page.getByText(shown, { exact: true }).first()).toBeVisible({ timeout: 1000 });
  }).toPass({ timeout: 30_000 });
});

test("a page, category, collection, product or order that does not exist is titled Page not found", async ({ page }) => {
  const orders = ["/orders/nope", "/orders/00000000-0000-4000-8000-000000000000?token=wrong"];
  for (const path of ["/nope", "/c/nope", "/collections/nope", "/p/nope", ...orders]) {
    const response = await page.goto(path);
    expect(response?.status(), path).toBe(404);
    await expect(page.getByRole("heading", { level: 1, name: "Page not found" })).toBeVisible();
    await expect(page, path).toHaveTitle(/^Page not found · /);
  }
});
