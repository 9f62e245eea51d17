/**
 * Search with typo correction: a misspelled word shows the corrected results and offers the words
 * as typed, which the API then searches as they are (`as_typed=true`), without correcting them.
 */
import type { ProductPage } from "../lib/api/types";
import { expect, test, type Shop } from "./fixtures";

async function products(shop: Shop, query: Record<string, string>): Promise<ProductPage> {
  const url = `${shop.apiUrl}/api/v1/products?${new URLSearchParams(query)}`;
  // one retry on a network error: a pooled keep-alive socket may be closed by the server just then
  const res = await fetch(url).catch(() => fetch(url));
  if (!res.ok) throw new Error(`${url}: ${res.status} ${await res.text()}`);
  return (await res.json()) as ProductPage;
}

/** A word of the demo catalog with two letters swapped: corrected by default, found by nothing as typed. */
async function aTypo(shop: Shop): Promise<{ typo: string; corrected: string }> {
  const list = await products(shop, { limit: "100", sort: "name" });
  const words = new Set(list.items.flatMap((p) => p.title.toLowerCase().split(/[^a-z]+/)).filter((w) => w.length >= 5 && w.length < 8));
  for (const word of words) {
    const typo = word.slice(0, 1) + word.slice(2, 3) + word.slice(1, 2) + word.slice(3);
    if (typo === word) continue;
    const fixed = await products(shop, { q: typo, limit: "1" });
    const literal = await products(shop, { q: typo, as_typed: "true", limit: "1" });
    if (fixed.corrected_query && fixed.items.length > 0 && literal.items.length === 0 && literal.corrected_query === null) {
      return { typo, corrected: fixed.corrected_query };
    }
  }
  throw new Error("no word of the demo catalog to misspell");
}

test("a corrected search offers the words as typed, and searching them finds what they match", async ({ page, shop }) => {
  const { typo, corrected } = await aTypo(shop);
  await page.goto("/");
  const box = page.getByRole("combobox", { name: "Search products" });
  await box.fill(typo);
  await box.press("Enter");
  await expect(page).toHaveURL(new RegExp(`/search\\?q=${typo}$`));
  await expect(page.getByRole("heading", { level: 1, name: `Results for “${typo}”` })).toBeVisible();
  await expect(page.getByText(`Showing results for ${corrected}.`)).toBeVisible();
  await expect(page.getByRole("list", { name: "Products" }).getByRole("link").first()).toBeVisible();

  await page.getByRole("link", { name: `Search for “${typo}” instead` }).click();
  await expect(page).toHaveURL(new RegExp(`/search\\?q=${typo}&as_typed=true$`));
  await expect(page.getByRole("heading", { level: 1, name: `Results for “${typo}”` })).toBeVisible();
  await expect(page.getByRole("heading", { name: "No products match" })).toBeVisible();
  await expect(page.getByRole("list", { name: "Products" })).toHaveCount(0);
  await expect(page.getByText("Showing results for")).toHaveCount(0);
  await expect(page.getByRole("link", { name: /instead$/ })).toHaveCount(0);

  // a new search from the box is corrected again
  await page.getByRole("combobox", { name: "Search products" }).fill(typo);
  await page.getByRole("combobox", { name: "Search products" }).press("Enter");
  await expect(page).toHaveURL(new RegExp(`/search\\?q=${typo}$`));
  await expect(page.getByText(`Showing results for ${corrected}.`)).toBeVisible();
});
