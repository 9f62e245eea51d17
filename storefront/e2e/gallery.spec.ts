/**
 * The product gallery: the page arrives with the first image large (server render), thumbnails
 * are buttons that show their image large (mouse and keyboard, desktop and phone widths) without
 * moving the page, and choosing a colour shows that colour's image. The demo data has one image
 * per colour, its alt text "{title} in {colour}": that is how the expected image is found here.
 */
import { mkdirSync } from "node:fs";
import path from "node:path";
import type { Locator, Page } from "@playwright/test";
import type { ProductPage, ProductRead } from "../lib/api/types";
import { initialSelection, valueState } from "../lib/catalog/variants";
import { expect, test, type Shop } from "./fixtures";

const SHOTS = path.join(__dirname, "..", "test-results", "screenshots");

async function screenshot(page: Page, name: string) {
  mkdirSync(SHOTS, { recursive: true });
  await page.screenshot({ path: path.join(SHOTS, `${name}.png`) });
}

async function api<T>(shop: Shop, pathAndQuery: string): Promise<T> {
  const url = `${shop.apiUrl}${pathAndQuery}`;
  // one retry on a network error: a pooled keep-alive socket may be closed by the server just then
  const res = await fetch(url).catch(() => fetch(url));
  if (!res.ok) throw new Error(`${pathAndQuery}: ${res.status} ${await res.text()}`);
  return (await res.json()) as T;
}

interface Found {
  product: ProductRead;
  /** the colour option's name as the API spells it */
  option: string;
  /** a colour a shopper can choose at the page's first selection, with the index of its image (not the first) */
  colour: string;
  colourImage: number;
}

/** A demo product with at least three images, one per colour, and a colour whose image is not the first. */
async function productWithColourImages(shop: Shop): Promise<Found | null> {
  const list = await api<ProductPage>(shop, "/api/v1/products?limit=100&sort=name&in_stock=true");
  for (const summary of list.items) {
    const product = await api<ProductRead>(shop, `/api/v1/products/${summary.slug}`);
    const option = product.options.find((o) => /^colou?r$/i.test(o.name));
    if (!option || product.images.length < 3) continue;
    const selection = initialSelection(product.variants);
    for (const colour of option.values) {
      const colourImage = product.images.findIndex((image) => image.alt.toLowerCase() === `${product.title} in ${colour}`.toLowerCase());
      if (colourImage > 0 && valueState(product.variants, selection, option.name, colour) !== "sold_out") {
        return { product, option: option.name, colour, colourImage };
      }
    }
  }
  return null;
}

function thumbnail(page: Page, product: ProductRead, index: number): Locator {
  return page.getByRole("list", { name: "Product images" }).getByRole("button", { name: new RegExp(`^Show image ${index + 1} of ${product.images.length}\\b`) });
}

/** The image shown large: the thumbnails' images have no name of their own, so this is the only one named so. */
function shownImage(page: Page, product: ProductRead, index: number): Locator {
  return page.getByRole("img", { name: product.images[index]!.alt, exact: true });
}

/** Where an element is on the page (not in the viewport: clicking a thumbnail may scroll). */
function pageBox(locator: Locator) {
  return locator.evaluate((el) => {
    const r = el.getBoundingClientRect();
    return { x: r.x + window.scrollX, y: r.y + window.scrollY, width: r.width, height: r.height };
  });
}

async function expectShown(page: Page, product: ProductRead, index: number) {
  await expect(shownImage(page, product, index)).toBeVisible();
  await expect(shownImage(page, product, index)).toHaveAttribute("src", product.images[index]!.url);
  for (let i = 0; i < product.images.length; i++) {
    await expect(thumbnail(page, product, i)).toHaveAttribute("aria-pressed", String(i === index));
  }
}

let search: Promise<Found | null> | undefined;

/** The product the tests use, looked up once per run. */
function target(shop: Shop): Promise<Found | null> {
  search ??= productWithColourImages(shop);
  return search;
}

test("the page arrives with the first image large and its thumbnails (no JavaScript)", async ({ browser, shop }) => {
  const found = await target(shop);
  test.skip(found === null, "the demo data has no product with an image per colour");
  const { product } = found!;
  const context = await browser.newContext({ javaScriptEnabled: false, baseURL: shop.storefrontUrl });
  const page = await context.newPage();
  await page.goto(`/p/${product.slug}`);
  await expect(page.getByRole("heading", { level: 1, name: product.title })).toBeVisible();
  await expectShown(page, product, 0);
  await context.close();
});

test("a thumbnail shows its image, by mouse and by keyboard, without moving the page", async ({ page, shop }) => {
  const found = await target(shop);
  test.skip(found === null, "the demo data has no product with an image per colour");
  const { product } = found!;
  await page.goto(`/p/${product.slug}`);
  await expectShown(page, product, 0);
  const before = await pageBox(shownImage(page, product, 0));

  await thumbnail(page, product, 1).click();
  await expectShown(page, product, 1);
  expect(await pageBox(shownImage(page, product, 1))).toEqual(before);

  // keyboard: Tab to the next thumbnail, Enter; Shift+Tab back, Space
  await thumbnail(page, product, 1).focus();
  await page.keyboard.press("Tab");
  await expect(thumbnail(page, product, 2)).toBeFocused();
  await page.keyboard.press("Enter");
  await expectShown(page, product, 2);
  await page.keyboard.press("Shift+Tab");
  await page.keyboard.press("Shift+Tab");
  await expect(thumbnail(page, product, 0)).toBeFocused();
  await page.keyboard.press("Space");
  await expectShown(page, product, 0);
});

test("choosing a colour shows its image; a thumbnail still shows any other", async ({ page, shop }) => {
  const found = await target(shop);
  test.skip(found === null, "the demo data has no product with an image per colour");
  const { product, option, colour, colourImage } = found!;
  await page.goto(`/p/${product.slug}`);
  await expectShown(page, product, 0);

  const group = page.getByRole("group", { name: new RegExp(`^${option}`, "i") });
  await group.getByLabel(colour, { exact: true }).check();
  await expect(group.getByRole("radio", { name: colour, exact: true })).toBeChecked();
  await expectShown(page, product, colourImage);
  await screenshot(page, "gallery-colour-1280");

  const other = colourImage === 1 ? 2 : 1;
  await thumbnail(page, product, other).click();
  await expectShown(page, product, other);
  // the colour chosen stays chosen: the gallery only looks
  await expect(group.getByRole("radio", { name: colour, exact: true })).toBeChecked();
});

test("on a phone's width the thumbnails are large enough to tap and switch the image", async ({ page, shop }) => {
  const found = await target(shop);
  test.skip(found === null, "the demo data has no product with an image per colour");
  const { product } = found!;
  await page.setViewportSize({ width: 360, height: 800 });
  await page.goto(`/p/${product.slug}`);
  const button = thumbnail(page, product, 2);
  const box = await button.boundingBox();
  expect(box!.width).toBeGreaterThanOrEqual(44);
  expect(box!.height).toBeGreaterThanOrEqual(44);
  const before = await pageBox(shownImage(page, product, 0));
  await button.click();
  await expectShown(page, product, 2);
  expect(await pageBox(shownImage(page, product, 2))).toEqual(before);
  await screenshot(page, "gallery-thumbnail-360");
  // nothing wider than the screen
  expect(await page.evaluate(() => document.documentElement.scrollWidth)).toBeLessThanOrEqual(360);
});
