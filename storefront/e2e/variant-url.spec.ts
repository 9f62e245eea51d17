/**
 * The chosen variant is kept in the product page's URL (`?variant={sku}`, replaced in place): a
 * reload or a shared link shows the same colour, size, price, image and Add to cart, painted by
 * the server; a stale parameter falls back to the default choice without an error. The demo
 * data has one image per colour, its alt text "{title} in {colour}".
 */
import type { Page } from "@playwright/test";
import type { ProductPage, ProductRead, Schema } from "../lib/api/types";
import { availabilityText, findVariant, initialSelection } from "../lib/catalog/variants";
import { formatMoney } from "../lib/format/money";
import { expect, test, type Shop } from "./fixtures";

type VariantRead = Schema<"VariantRead">;

async function api<T>(shop: Shop, pathAndQuery: string): Promise<T> {
  const url = `${shop.apiUrl}${pathAndQuery}`;
  // one retry on a network error: a pooled keep-alive socket may be closed by the server just then
  const res = await fetch(url).catch(() => fetch(url));
  if (!res.ok) throw new Error(`${pathAndQuery}: ${res.status} ${await res.text()}`);
  return (await res.json()) as T;
}

interface Found {
  product: ProductRead;
  colour: string;
  size: string;
  /** in stock, with another colour and another size than the page's default choice */
  variant: VariantRead;
  /** the index of its colour's image (not the first) */
  image: number;
}

/** A demo product with colour and size options and an image per colour, and a non-default variant to choose. */
async function productWithColourAndSize(shop: Shop): Promise<Found | null> {
  const list = await api<ProductPage>(shop, "/api/v1/products?limit=100&sort=name&in_stock=true");
  for (const summary of list.items) {
    const product = await api<ProductRead>(shop, `/api/v1/products/${summary.slug}`);
    const colour = product.options.find((o) => /^colou?r$/i.test(o.name))?.name;
    const size = product.options.find((o) => /^size$/i.test(o.name))?.name;
    if (!colour || !size) continue;
    const selection = initialSelection(product.variants);
    const candidates = product.variants.filter(
      (v) => v.is_active && v.in_stock && v.options[colour] !== selection[colour] && v.options[size] !== selection[size],
    );
    for (const variant of candidates) {
      const image = product.images.findIndex((i) => i.alt.toLowerCase() === `${product.title} in ${variant.options[colour]}`.toLowerCase());
      if (image > 0) return { product, colour, size, variant, image };
    }
  }
  return null;
}

function group(page: Page, option: string) {
  return page.getByRole("group", { name: new RegExp(`^${option}`, "i") });
}

/** The page shows `variant` chosen: its radios, price, availability, image large, Add to cart. */
async function expectChosen(page: Page, found: Found, variant: VariantRead, image: number) {
  const { product } = found;
  for (const option of product.options) {
    await expect(group(page, option.name).getByRole("radio", { name: variant.options[option.name]!, exact: true })).toBeChecked();
  }
  const column = page.getByRole("heading", { level: 1, name: product.title }).locator("xpath=../..");
  await expect(column.getByText(formatMoney(variant.price), { exact: true }).first()).toBeVisible();
  await expect(page.getByRole("status").filter({ hasText: availabilityText(variant) })).toBeVisible();
  const shown = page.getByRole("img", { name: product.images[image]!.alt, exact: true });
  await expect(shown).toBeVisible();
  await expect(shown).toHaveAttribute("src", product.images[image]!.url);
  await expect(page.getByRole("button", { name: "Add to cart" })).toBeEnabled();
}

test("a chosen colour and size stay in the URL: a reload and a shared link show the same variant", async ({ page, browser, shop }) => {
  const found = await productWithColourAndSize(shop);
  test.skip(found === null, "the demo data has no product with colour, size and an image per colour");
  const { product, colour, size, variant, image } = found!;
  await page.goto(`/p/${product.slug}`);
  await expect(page.getByRole("heading", { level: 1, name: product.title })).toBeVisible();
  const historyBefore = await page.evaluate(() => history.length);

  await group(page, colour).getByLabel(variant.options[colour]!, { exact: true }).check();
  await group(page, size).getByLabel(variant.options[size]!, { exact: true }).check();
  await expectChosen(page, found!, variant, image);
  await expect(page).toHaveURL(new RegExp(`/p/${product.slug}\\?variant=${encodeURIComponent(variant.sku)}$`));
  // replaced in place: choosing adds no history entry
  expect(await page.evaluate(() => history.length)).toBe(historyBefore);

  await page.reload();
  await expectChosen(page, found!, variant, image);

  // a shared link, without JavaScript: the server paints the page with that variant
  const context = await browser.newContext({ javaScriptEnabled: false, baseURL: shop.storefrontUrl });
  const plain = await context.newPage();
  await plain.goto(`/p/${product.slug}?variant=${encodeURIComponent(variant.sku)}`);
  for (const option of product.options) {
    await expect(group(plain, option.name).getByRole("radio", { name: variant.options[option.name]!, exact: true })).toBeChecked();
  }
  await expect(plain.getByRole("img", { name: product.images[image]!.alt, exact: true })).toHaveAttribute("src", product.images[image]!.url);
  // the canonical URL has no parameter
  await expect(plain.locator('link[rel="canonical"]')).toHaveAttribute("href", new RegExp(`/p/${product.slug}$`));
  await context.close();
});

test("a stale ?variant= falls back to the default choice without an error", async ({ page, shop }) => {
  const found = await productWithColourAndSize(shop);
  test.skip(found === null, "the demo data has no product with colour, size and an image per colour");
  const { product } = found!;
  const response = await page.goto(`/p/${product.slug}?variant=NO-SUCH-SKU-${Date.now()}`);
  expect(response?.status()).toBe(200);
  await expect(page.getByRole("heading", { level: 1, name: product.title })).toBeVisible();
  const fallback = findVariant(product.variants, initialSelection(product.variants))!;
  await expectChosen(page, found!, fallback, 0);
  // the stale value leaves the URL
  await expect(page).toHaveURL(new RegExp(`/p/${product.slug}$`));
});
